/* Loyalty pages: one submit per redeem button, and the liability charts (ECharts).
   No inline scripts (the CSP forbids them): charts read the JSON their page embedded next to them. */
(function () {
  "use strict";

  var MUTED = "#64748b", GRID = "#e2e8f0", BLUE = "#2563eb", AMBER = "#f59e0b";
  var TIER_COLORS = ["#94a3b8", "#64748b", "#d97706", "#7c3aed", "#0f766e", "#be123c"];

  // A second tap while the first redeem is on its way does nothing (the server would answer it once anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-busy", "true");
      button.textContent = button.getAttribute("data-busy") || button.textContent;
    }
  });

  function data(id) {
    var source = document.getElementById(id + "-data");
    return source ? JSON.parse(source.textContent) : null;
  }

  function draw(el, options) {
    if (!el || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(options);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function axis(extra) {
    var base = { axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } } };
    for (var key in extra) { base[key] = extra[key]; }
    return base;
  }

  function liabilityCharts() {
    var figures = data("expiry-chart");
    if (!figures) { return; }
    var expiry = document.getElementById("expiry-chart");
    draw(expiry, {
      animation: false, color: [AMBER],
      grid: { left: 8, right: 12, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: axis({ type: "category", data: figures.months, axisTick: { alignWithLabel: true } }),
      yAxis: axis({ type: "value", minInterval: 1 }),
      series: [{ name: expiry ? expiry.getAttribute("data-series") : "", type: "bar", data: figures.expiring,
                 barMaxWidth: 28, itemStyle: { borderRadius: [3, 3, 0, 0] } }]
    });
    var tiers = document.getElementById("tier-chart");
    draw(tiers, {
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: axis({ type: "value", minInterval: 1 }),
      yAxis: axis({ type: "category", data: figures.tiers, inverse: true, axisTick: { show: false },
                    splitLine: { show: false } }),
      series: [{ name: tiers ? tiers.getAttribute("data-series") : "", type: "bar", barMaxWidth: 22,
                 label: { show: true, position: "right", color: "#0f172a" },
                 data: figures.members.map(function (n, i) {
                   return { value: n, itemStyle: { color: TIER_COLORS[i % TIER_COLORS.length] || BLUE,
                                                   borderRadius: [0, 3, 3, 0] } };
                 }) }]
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", liabilityCharts);
  } else {
    liabilityCharts();
  }
})();
