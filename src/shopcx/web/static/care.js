/* Care charts (ECharts): the campaign's treatment-vs-control figures, from the JSON the page embeds beside the table
   (the same report). No inline scripts (the CSP forbids them). */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("uplift-chart");
    var source = document.getElementById("uplift-chart-data");
    if (!el || !source || typeof echarts === "undefined") { return; }
    var figures = JSON.parse(source.textContent);
    if (!figures) { return; }
    var names = [el.getAttribute("data-treatment") || "T", el.getAttribute("data-control") || "C"];
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      grid: { left: 48, right: 48, top: 30, bottom: 30 },
      legend: { top: 0 },
      xAxis: { type: "category", data: names },
      yAxis: [{ type: "value", axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } },
              { type: "value" }],
      series: [
        { name: el.getAttribute("data-conversion") || "conversion", type: "bar", data: figures.conversion,
          itemStyle: { color: "#2563eb" } },
        { name: el.getAttribute("data-revenue") || "revenue", type: "bar", yAxisIndex: 1, data: figures.revenue,
          itemStyle: { color: "#f59e0b" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
