// Keeps a pending order's page current: polls the order every 1.5 s, shows the new status and reloads once.
(function () {
  "use strict";
  var badge = document.getElementById("order-status");
  if (!badge || badge.dataset.status !== "pending") {
    return;
  }
  var timer = window.setInterval(function () {
    fetch(badge.dataset.pollUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok && response.status < 500) {
          window.clearInterval(timer); // logged out or gone: a reload by hand will say why
        }
        return response.ok ? response.json() : null;
      })
      .then(function (order) {
        if (!order || order.status === badge.dataset.status) {
          return;
        }
        window.clearInterval(timer);
        badge.textContent = order.status;
        badge.className = "status status-" + order.status;
        window.location.reload();
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }, 1500);
})();
