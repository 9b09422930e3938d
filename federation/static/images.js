// Product images served by another system: when one cannot be loaded (that system down), show the placeholder instead.
(function () {
  "use strict";
  function missing(img) {
    var frame = img.closest(".product-image");
    if (frame) {
      frame.classList.add("is-missing");
    }
  }
  document.addEventListener("error", function (event) {
    if (event.target instanceof HTMLImageElement) {
      missing(event.target);
    }
  }, true);
  Array.prototype.forEach.call(document.querySelectorAll(".product-image img"), function (img) {
    if (img.complete && img.naturalWidth === 0) {
      missing(img);
    }
  });
})();
