// License list behaviour: tick boxes and the bulk bar, the in-place note
// editor's keys. Everything works without it; no inline scripts (CSP).
(function () {
  "use strict";
  // Only the license screens: other pages keep their own behaviour.
  if (location.pathname.indexOf("/licenses") !== 0) { return; }

  function ticks() { return document.querySelectorAll('input[name="ids"][form="bulk"]'); }

  // The bulk bar shows only while rows are ticked, with their count.
  function update() {
    var bar = document.getElementById("bulk");
    if (!bar) { return; }
    var n = 0;
    ticks().forEach(function (c) { if (c.checked) { n++; } });
    bar.hidden = n === 0;
    var count = bar.querySelector("[data-bulk-count]");
    if (count) { count.textContent = String(n); }
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var table = all.closest("table");
      var boxes = table ? table.querySelectorAll('input[name="ids"]') : [];
      var on = 0;
      boxes.forEach(function (b) { if (b.checked) { on++; } });
      all.checked = boxes.length > 0 && on === boxes.length;
      all.indeterminate = on > 0 && on < boxes.length;
    });
  }

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!el.matches) { return; }
    if (el.matches("input[data-select-all]")) {
      var table = el.closest("table");
      if (table) { table.querySelectorAll('input[name="ids"]').forEach(function (b) { b.checked = el.checked; }); }
      update();
    } else if (el.matches('input[name="ids"]')) {
      update();
    }
  });

  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-bulk-clear]");
    if (t) {
      ticks().forEach(function (c) { c.checked = false; });
      update();
    }
  });

  // In the note editor Enter saves (the form submits) and Esc cancels.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var form = e.target.closest && e.target.closest("[data-note-editor]");
    if (!form) { return; }
    e.preventDefault();
    var cancel = form.querySelector("[data-note-cancel]");
    if (cancel) { cancel.click(); }
  });

  // A swapped-in editor takes the focus with the caret at the end; a
  // saved or cancelled cell gives it back to its pencil.
  document.addEventListener("htmx:afterSettle", function (e) {
    var el = e.detail && e.detail.elt;
    if (!el || !el.classList || !el.classList.contains("note-cell")) {
      update();
      return;
    }
    var input = el.querySelector('.note-form input[name="notes"]');
    if (input) {
      input.focus();
      var v = input.value;
      input.setSelectionRange(v.length, v.length);
    } else {
      var pencil = el.querySelector(".pencil");
      if (pencil) { pencil.focus(); }
    }
  });

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", update); } else { update(); }
})();
