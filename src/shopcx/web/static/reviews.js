/* Review pages: fill the reply box from a suggested template, and draw the ratings dashboard (ECharts).
   Each chart reads the JSON the page put next to it, built from the same service call as the table under it.
   No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  var MUTED = "#64748b", GRID = "#e2e8f0";
  var DIM_COLORS = { description: "#2563eb", service: "#10b981", logistics: "#f59e0b" };
  var CLASS_COLORS = { good: "#16a34a", neutral: "#f59e0b", bad: "#dc2626", hidden_negative: "#a855f7" };

  // A suggested reply goes into the reply box (delegated: the review body is swapped by HTMX after actions).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill]");
    if (!button) { return; }
    var box = document.getElementById(button.getAttribute("data-fill"));
    if (!box) { return; }
    box.value = button.getAttribute("data-text");
    box.focus();
  });

  function figures(id) {
    var source = document.getElementById(id + "-data");
    return source ? JSON.parse(source.textContent) : null;
  }

  function draw(id, build) {
    var el = document.getElementById(id);
    var data = figures(id);
    if (!el || !data || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(data));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function axis(extra) {
    var base = { axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } } };
    Object.keys(extra).forEach(function (key) { base[key] = extra[key]; });
    return base;
  }

  function fixed(digits) {
    return function (v) { return v == null ? "—" : Number(v).toFixed(digits); };
  }

  function shortDate(v) { return String(v).slice(5); }

  // DSR: one line per dimension (each point the mean of the 180 days ending that day), its benchmark dashed.
  function dsrChart(d) {
    var values = [];
    d.lines.forEach(function (line) {
      line.values.forEach(function (v) { if (v != null) { values.push(v); } });
      if (line.benchmark != null) { values.push(line.benchmark); }
    });
    var low = values.length ? Math.max(1, Math.floor((Math.min.apply(null, values) - 0.1) * 10) / 10) : 1;
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis", valueFormatter: fixed(3) },
      xAxis: axis({ type: "category", data: d.dates, boundaryGap: false,
                    axisLabel: { color: MUTED, formatter: shortDate } }),
      yAxis: axis({ type: "value", min: low, max: 5 }),
      series: d.lines.map(function (line) {
        var color = DIM_COLORS[line.key];
        var series = { name: line.name, type: "line", data: line.values, showSymbol: false, connectNulls: false,
                       lineStyle: { width: 2, color: color }, itemStyle: { color: color } };
        if (line.benchmark != null) {
          series.markLine = { silent: true, symbol: "none", lineStyle: { type: "dashed", color: color },
                              label: { formatter: d.benchmark_name + " " + line.benchmark, color: color },
                              data: [{ yAxis: line.benchmark }] };
        }
        return series;
      })
    };
  }

  function goodRateChart(d) {
    return {
      animation: false,
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis" },
      xAxis: axis({ type: "category", data: d.periods, axisLabel: { color: MUTED, formatter: shortDate } }),
      yAxis: [axis({ type: "value", min: 0, max: 100, axisLabel: { color: MUTED, formatter: "{value}%" } }),
              axis({ type: "value", minInterval: 1, splitLine: { show: false } })],
      series: [
        { name: d.count_name, type: "bar", yAxisIndex: 1, data: d.totals, barMaxWidth: 18,
          itemStyle: { color: "#cbd5e1" } },
        { name: d.name, type: "line", data: d.rates, connectNulls: false, symbolSize: 6,
          itemStyle: { color: CLASS_COLORS.good }, tooltip: { valueFormatter: function (v) {
            return v == null ? "—" : v + "%"; } } }
      ]
    };
  }

  function driverChart(d) {
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: axis({ type: "value", minInterval: 1 }),
      yAxis: axis({ type: "category", data: d.drivers, inverse: true }),
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "negatives", data: s.values, barMaxWidth: 22,
                 itemStyle: { color: CLASS_COLORS[s.key] } };
      })
    };
  }

  function lateChart(d) {
    return {
      animation: false,
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: fixed(2) },
      xAxis: axis({ type: "category", data: d.groups }),
      yAxis: axis({ type: "value", min: 0, max: 5 }),
      series: [
        { name: d.stars_name, type: "bar", data: d.stars, barMaxWidth: 28, itemStyle: { color: "#2563eb" },
          label: { show: true, position: "top", formatter: function (p) {
            return p.value == null ? "" : Number(p.value).toFixed(2); } } },
        { name: d.logistics_name, type: "bar", data: d.logistics, barMaxWidth: 28,
          itemStyle: { color: DIM_COLORS.logistics } }
      ]
    };
  }

  function forecastChart(d) {
    return {
      animation: false,
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis", valueFormatter: fixed(3) },
      xAxis: axis({ type: "category", data: d.dates, boundaryGap: false,
                    axisLabel: { color: MUTED, formatter: shortDate } }),
      yAxis: axis({ type: "value", scale: true }),
      series: d.lines.map(function (line) {
        return { name: line.name, type: "line", data: line.values, showSymbol: false,
                 lineStyle: { type: "dashed", color: DIM_COLORS[line.key] }, itemStyle: { color: DIM_COLORS[line.key] } };
      })
    };
  }

  function classChart(d) {
    return {
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, textStyle: { color: MUTED } },
      series: [{ type: "pie", radius: ["40%", "68%"], center: ["50%", "45%"], label: { formatter: "{b} {c}" },
                 data: d.classes.map(function (c) {
                   return { name: c.name, value: c.value, itemStyle: { color: CLASS_COLORS[c.key] } };
                 }) }]
    };
  }

  function start() {
    draw("dsr-chart", dsrChart);
    draw("good-rate-chart", goodRateChart);
    draw("driver-chart", driverChart);
    draw("late-chart", lateChart);
    draw("forecast-chart", forecastChart);
    draw("class-chart", classChart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
