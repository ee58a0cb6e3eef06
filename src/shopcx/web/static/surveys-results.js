/* Survey results dashboard (ECharts): each chart reads the JSON the page put next to it, built by the same
   service call as the numbers beside it. No inline scripts (the CSP forbids them). */
(function () {
  "use strict";

  var MUTED = "#64748b", GRID = "#e2e8f0", BLUE = "#2563eb", GREEN = "#16a34a", RED = "#dc2626", AMBER = "#f59e0b";
  var labelsEl = document.getElementById("survey-labels");
  var L = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  var QUADRANT_COLORS = { concentrate_here: RED, keep_up_the_good_work: GREEN, low_priority: MUTED,
                          possible_overkill: AMBER };

  var BUILDERS = {};  // chart kind (the element's data-kind) → options from its figures

  // a measure's value as shown: CSAT a share in %, NPS points, CES a mean
  function shown(key, v) {
    if (v == null) { return "—"; }
    if (key === "csat") { return (v * 100).toFixed(1) + "%"; }
    if (key === "nps" || key === "enps") { return (v >= 0 ? "+" : "") + v.toFixed(1); }
    return v.toFixed(2);
  }

  function scaled(key, v) { return v == null ? null : key === "csat" ? v * 100 : v; }

  function range(key) {
    if (key === "nps" || key === "enps") { return [-100, 100]; }
    if (key === "csat") { return [0, 100]; }
    return [1, 7];
  }

  function axis(extra) {
    var base = { axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: GRID } } };
    Object.keys(extra).forEach(function (k) { base[k] = extra[k]; });
    return base;
  }

  BUILDERS.gauge = function (d) {
    var r = range(d.key);
    return { animation: false, series: [{ type: "gauge", min: r[0], max: r[1], radius: "95%",
      axisLine: { lineStyle: { width: 14, color: [[0.5, RED], [0.75, AMBER], [1, GREEN]] } },
      pointer: { width: 4 }, axisLabel: { color: MUTED, distance: 18, fontSize: 10 }, splitLine: { length: 8 },
      detail: { formatter: function () { return shown(d.key, d.value); }, fontSize: 20, offsetCenter: [0, "70%"] },
      data: [{ value: scaled(d.key, d.value), name: "n=" + d.n }], title: { color: MUTED, offsetCenter: [0, "95%"] } }] };
  };

  BUILDERS.trend = function (d) {
    var r = range(d.key);
    return { animation: false, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : Number(v).toFixed(1); } },
      xAxis: axis({ type: "category", data: d.points.map(function (p) { return p.wave; }) }),
      yAxis: axis({ type: "value", min: r[0], max: r[1] }),
      series: [{ type: "line", name: L["chart.nps"], data: d.points.map(function (p) { return scaled(d.key, p.value); }),
                 itemStyle: { color: BLUE }, symbolSize: 7 }] };
  };

  BUILDERS.segment = function (d) {
    var r = range(d.key);
    var names = d.rows.map(function (row) { return d.names[row.segment] || row.segment; });
    return { animation: false, grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
                 formatter: function (p) { var row = d.rows[p[0].dataIndex];
                   return names[p[0].dataIndex] + ": " + shown(d.key, row.value) + " (n=" + row.n + ")"; } },
      xAxis: axis({ type: "value", min: r[0], max: r[1] }),
      yAxis: axis({ type: "category", data: names, inverse: true, axisLabel: { color: MUTED, width: 90, overflow: "truncate" } }),
      series: [{ type: "bar", barMaxWidth: 18, data: d.rows.map(function (row) {
        return { value: scaled(d.key, row.value), itemStyle: { color: (row.value < 0 || (d.key === "csat" && row.value < 0.6)) ? RED : BLUE } };
      }), label: { show: true, position: "right", color: MUTED, fontSize: 10,
                   formatter: function (p) { return "n=" + d.rows[p.dataIndex].n; } } }] };
  };

  BUILDERS.servqual = function (d) {
    var dims = Object.keys(d.dimensions);
    return { animation: false, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return Number(v).toFixed(2); } },
      xAxis: axis({ type: "category", data: dims.map(function (k) { return L["dim." + k] || k; }),
                    axisLabel: { color: MUTED, interval: 0, rotate: 20 } }),
      yAxis: axis({ type: "value" }),
      series: [{ type: "bar", name: L["chart.gap"], barMaxWidth: 36, data: dims.map(function (k) {
        var v = d.dimensions[k]; return { value: v, itemStyle: { color: v < 0 ? RED : GREEN } }; }) }] };
  };

  BUILDERS.radar = function (d) {
    return { animation: false, legend: { bottom: 0, textStyle: { color: MUTED } }, tooltip: {},
      radar: { radius: "62%", indicator: d.dimensions.map(function (k) { return { name: L["dim." + k] || k, min: 1, max: 7 }; }),
               axisName: { color: MUTED } },
      series: [{ type: "radar", data: [
        { name: L["chart.expectation"], value: d.expectation, itemStyle: { color: MUTED }, lineStyle: { type: "dashed" } },
        { name: L["chart.perception"], value: d.perception, itemStyle: { color: BLUE }, areaStyle: { opacity: 0.15 } }] }] };
  };

  BUILDERS.ipa = function (d) {
    var dim = function (name) { return L["dim." + name] || name; };
    return { animation: false, grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
      tooltip: { formatter: function (p) { var it = d.items[p.dataIndex];
        return dim(it.name) + "<br>" + L["chart.importance"] + ": " + it.importance.toFixed(3) + "<br>" +
          L["chart.performance"] + ": " + it.performance.toFixed(1) + "<br>" + (L["quadrant." + it.quadrant] || it.quadrant); } },
      xAxis: axis({ type: "value", name: L["chart.performance"], nameLocation: "middle", nameGap: 24, scale: true }),
      yAxis: axis({ type: "value", name: L["chart.importance"], scale: true }),
      series: [{ type: "scatter", symbolSize: 14,
        data: d.items.map(function (it) { return { value: [it.performance, it.importance], name: it.name,
          itemStyle: { color: QUADRANT_COLORS[it.quadrant] || BLUE } }; }),
        label: { show: true, position: "top", color: MUTED, fontSize: 10, formatter: function (p) { return dim(p.name); } },
        markLine: { silent: true, symbol: "none", lineStyle: { color: MUTED, type: "dashed" },
                    data: [{ xAxis: d.performance_cut }, { yAxis: d.importance_cut }] } }] };
  };

  BUILDERS.model = function (d) {
    var place = { IMAG: [0, 1], EXPE: [1, 0], QUAL: [2, 0], VAL: [2, 2], SAT: [3, 1], COMP: [4, 0], LOY: [5, 1] };
    return { animation: false, tooltip: {},
      series: [{ type: "graph", layout: "none", roam: false, symbolSize: 54, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 9,
        label: { show: true, formatter: function (p) { var n = d.nodes[p.dataIndex];
          return n.name + (n.r2 != null && n.r2 > 0 ? "\nR² " + n.r2.toFixed(2) : ""); }, fontSize: 10 },
        data: d.nodes.map(function (n, i) { var at = place[n.name] || [i, 3];
          return { name: n.name, x: at[0] * 100, y: at[1] * 80, itemStyle: { color: n.name === "SAT" ? BLUE : "#93c5fd" } }; }),
        links: d.edges.map(function (e) { return { source: e.from, target: e.to,
          label: { show: true, formatter: e.coefficient.toFixed(2), fontSize: 10, color: "#0f172a" },
          lineStyle: { width: 1 + Math.abs(e.coefficient) * 4, color: e.coefficient < 0 ? RED : MUTED, curveness: 0.08 } }; }) }] };
  };

  // the satisfaction index of the latest wave on 0–100 (ACSI reports its index on this scale)
  BUILDERS.indexgauge = function (d) {
    return { animation: false, series: [{ type: "gauge", min: 0, max: 100, radius: "95%",
      axisLine: { lineStyle: { width: 14, color: [[0.6, RED], [0.75, AMBER], [1, GREEN]] } },
      pointer: { width: 4 }, axisLabel: { color: MUTED, distance: 18, fontSize: 10 }, splitLine: { length: 8 },
      detail: { formatter: function (v) { return v.toFixed(1); }, fontSize: 20, offsetCenter: [0, "70%"] },
      data: [{ value: d.value, name: d.caption }], title: { color: MUTED, fontSize: 11, offsetCenter: [0, "95%"] } }] };
  };

  BUILDERS.index = function (d) {
    return { animation: false, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: function (v) { return Number(v).toFixed(1); } },
      xAxis: axis({ type: "category", data: d.waves.map(function (w) { return w.wave; }) }),
      yAxis: axis({ type: "value", min: 0, max: 100 }),
      series: [{ type: "line", name: L["chart.index"], data: d.waves.map(function (w) { return w.index; }),
                 itemStyle: { color: BLUE }, areaStyle: { opacity: 0.08 }, symbolSize: 7 }] };
  };

  document.querySelectorAll(".sv-chart[data-kind]").forEach(function (el) {
    var build = BUILDERS[el.getAttribute("data-kind")];
    var source = document.getElementById(el.id + "-data");
    if (!build || !source || typeof echarts === "undefined") { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(JSON.parse(source.textContent)));
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
