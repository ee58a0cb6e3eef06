// The desk's reports page (desk/templates/reports.html): four ECharts charts from the page's JSON block.
(function () {
  function draw() {
    var source = document.getElementById("dr-data");
    if (!source || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var axis = { axisLabel: { color: "#64748b" }, splitLine: { lineStyle: { color: "#e2e8f0" } } };
    var grid = { left: 8, right: 12, top: 28, bottom: 8, containLabel: true };
    var charts = [];
    function chart(id, option) {
      var el = document.getElementById(id);
      if (!el) { return; }
      var c = echarts.init(el, null, { renderer: "svg" });
      c.setOption(Object.assign({ animation: false, grid: grid, tooltip: { trigger: "axis" } }, option));
      charts.push(c);
    }
    chart("dr-sla", { legend: { top: 0 }, color: ["#16a34a", "#dc2626"],
      xAxis: { type: "category", data: d.sla.labels }, yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      series: [{ name: d.sla.met_label, type: "bar", stack: "s", data: d.sla.met },
               { name: d.sla.missed_label, type: "bar", stack: "s", data: d.sla.missed }] });
    chart("dr-category", { color: ["#2563eb", "#f59e0b"],
      xAxis: { type: "category", data: d.category.labels, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: [Object.assign({ type: "value", minInterval: 1 }, axis), { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
      series: [{ name: d.category.label, type: "bar", data: d.category.values },
               { name: d.category.cum_label, type: "line", yAxisIndex: 1, data: d.category.cumulative }] });
    chart("dr-backlog", { color: ["#7c3aed"], xAxis: { type: "category", data: d.backlog.labels },
      yAxis: Object.assign({ type: "value", minInterval: 1 }, axis),
      series: [{ name: d.backlog.label, type: "bar", data: d.backlog.values }] });
    var shopLine = d.recovery.shop === null ? [] : [{ yAxis: d.recovery.shop, name: d.recovery.shop_label }];
    chart("dr-recovery", { color: ["#0891b2"], xAxis: { type: "category", data: d.recovery.labels },
      yAxis: Object.assign({ type: "value", max: 100, axisLabel: { formatter: "{value}%", color: "#64748b" } }),
      series: [{ name: d.recovery.label, type: "bar", data: d.recovery.values,
                 markLine: { symbol: "none", label: { formatter: d.recovery.shop_label + " {c}%" }, data: shopLine } }] });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
