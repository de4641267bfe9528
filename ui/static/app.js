// licensedesk UI behaviour. Everything here is an enhancement: every form
// works without it. No inline scripts anywhere (Content-Security-Policy).
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  // htmx requests carry the session's CSRF token as a header.
  document.addEventListener("htmx:configRequest", function (e) {
    e.detail.headers["X-CSRF-Token"] = csrfToken();
  });

  // Row editors: <tbody data-rows="editions" data-next="3"> with rows whose
  // field names carry the row index, e.g. editions[2].code, prices[2][0].
  function renumberRow(row, name, idx) {
    var re = new RegExp("^" + name + "\\[\\d+\\]");
    row.querySelectorAll("[name]").forEach(function (el) {
      el.name = el.name.replace(re, name + "[" + idx + "]");
      if (name === "editions") {
        el.name = el.name.replace(/^prices\[\d+\]/, "prices[" + idx + "]");
      }
      el.id = "";
    });
    row.querySelectorAll("label[for]").forEach(function (l) { l.removeAttribute("for"); });
  }

  function clearRow(row) {
    row.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; } else { el.value = ""; }
      el.removeAttribute("aria-invalid");
      el.removeAttribute("aria-describedby");
    });
    row.querySelectorAll("select").forEach(function (el) { el.selectedIndex = 0; el.removeAttribute("aria-invalid"); });
    row.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  }

  function addRow(tbody) {
    var name = tbody.getAttribute("data-rows");
    var rows = tbody.querySelectorAll("tr");
    if (!rows.length) { return; }
    var idx = parseInt(tbody.getAttribute("data-next") || rows.length, 10);
    var row = rows[rows.length - 1].cloneNode(true);
    clearRow(row);
    renumberRow(row, name, idx);
    tbody.setAttribute("data-next", idx + 1);
    tbody.appendChild(row);
    var first = row.querySelector("input, select");
    if (first) { first.focus(); }
  }

  // The price matrix: a period column is a header cell periods[j] plus a
  // price cell prices[i][j] in every edition row.
  function addColumn(table) {
    var heads = table.querySelectorAll("thead th.period-head");
    if (!heads.length) { return; }
    var j = parseInt(table.getAttribute("data-next-col") || heads.length, 10);
    var last = heads[heads.length - 1];
    var h = last.cloneNode(true);
    clearRow(h);
    h.querySelectorAll("[name]").forEach(function (el) { el.name = "periods[" + j + "]"; el.id = ""; });
    h.querySelectorAll("label[for]").forEach(function (l) { l.removeAttribute("for"); });
    last.after(h);
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var cells = tr.querySelectorAll("td.price-cell");
      var c = cells[cells.length - 1].cloneNode(true);
      clearRow(c);
      c.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/\]\[\d+\]$/, "][" + j + "]");
        el.id = "";
      });
      cells[cells.length - 1].after(c);
    });
    table.setAttribute("data-next-col", j + 1);
    var sel = h.querySelector("select, input");
    if (sel) { sel.focus(); }
  }

  function removeColumn(th) {
    var table = th.closest("table");
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th.period-head"));
    var i = heads.indexOf(th);
    if (heads.length <= 1) { clearRow(th); table.querySelectorAll("td.price-cell").forEach(clearRow); return; }
    th.remove();
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      var cells = tr.querySelectorAll("td.price-cell");
      if (cells[i]) { cells[i].remove(); }
    });
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-add-row], [data-remove-row], [data-add-col], [data-remove-col], [data-copy]");
    if (!t) {
      // A click outside an open confirmation closes it.
      document.querySelectorAll("details.confirm[open]").forEach(function (d) {
        if (!d.contains(e.target)) { d.removeAttribute("open"); }
      });
      return;
    }
    if (t.hasAttribute("data-add-row")) {
      e.preventDefault();
      var tb = document.querySelector('tbody[data-rows="' + t.getAttribute("data-add-row") + '"]');
      if (tb) { addRow(tb); }
    } else if (t.hasAttribute("data-remove-row")) {
      e.preventDefault();
      var row = t.closest("tr");
      var body = row.parentNode;
      if (body.querySelectorAll("tr").length > 1) { row.remove(); } else { clearRow(row); }
    } else if (t.hasAttribute("data-add-col")) {
      e.preventDefault();
      var tbl = document.getElementById(t.getAttribute("data-add-col"));
      if (tbl) { addColumn(tbl); }
    } else if (t.hasAttribute("data-remove-col")) {
      e.preventDefault();
      removeColumn(t.closest("th"));
    } else if (t.hasAttribute("data-copy")) {
      e.preventDefault();
      var src = document.getElementById(t.getAttribute("data-copy"));
      if (!src) { return; }
      src.select();
      var done = function () { t.textContent = "Copied"; setTimeout(function () { t.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(src.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    }
  });

  // Forms with data-confirm ask first (the disclosure already confirms
  // without JavaScript; this covers single buttons such as revoke).
  document.addEventListener("submit", function (e) {
    var f = e.target;
    var msg = f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });

  // Filter selects apply at once.
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") {
      document.querySelectorAll("details.confirm[open]").forEach(function (d) { d.removeAttribute("open"); });
    }
  });

  function ready() {
    document.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
    document.querySelectorAll("[data-no-js]").forEach(function (el) { el.hidden = true; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
  document.addEventListener("htmx:afterSettle", ready);
})();
