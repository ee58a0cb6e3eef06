/* ShopCX pages: small behaviours that HTMX does not cover. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss]");
    if (close) { close.parentElement.remove(); }
  });

  // On a phone, tables marked .table-cards show each row as a card: every cell carries its column's title.
  function labelCells(root) {
    var tables = (root.querySelectorAll ? root : document).querySelectorAll("table.table-cards");
    Array.prototype.forEach.call(tables, function (table) {
      var titles = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && cell.colSpan === 1) {
            cell.setAttribute("data-label", titles[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:afterSettle", function (event) { labelCells(event.target.parentElement || document); });

  // Copy a signed link (<button data-copy="#input">): the Clipboard API where the page is secure, else select
  // the text for the user.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) { return; }
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 1600);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.focus();
      input.select();
      try { if (document.execCommand("copy")) { done(); } } catch (ignored) { /* the text stays selected */ }
    }
  });

  // A new request clears the previous error message.
  document.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash) { flash.innerHTML = ""; }
  });

  function ordersChart() {
    var el = document.getElementById("orders-chart");
    var source = document.getElementById("orders-chart-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      color: ["#2563eb"],
      grid: { left: 8, right: 12, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: data.months, axisTick: { alignWithLabel: true },
               axisLabel: { color: "#64748b", formatter: function (v) { return v.slice(2); } } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#64748b" },
               splitLine: { lineStyle: { color: "#e2e8f0" } } },
      series: [{ name: data.label, type: "bar", data: data.orders, barMaxWidth: 28,
                 itemStyle: { borderRadius: [3, 3, 0, 0] } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // A choice that reloads the page (a shop picker): <select data-autosubmit> sends its form when it changes
  // (an inline onchange would be refused by the Content Security Policy).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ordersChart);
  } else {
    ordersChart();
  }
})();
