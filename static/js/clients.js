// Client list enhancements: column drag-and-drop, select-all, bulk-action fields,
// closing the column chooser. The page works without this file.
(function () {
  "use strict";

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function initColumns(root) {
    root.querySelectorAll("[data-sortable-columns]").forEach(function (list) {
      if (list.dataset.bound) return;
      list.dataset.bound = "1";
      var form = list.closest("form");
      if (window.Sortable) {
        window.Sortable.create(list, {
          handle: ".drag-handle",
          animation: 120,
          onEnd: function (event) { if (event.oldIndex !== event.newIndex) submit(form); }
        });
      }
      list.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        box.addEventListener("change", function () { submit(form); });
      });
    });
  }

  function initBulk(root) {
    root.querySelectorAll("[data-select-all]").forEach(function (box) {
      if (box.dataset.bound) return;
      box.dataset.bound = "1";
      box.addEventListener("change", function () {
        var table = box.closest("table");
        table.querySelectorAll("tbody input[name=ids]").forEach(function (row) { row.checked = box.checked; });
      });
    });
    root.querySelectorAll("[data-bulk-action]").forEach(function (select) {
      if (select.dataset.bound) return;
      select.dataset.bound = "1";
      var parts = select.form.querySelectorAll("[data-bulk-for]");
      var sync = function () {
        parts.forEach(function (part) {
          part.hidden = part.dataset.bulkFor.split(" ").indexOf(select.value) === -1;
        });
      };
      select.addEventListener("change", sync);
      sync();
    });
  }

  // The bulk "Team members" chooser shows the names chosen.
  function initMembers(root) {
    root.querySelectorAll("[data-bulk-members]").forEach(function (menu) {
      if (menu.dataset.bound) return;
      menu.dataset.bound = "1";
      var summary = menu.querySelector("summary");
      menu.addEventListener("change", function () {
        var names = [];
        menu.querySelectorAll("input:checked").forEach(function (box) {
          names.push(box.labels[0].textContent.trim());
        });
        summary.textContent = names.length ? names.join(", ") : summary.dataset.placeholder;
      });
    });
  }

  function init(root) {
    initColumns(root);
    initBulk(root);
    initMembers(root);
  }

  // The column chooser closes on a click elsewhere (the Actions menus: app.js).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.column-chooser[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
