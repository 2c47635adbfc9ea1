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

  // Menus (<details class="menu"> and the "Actions ▼" menus): one open at a time,
  // closed by Escape or a click elsewhere. An open Actions menu is placed with
  // position: fixed next to its button, so no scroll box clips it.
  var MENUS = "details.menu, details.actions-menu";
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open], details.actions-menu[open]").forEach(function (menu) {
      if (menu !== except && !(except && menu.contains(except))) menu.removeAttribute("open");
    });
  }
  function placeMenu(menu) {
    var list = menu.querySelector(".actions-menu-list");
    if (!list) return;
    var button = menu.querySelector("summary").getBoundingClientRect();
    list.classList.add("menu-floating");
    var width = list.offsetWidth, height = list.offsetHeight;
    var left = Math.max(8, Math.min(button.right - width, window.innerWidth - width - 8));
    var top = button.bottom + 4;
    if (top + height > window.innerHeight - 8 && button.top - height - 4 > 8) top = button.top - height - 4;
    list.style.setProperty("top", Math.round(top) + "px");
    list.style.setProperty("left", Math.round(left) + "px");
  }
  function placeOpenMenus() {
    document.querySelectorAll("details.actions-menu[open]").forEach(placeMenu);
  }
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!menu.matches || !menu.matches("details.actions-menu")) return;
    var cell = menu.closest("td, th");
    if (menu.open) {
      closeMenus(menu);
      if (cell) cell.classList.add("menu-open-cell");
      placeMenu(menu);
    } else if (cell) {
      cell.classList.remove("menu-open-cell");
    }
  }, true);
  window.addEventListener("scroll", placeOpenMenus, true);
  window.addEventListener("resize", placeOpenMenus);
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest ? event.target.closest(MENUS) : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("details.menu[open], details.actions-menu[open]") : null;
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
