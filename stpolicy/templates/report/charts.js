// Draw every chart of the report from the spec stored next to its container. Wait for the
// embedded CJK font first: vega measures label widths when it lays out the chart.
function drawCharts() {
  document.querySelectorAll("figure .vega-chart").forEach(function (el) {
    var spec = JSON.parse(el.nextElementSibling.textContent);
    el.innerHTML = "";  // drop the static fallback
    vegaEmbed(el, spec, { actions: false, renderer: "svg", logLevel: 1 /* errors only */ }).then(function (result) {
      // reuse.js listens: a click on a mark that carries a quote opens the source viewer.
      el.dispatchEvent(new CustomEvent("chartdrawn", { bubbles: true, detail: result.view }));
    }).catch(function (err) {
      el.textContent = document.body.dataset.chartError + " " + err;  // text in the page's language
      console.error(err);
    });
  });
}
var fontLoads = ["400 11px 'Noto Sans CJK SC'", "700 11px 'Noto Sans CJK SC'", "400 11px 'DejaVu Sans'", "700 11px 'DejaVu Sans'"].map(function (f) {
  return document.fonts.load(f, "中文Aa");
});
Promise.all(fontLoads).then(drawCharts, drawCharts);
