// Draw every chart of the report from the spec stored next to its container. Wait for the
// embedded fonts first: vega measures label widths when it lays out the chart.
// Charts fit their container: on a narrow screen panels stack in one column, and when a chart is
// still wider than its container its plot widths shrink (labels keep their size) and it is drawn
// again; only if that is not enough does the picture scale down (CSS max-width).
var NARROW = "(max-width: 640px)";
var OPTIONS = { actions: false, renderer: "svg", logLevel: 1 /* errors only */ };

function withWidths(node, ratio) {
  if (Array.isArray(node)) return node.map(function (n) { return withWidths(n, ratio); });
  if (!node || typeof node !== "object") return node;
  var out = {};
  Object.keys(node).forEach(function (key) {
    var value = node[key];
    if (key === "data" || key === "datasets") out[key] = value;
    else if (key === "width" && typeof value === "number") out[key] = Math.max(60, Math.floor(value * ratio));
    else if (key === "width" && value && typeof value.step === "number")
      out[key] = Object.assign({}, value, { step: Math.max(10, Math.floor(value.step * ratio)) });
    else out[key] = withWidths(value, ratio);
  });
  return out;
}

function oneColumn(spec) {
  var out = Object.assign({}, spec);
  if (typeof out.columns === "number" && out.columns > 1) out.columns = 1;
  return out;
}

function drawnWidth(el) {
  var svg = el.querySelector("svg.marks");
  return svg ? parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width : 0;
}

function draw(el, spec) {
  var available = el.clientWidth;
  var base = window.matchMedia(NARROW).matches ? oneColumn(spec) : spec;
  var first;
  return vegaEmbed(el, base, OPTIONS)
    .then(function (result) {
      first = drawnWidth(el);
      if (first <= available + 1) return result;
      var ratio = available / first;
      result.finalize();
      return vegaEmbed(el, withWidths(base, ratio), OPTIONS).then(function (second) {
        var width = drawnWidth(el);
        if (width <= available + 1 || first - width < 1) return second;
        // Width = fixed (labels, legends) + plot * ratio: solve for the ratio that fits.
        var plot = (first - width) / (1 - ratio), fixed = first - plot;
        var fit = Math.max(0.15, ((available - fixed) / plot) * 0.98);
        second.finalize();
        return vegaEmbed(el, withWidths(base, fit), OPTIONS);
      });
    })
    .then(function (result) {
      // reuse.js listens: a click on a mark that carries a quote opens the source viewer.
      el.dispatchEvent(new CustomEvent("chartdrawn", { bubbles: true, detail: result.view }));
      return result;
    });
}

function drawCharts() {
  document.querySelectorAll("figure .vega-chart").forEach(function (el) {
    var spec = JSON.parse(el.nextElementSibling.textContent);
    el.innerHTML = "";  // drop the static fallback
    draw(el, spec).catch(function (err) {
      el.textContent = document.body.dataset.chartError + " " + err;  // text in the page's language
      console.error(err);
    });
  });
}

var fontLoads = ["400 11px 'Noto Sans CJK SC'", "400 11px 'DejaVu Sans'", "700 11px 'DejaVu Sans'"].map(function (f) {
  return document.fonts.load(f, "中文Aa");
});
Promise.all(fontLoads).then(drawCharts, drawCharts);
// A rotated phone or a resized window: lay the charts out again for the new width.
var lastWidth = window.innerWidth;
window.addEventListener("resize", function () {
  if (Math.abs(window.innerWidth - lastWidth) < 40) return;
  lastWidth = window.innerWidth;
  clearTimeout(window.chartRedraw);
  window.chartRedraw = setTimeout(drawCharts, 250);
});
