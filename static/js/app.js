// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function init(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      if (el.dataset.bound) return;
      el.dataset.bound = "1";
      el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
    });
    root.querySelectorAll("[data-confirm]").forEach(function (el) {
      if (el.dataset.boundConfirm) return;
      el.dataset.boundConfirm = "1";
      var form = el.tagName === "FORM" ? el : el.form;
      if (!form) return;
      form.addEventListener("submit", function (event) {
        if (!window.confirm(el.dataset.confirm)) { event.preventDefault(); event.stopImmediatePropagation(); }
      });
    });
    // A part of a form shown for one choice of a radio group: data-shown-for="name:value".
    root.querySelectorAll("[data-shown-for]").forEach(function (part) {
      if (part.dataset.boundShown) return;
      part.dataset.boundShown = "1";
      var spec = part.dataset.shownFor.split(":");
      var form = part.closest("form");
      if (!form) return;
      var sync = function () {
        var field = form.elements[spec[0]];
        var value = field ? field.value : "";
        part.hidden = value !== "" && value !== spec[1];
      };
      form.addEventListener("change", function (event) { if (event.target.name === spec[0]) sync(); });
      sync();
    });
  }

  // <details class="menu">: one open at a time, closed by Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest ? event.target.closest("details.menu") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("details.menu[open]") : null;
    closeMenus(null);
    if (open) open.querySelector("summary").focus();
  });

  // An htmx request that fails never leaves the page silent or half-swapped: the
  // server's error page is not swapped in (see htmx-config in base.html) and this
  // says what happened, in the page's language.
  function showRequestError(kind) {
    var box = document.getElementById("request-error");
    if (!box) return;
    box.textContent = box.dataset[kind] || box.dataset.server;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showRequestError(status >= 400 && status < 500 ? "refused" : "server");
  });
  document.addEventListener("htmx:sendError", function () { showRequestError("network"); });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) box.hidden = true;
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
  window.Ledgerly = { init: init };
})();
