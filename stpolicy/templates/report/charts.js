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

function forNarrowScreen(spec) {
  // Panels in one column; legend entries one under another (a row of them sets a minimum width).
  var out = Object.assign({}, spec);
  if (typeof out.columns === "number" && out.columns > 1) out.columns = 1;
  var config = Object.assign({}, out.config);
  config.legend = Object.assign({}, config.legend, { direction: "vertical", orient: "bottom" });
  out.config = config;
  return out;
}

function drawnWidth(el) {
  var svg = el.querySelector("svg.marks");
  return svg ? parseFloat(svg.getAttribute("width")) || svg.getBoundingClientRect().width : 0;
}

function availableWidth(el) {
  // The width the chart may take: its parent's content box less the container's own padding, border
  // and margin. Not el.clientWidth: a container sized to its content (the dark theme's white card,
  // width: fit-content) is empty before the first drawing and would shrink every chart to nothing.
  var parent = getComputedStyle(el.parentElement), own = getComputedStyle(el);
  var px = function (style, names) {
    return names.reduce(function (sum, name) { return sum + (parseFloat(style[name]) || 0); }, 0);
  };
  return el.parentElement.clientWidth - px(parent, ["paddingLeft", "paddingRight"]) -
    px(own, ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth", "marginLeft", "marginRight"]);
}

function draw(el, spec) {
  var available = availableWidth(el);
  var base = window.matchMedia(NARROW).matches ? forNarrowScreen(spec) : spec;
  var tried = [];  // [ratio, drawn width] pairs
  function attempt(ratio) {
    return vegaEmbed(el, ratio === 1 ? base : withWidths(base, ratio), OPTIONS).then(function (result) {
      var width = drawnWidth(el);
      tried.push([ratio, width]);
      el.setAttribute("data-fit", JSON.stringify(tried));  // how the chart was fitted (for tests)
      if (width <= available + 1 || tried.length >= 5) return result;
      var next;
      if (tried.length === 1) next = available / width;
      else {
        // Width = fixed (labels, legends) + plot × ratio: solve with the last two drawings.
        var a = tried[tried.length - 2], b = tried[tried.length - 1];
        var slope = (a[1] - b[1]) / (a[0] - b[0]);
        if (!(slope > 0)) return result;
        next = ((available - (b[1] - slope * b[0])) / slope) * 0.97;
      }
      next = Math.min(ratio * 0.95, Math.max(0.1, next));
      if (ratio <= 0.1) return result;
      result.finalize();
      return attempt(next);
    });
  }
  return attempt(1).then(function (result) {
    el.setAttribute("data-drawn", "");  // drawn at its final width (what tests and screenshots wait for)
    // reuse.js listens: a click on a mark that carries a quote opens the source viewer.
    el.dispatchEvent(new CustomEvent("chartdrawn", { bubbles: true, detail: result.view }));
    return result;
  });
}

function drawCharts() {
  document.querySelectorAll("figure .vega-chart").forEach(function (el) {
    var spec = JSON.parse(el.nextElementSibling.textContent);
    el.innerHTML = "";  // drop the note for readers without JavaScript
    el.removeAttribute("data-drawn");
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
