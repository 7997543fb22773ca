/* KPI charts: every element with data-chart="<id of a json_script>" is drawn with Apache ECharts
   (served by Kefu from the npm package; see package.json). The data's "kind" is line, bar, heatmap
   or scatter (points [x, y, unit, period] with a fitted line from two [x, y] ends); the server shapes
   the data (kefu.reports.dashboard.chart / heat_map, kefu.reports.views_drivers), this file only draws.
   Tooltips render on the canvas (renderMode "richText"): the Content-Security-Policy refuses the
   inline styles of HTML tooltips. */
(function () {
  "use strict";

  // Category labels: every label when the data says so (x_interval 0: the RFM segments), rotated by x_rotate.
  function labels(data, interval) {
    var every = data.x_interval === 0;
    var label = { hideOverlap: !every, interval: data.x_interval === undefined ? interval : data.x_interval };
    if (data.x_rotate) label.rotate = data.x_rotate;
    return label;
  }

  function option(data) {
    var unit = data.unit || "";
    var tooltip = { trigger: data.kind === "heatmap" ? "item" : "axis", renderMode: "richText", confine: true };
    if (data.kind === "heatmap") {
      return {
        tooltip: tooltip,
        grid: { left: 48, right: 16, top: 10, bottom: data.contain_labels ? 90 : 70, containLabel: !!data.contain_labels },
        xAxis: { type: "category", data: data.x, splitArea: { show: true }, axisLabel: labels(data, 3) },
        yAxis: { type: "category", data: data.y, splitArea: { show: true }, axisLabel: { interval: data.y_interval === undefined ? "auto" : data.y_interval } },
        visualMap: { min: 0, max: data.max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 160 },
        series: [{ type: "heatmap", name: data.title, data: data.data, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }]
      };
    }
    if (data.kind === "scatter") {
      var scatter = [{
        type: "scatter", name: data.y_label, data: data.points, symbolSize: 7,
        encode: { x: 0, y: 1, tooltip: [2, 3, 0, 1] }
      }];
      if (data.line) {
        scatter.push({ type: "line", name: data.line_name, data: data.line, showSymbol: false, silent: true, lineStyle: { width: 2 } });
      }
      return {
        tooltip: { trigger: "item", renderMode: "richText", confine: true },
        grid: { left: 56, right: 24, top: 24, bottom: 40, containLabel: true },
        xAxis: { type: "value", name: data.x_label, nameLocation: "middle", nameGap: 28, scale: true },
        yAxis: { type: "value", name: data.y_label, scale: true },
        series: scatter
      };
    }
    var series = data.series.map(function (s) {
      return { type: data.kind, name: s.name, data: s.data, connectNulls: false, showSymbol: s.data.length < 60, barMaxWidth: 36 };
    });
    return {
      tooltip: tooltip,
      legend: series.length > 1 ? { type: "scroll", bottom: 0 } : undefined,
      grid: { left: 56, right: 16, top: 16, bottom: series.length > 1 ? 56 : 40, containLabel: true },
      xAxis: { type: "category", data: data.x, axisLabel: labels(data, "auto") },
      yAxis: { type: "value", axisLabel: { formatter: "{value}" + unit } },
      series: series
    };
  }

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source) return;
    if (typeof window.echarts === "undefined") {
      el.classList.add("kpi-chart-missing");
      el.textContent = el.getAttribute("data-missing") || "ECharts is not installed (scripts/install runs npm ci).";
      return;
    }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(JSON.parse(source.textContent)));
    el.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), draw);
    // The service reports' "Print" button (no inline script under the Content-Security-Policy).
    Array.prototype.forEach.call(document.querySelectorAll(".js-print"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // A panel loaded later (the dashboard's heat map comes by htmx once the page is shown).
  document.addEventListener("htmx:afterSwap", function (event) {
    Array.prototype.forEach.call(event.detail.target.querySelectorAll("[data-chart]"), draw);
  });
})();
