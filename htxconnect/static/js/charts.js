// Charts of the dashboard and of the portal's statistics (Apache ECharts, served by the project).
// Each chart's data comes from the page's JSON (json_script id "dashboard-data"); the toolbox saves
// it as PNG. The same numbers are in the table beside it, so the chart is never the only copy.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var options = JSON.parse(source.textContent);
    var english = document.documentElement.lang === "en";
    var byKey = {};
    options.forEach(function (o) { byKey[o.key] = o; });
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var o = byKey[el.getAttribute("data-chart")];
      if (!o) { return; }
      el.classList.add("dashboard-chart-ready");
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      var narrow = el.clientWidth < 480;
      chart.setOption({
        aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 48, right: 16, top: 40, bottom: 80 },
        toolbox: { right: 0, top: 20, feature: { saveAsImage: { title: english ? "Save as PNG" : "Tải ảnh PNG", name: o.key, pixelRatio: 2 } } },
        xAxis: { type: "category", data: o.categories, axisLabel: { rotate: (narrow || o.categories.length > 6) ? 30 : 0, width: narrow ? 90 : 160, overflow: "truncate" } },
        yAxis: { type: "value", minInterval: 1 },
        series: o.series.map(function (s) { return { name: s.name, type: o.kind, data: s.data, stack: o.stack ? "total" : undefined }; })
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.htxCharts = charts;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
