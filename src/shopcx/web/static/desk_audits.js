// The mystery-shopper audits page (desk/templates/audits.html): the overall score per month as lines (all audits,
// then each agent), from the page's JSON block; a month without an audit of a series is a gap.
(function () {
  function draw() {
    var source = document.getElementById("audit-data");
    var el = document.getElementById("audit-trend");
    if (!source || !el || typeof echarts === "undefined") { return; }
    var d = JSON.parse(source.textContent);
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption({
      animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 8, right: 12, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", min: 1, max: 5, name: d.axis, axisLabel: { color: "#64748b" },
               splitLine: { lineStyle: { color: "#e2e8f0" } } },
      series: d.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6,
                 lineStyle: { width: i === 0 ? 3 : 1.5 } };
      })
    });
    window.addEventListener("resize", function () { c.resize(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
