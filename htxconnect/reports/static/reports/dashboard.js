// Dashboard charts (Apache ECharts, served by the project). Each chart's data comes from the page's
// JSON (json_script); the toolbox saves it as PNG. The same numbers are in the table under it.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-data");
    if (!source || !window.echarts) { return; }
    var options = JSON.parse(source.textContent);
    var byKey = {};
    options.forEach(function (o) { byKey[o.key] = o; });
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var o = byKey[el.getAttribute("data-chart")];
      if (!o) { return; }
      el.classList.add("dashboard-chart-ready");
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption({
        aria: { enabled: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 40, bottom: 80 },
        toolbox: { right: 0, top: 20, feature: { saveAsImage: { title: "Tải ảnh PNG", name: o.key, pixelRatio: 2 } } },
        xAxis: { type: "category", data: o.categories, axisLabel: { rotate: o.categories.length > 6 ? 30 : 0, width: 160, overflow: "truncate" } },
        yAxis: { type: "value" },
        series: o.series.map(function (s) { return { name: s.name, type: o.kind, data: s.data }; })
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.htxCharts = charts;
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
