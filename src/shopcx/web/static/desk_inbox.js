// The agent inbox by keyboard: j / k move between tickets (the row's link takes the focus, so Enter opens it),
// "/" goes to the filters. Keys typed into a field, or with a modifier, are left alone. The list is replaced by
// HTMX (filters, the 30-second refresh), so the rows are looked up on every key press.
(function () {
  "use strict";
  function links() {
    return Array.prototype.slice.call(document.querySelectorAll("#ticket-table tbody tr td:first-child a"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) return;
    if (event.key === "/") {
      var first = document.querySelector(".dk-filters select");
      if (first) { event.preventDefault(); first.focus(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var rows = links();
    if (!rows.length) return;
    var at = rows.indexOf(document.activeElement);
    var next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (event.key === "j" ? 1 : -1)));
    event.preventDefault();
    rows[next].focus();
    rows[next].closest("tr").scrollIntoView({block: "nearest"});
  });
})();
