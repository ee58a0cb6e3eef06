/* Customer-value charts (ECharts). Each chart reads the JSON its page embedded next to it: the same figures as
   the table on that page. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  var MUTED = "#64748b", GRID = "#e2e8f0", BLUE = "#2563eb";
  var STAGE_COLORS = { suspect: "#cbd5e1", prospect: "#93c5fd", first_time: "#60a5fa", repeat: "#2563eb",
                       advocate: "#1e40af", at_risk: "#f59e0b", lost: "#94a3b8" };

  function data(id) {
    var source = document.getElementById(id + "-data");
    return source ? JSON.parse(source.textContent) : null;
  }

  function draw(id, options) {
    var el = document.getElementById(id);
    var figures = data(id);
    if (!el || !figures || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(options(figures));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function axis(extra) {
    var base = { axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } },
                 nameTextStyle: { color: MUTED } };
    for (var key in extra) { base[key] = extra[key]; }
    return base;
  }

  function pct(v) { return v + "%"; }

  function clvChart(d) {
    return {
      animation: false, color: [BLUE],
      grid: { left: 8, right: 12, top: 24, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: axis({ type: "category", data: d.labels, axisTick: { alignWithLabel: true },
                    axisLabel: { color: MUTED, rotate: d.labels.length > 6 ? 35 : 0, fontSize: 11 } }),
      yAxis: axis({ type: "value", minInterval: 1 }),
      series: [{ name: d.name, type: "bar", data: d.customers, barMaxWidth: 36,
                 itemStyle: { borderRadius: [3, 3, 0, 0] } }]
    };
  }

  function lorenzChart(d) {
    return {
      animation: false, color: [BLUE, "#94a3b8"],
      grid: { left: 8, right: 20, top: 30, bottom: 24, containLabel: true },
      legend: { top: 0, right: 0, textStyle: { color: MUTED } },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
      xAxis: axis({ type: "value", min: 0, max: 100, interval: 10, name: d.x_name, nameLocation: "middle",
                    nameGap: 26, axisLabel: { color: MUTED, formatter: pct } }),
      yAxis: axis({ type: "value", min: 0, max: 100, interval: 20, axisLabel: { color: MUTED, formatter: pct } }),
      series: [
        { name: d.name, type: "line", data: d.points, showSymbol: false, smooth: false,
          areaStyle: { opacity: 0.08 }, lineStyle: { width: 2 },
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#f59e0b", type: "dashed" },
                      label: { formatter: "80%", color: "#b45309" }, data: [{ xAxis: 80 }] } },
        { name: d.equality, type: "line", data: [[0, 0], [100, 100]], showSymbol: false,
          lineStyle: { type: "dashed", width: 1 }, tooltip: { show: false } }
      ]
    };
  }

  function rfmChart(d) {
    return {
      animation: false,
      grid: { left: 36, right: 12, top: 10, bottom: 84, containLabel: true },
      tooltip: {
        formatter: function (p) {
          var v = p.data;
          return "R" + (v[1] + 1) + " · F" + (v[0] + 1) + "<br>" + d.customers + ": <b>" + v[2].toLocaleString() +
            "</b><br>" + d.monetary + ": " + v[3] + "<br>" + d.clv + ": " + v[4];
        }
      },
      xAxis: axis({ type: "category", data: d.scores, name: d.f, nameLocation: "middle", nameGap: 26,
                    splitArea: { show: true } }),
      yAxis: axis({ type: "category", data: d.scores, name: d.r, nameLocation: "middle", nameGap: 24,
                    nameRotate: 90, splitArea: { show: true } }),
      visualMap: { dimension: 2, min: 0, max: Math.max(1, d.max), calculable: true, orient: "horizontal", left: "center",
                   bottom: 0, itemHeight: 120, textStyle: { color: MUTED },
                   inRange: { color: ["#eff6ff", "#93c5fd", "#2563eb", "#1e3a8a"] } },
      series: [{ name: d.customers, type: "heatmap", data: d.cells, encode: { x: 0, y: 1, value: 2 },
                 label: { show: true, formatter: function (p) { return p.data[2].toLocaleString(); } },
                 emphasis: { itemStyle: { borderColor: "#0f172a", borderWidth: 1 } },
                 itemStyle: { borderColor: "#fff", borderWidth: 2 } }]
    };
  }

  // Stage counts are exclusive (an at-risk customer is no longer counted as repeat), so the funnel is drawn as
  // centred bars whose width is each stage's own count, rather than as trapezoids that imply a flow.
  function funnelChart(d) {
    var max = Math.max.apply(null, d.stages.map(function (s) { return s.value; }).concat([1]));
    return {
      animation: false,
      grid: { left: 8, right: 8, top: 4, bottom: 4, containLabel: true },
      tooltip: { trigger: "item", formatter: function (p) {
        return d.stages[p.dataIndex].name + ": " + d.stages[p.dataIndex].value.toLocaleString(); } },
      xAxis: { type: "value", max: max, show: false },
      yAxis: { type: "category", inverse: true, data: d.stages.map(function (s) { return s.name; }),
               axisLine: { show: false }, axisTick: { show: false }, axisLabel: { color: "#0f172a", fontSize: 13 } },
      series: [
        { type: "bar", stack: "funnel", silent: true, tooltip: { show: false }, itemStyle: { color: "transparent" },
          data: d.stages.map(function (s) { return (max - s.value) / 2; }) },
        { name: d.customers, type: "bar", stack: "funnel", barCategoryGap: "18%",
          label: { show: true, position: "inside", color: "#0f172a", fontWeight: 600,
                   formatter: function (p) { return d.stages[p.dataIndex].value.toLocaleString(); } },
          labelLayout: { hideOverlap: false },
          data: d.stages.map(function (s) {
            return { value: s.value, itemStyle: { color: STAGE_COLORS[s.stage] || BLUE, borderRadius: 3 } };
          }) }
      ]
    };
  }

  function sankeyChart(d) {
    var labels = {};
    d.nodes.forEach(function (n) { labels[n.name] = n.label; });
    return {
      animation: false,
      tooltip: { trigger: "item", formatter: function (p) {
        if (p.dataType === "edge") {
          return labels[p.data.source] + " → " + labels[p.data.target] + ": " + p.data.value.toLocaleString();
        }
        return labels[p.name];
      } },
      series: [{ type: "sankey", left: 8, right: 140, top: 8, bottom: 24, nodeGap: 12, draggable: false,
                 emphasis: { focus: "adjacency" }, lineStyle: { color: "gradient", opacity: 0.35 },
                 label: { color: "#0f172a", formatter: function (p) { return labels[p.name]; } },
                 data: d.nodes.map(function (n) {
                   return { name: n.name, itemStyle: { color: STAGE_COLORS[n.name.slice(2)] || BLUE } };
                 }),
                 links: d.links }]
    };
  }

  function cohortChart(d) {
    // Month +0 is 100% by definition; the colour scale spans the later months so their differences show.
    var later = d.cells.filter(function (c) { return c[0] > 0; }).map(function (c) { return c[2]; });
    var top = Math.max(5, Math.ceil(Math.max.apply(null, later.concat([0])) / 5) * 5);
    return {
      animation: false,
      grid: { left: 8, right: 12, top: 10, bottom: 84, containLabel: true },
      tooltip: { formatter: function (p) {
        return d.cohort + " " + d.months[p.data[1]] + " · +" + p.data[0] + "<br>" + d.retention + ": <b>" +
          p.data[2] + "%</b>";
      } },
      xAxis: axis({ type: "category", data: d.since.map(function (k) { return "+" + k; }), name: d.since_name,
                    nameLocation: "middle", nameGap: 26, splitArea: { show: true } }),
      yAxis: axis({ type: "category", data: d.months, inverse: true, splitArea: { show: true } }),
      visualMap: { dimension: 2, min: 0, max: top, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                   itemHeight: 120, textStyle: { color: MUTED }, formatter: function (v) { return Math.round(v) + "%"; },
                   inRange: { color: ["#f8fafc", "#bfdbfe", "#3b82f6", "#1e3a8a"] } },
      series: [{ name: d.retention, type: "heatmap", data: d.cells,
                 label: { show: d.since.length <= 26, fontSize: 10,
                          formatter: function (p) { return Math.round(p.data[2]); } },
                 itemStyle: { borderColor: "#fff", borderWidth: 1 } }]
    };
  }

  function trendChart(d) {
    return {
      animation: false, color: [BLUE],
      grid: { left: 4, right: 22, top: 8, bottom: 4, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v.toFixed(1) + "%"; } },
      xAxis: axis({ type: "category", data: d.dates, boundaryGap: false,
                    axisLabel: { color: MUTED, fontSize: 10, formatter: function (v) { return v.slice(2); } } }),
      yAxis: axis({ type: "value", min: 0, max: 100, interval: 50, axisLabel: { color: MUTED, fontSize: 10, formatter: pct } }),
      series: [{ name: d.name, type: "line", data: d.p_alive, symbolSize: 5, areaStyle: { opacity: 0.1 } }]
    };
  }

  function start() {
    draw("clv-chart", clvChart);
    draw("lorenz-chart", lorenzChart);
    draw("rfm-chart", rfmChart);
    draw("funnel-chart", funnelChart);
    draw("sankey-chart", sankeyChart);
    draw("cohort-chart", cohortChart);
    draw("value-trend", trendChart);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
