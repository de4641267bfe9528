// Invoice page: the Print button (the page prints as the invoice through
// the print stylesheet). No inline scripts (CSP).
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var t = e.target.closest && e.target.closest("[data-print]");
    if (t) { window.print(); }
  });
})();
