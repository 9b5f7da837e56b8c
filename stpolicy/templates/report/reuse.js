// Reading aids of the report: the source viewer (quotes and chart marks open their passage in the
// full source text), the table of contents (collapsed on phones, current section marked), a filter
// box over the appendix tables and the back-to-top link. Offline; everything it needs is in the page.
(function () {
  "use strict";
  var ui = JSON.parse(document.getElementById("reuse-ui").textContent);
  var narrow = window.matchMedia("(max-width: 71.99rem)");

  // --- source viewer -------------------------------------------------------------------------
  var dialog = document.getElementById("source-viewer");
  var viewerText = document.getElementById("sv-text");
  var viewerDoc = document.getElementById("sv-doc");
  var opener = null;

  // A district's text, or, when its document is word for word another's, that one (held once).
  function sourceText(source) {
    var holder = document.getElementById("source-text-" + source);
    var same = holder && holder.getAttribute("data-same-as");
    var text = same ? document.getElementById(same) : holder;
    return text ? { text: text.textContent, title: holder.getAttribute("data-title") } : null;
  }

  function openSource(source, start, end, from) {
    var held = sourceText(source);
    if (!held || !dialog) return false;
    var text = held.text;  // offsets are UTF-16 code units, computed at build time
    var mark = document.createElement("mark");
    mark.id = "sv-passage";
    mark.textContent = text.slice(start, end);
    viewerText.replaceChildren(document.createTextNode(text.slice(0, start)), mark,
      document.createTextNode(text.slice(end)));
    viewerDoc.textContent = held.title;
    opener = from || document.activeElement;
    if (!dialog.open) dialog.showModal();
    mark.scrollIntoView({ block: "center" });
    viewerText.focus({ preventScroll: true });
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.src-link");
    if (!link) return;
    var ok = openSource(link.getAttribute("data-source"), +link.getAttribute("data-start"),
      +link.getAttribute("data-end"), link);
    if (ok) event.preventDefault();
  });
  if (dialog) {
    document.getElementById("sv-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (event) {  // a click on the backdrop closes
      if (event.target === dialog) dialog.close();
    });
    dialog.addEventListener("close", function () {
      if (opener && opener.focus) opener.focus();
    });
  }

  // A chart mark opens its passage when its data carry the id of a curated row (offsets from the
  // build, ui.passages) or a verbatim quote (first occurrence in its district's text, the rule the
  // build uses for the table links).
  function districtOf(datum) {
    return datum.district_id || ui.districts[datum.district] || null;
  }
  function passageOf(datum) {
    for (var key in datum) {
      var hit = ui.passages[key] && ui.passages[key][datum[key]];
      if (hit) return hit;
    }
    if (typeof datum.quote !== "string") return null;
    var ids = districtOf(datum) ? [districtOf(datum)] : Object.values(ui.districts);
    for (var i = 0; i < ids.length; i++) {
      var held = sourceText(ids[i]);
      var at = held ? held.text.indexOf(datum.quote) : -1;
      if (at >= 0) return [ids[i], at, at + datum.quote.length];
    }
    return null;
  }
  document.addEventListener("chartdrawn", function (event) {
    var view = event.detail, el = event.target;
    view.addEventListener("click", function (_, item) {
      var hit = item && item.datum && passageOf(item.datum);
      if (hit) openSource(hit[0], hit[1], hit[2], el);
    });
    view.addEventListener("mousemove", function (_, item) {
      el.style.cursor = item && item.datum && passageOf(item.datum) ? "pointer" : "";
    });
  });

  // --- table of contents ---------------------------------------------------------------------
  var toc = document.querySelector("nav.toc details");
  if (toc && narrow.matches) toc.open = false;
  if (toc) {
    toc.addEventListener("click", function (event) {
      if (event.target.closest("a") && narrow.matches) toc.open = false;
    });
  }
  var links = {};
  document.querySelectorAll("nav.toc a[href^='#']").forEach(function (a) {
    links[a.getAttribute("href").slice(1)] = a;
  });
  // The current section is the last heading above the upper third of the window, however the reader
  // got there (scrolling, a link, a search): an observer of headings crossing a line misses jumps.
  var headings = Object.keys(links).map(function (id) { return document.getElementById(id); }).filter(Boolean);
  var current = null, queued = false;
  function markCurrent() {
    queued = false;
    var line = window.innerHeight / 3, found = null;
    headings.forEach(function (h) { if (h.getBoundingClientRect().top <= line) found = h; });
    var link = found ? links[found.id] : null;
    if (link === current) return;
    if (current) current.removeAttribute("aria-current");
    current = link;
    if (current) current.setAttribute("aria-current", "true");
  }
  window.addEventListener("scroll", function () {
    if (!queued) { queued = true; window.requestAnimationFrame(markCurrent); }
  }, { passive: true });
  markCurrent();

  // --- filter over the appendix tables ---------------------------------------------------------
  var appendix = document.getElementById("sec-appendix");
  var tables = appendix ? Array.from(document.querySelectorAll("table.report-table")).filter(function (t) {
    return appendix.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING &&
      !t.closest(".reuse");
  }) : [];
  tables.forEach(function (table, n) {
    var rows = Array.from(table.tBodies[0] ? table.tBodies[0].rows : []);
    var box = document.createElement("div");
    box.className = "table-filter";
    var id = "table-filter-" + (n + 1);
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = ui.strings.filter_label;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.placeholder = ui.strings.filter_placeholder;
    input.autocomplete = "off";
    var count = document.createElement("span");
    count.className = "filter-count";
    count.setAttribute("role", "status");
    input.setAttribute("aria-describedby", id + "-count");
    count.id = id + "-count";
    box.append(label, input, count);
    var figure = table.closest("figure") || table;
    figure.parentNode.insertBefore(box, figure);
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !hit;
        if (hit) shown++;
      });
      count.textContent = words.length ? ui.strings.filter_count.replace("{shown}", shown)
        .replace("{total}", rows.length) : "";
    }
    input.addEventListener("input", apply);
  });

  // --- back to top: shown once the reader has scrolled a screen down -----------------------------
  var top = document.querySelector(".back-to-top");
  if (top) {
    var onScroll = function () { top.classList.toggle("at-top", window.scrollY < window.innerHeight); };
    window.addEventListener("scroll", onScroll, { passive: true });
    onScroll();
  }
})();
