// Accountant-billed subscriptions: the ▶ toggle collapses a row it expanded.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeRequest", function (event) {
    var el = event.detail.elt;
    if (!el || !el.dataset || !el.dataset.expand) return;
    if (el.getAttribute("aria-expanded") === "true") {
      event.preventDefault();
      var target = document.getElementById(el.dataset.expand);
      if (target) {
        target.replaceChildren();
        target.className = "d-none";
      }
      el.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id) return;
    var toggle = document.querySelector('[data-expand="' + target.id + '"]');
    if (toggle) toggle.setAttribute("aria-expanded", "true");
  });
})();
