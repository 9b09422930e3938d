// UI integration by fragments: replaces each [data-fragment] placeholder with the HTML its owning system serves at that URL.
// Progressive enhancement: when the fetch fails (system down, slow, error), the placeholder's plain link stays.
(function () {
  "use strict";
  var TIMEOUT_MS = 3000;

  function load(placeholder) {
    var url = new URL(placeholder.getAttribute("data-fragment"), window.location.href);
    url.searchParams.set("next", window.location.href);
    var controller = new AbortController();
    var timer = window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    return fetch(url.toString(), { credentials: "include", headers: { Accept: "text/html" }, signal: controller.signal })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("fragment " + url.pathname + " answered " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html.trim();
        if (template.content.firstElementChild) {
          placeholder.replaceWith(template.content);
        }
      })
      .catch(function () {
        placeholder.classList.add("fragment-unavailable");
      })
      .finally(function () {
        window.clearTimeout(timer);
      });
  }

  var placeholders = Array.prototype.slice.call(document.querySelectorAll("[data-fragment]"));
  Promise.all(placeholders.map(load)).then(function () {
    document.documentElement.setAttribute("data-fragments", "settled");
  });
})();
