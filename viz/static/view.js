/* The behaviour every view shares: draw the network, show a card on click, find a node, draw the legend.
   Data comes from the page (KG_NODES, KG_EDGES, KG_OPTIONS, KG); nothing is fetched. */
(function () {
  "use strict";
  var container = document.getElementById("network");
  var nodes = new vis.DataSet(KG_NODES);
  var edges = new vis.DataSet(KG_EDGES);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, KG_OPTIONS);
  var info = document.getElementById("info");

  function fold(text) {
    return String(text).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[\u2018\u2019]/g, "'").replace(/[\u2013\u2014]/g, "-").replace(/\s+/g, " ").trim();
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function showCard(id, kind) {
    var card = KG.cards[id];
    info.textContent = "";
    if (!card) { info.appendChild(el("p", "No details for this item.", "hint")); return; }
    info.appendChild(el("h2", card.label));
    info.appendChild(el("p", card.type, "type"));
    if (card.alt && card.alt.length) info.appendChild(el("p", "also written: " + card.alt.join(", "), "alt"));
    if (card.facts && card.facts.length) {
      var table = el("table", null, "facts");
      card.facts.forEach(function (f) {
        var tr = el("tr");
        tr.appendChild(el("th", f[0]));
        tr.appendChild(el("td", f[1]));
        var origin = el("td", f[2], "origin origin-" + String(f[2]).split("/")[0]);
        origin.title = f[2] === "source" ? "stated in a source" : f[2] === "reference" ?
          "well-known reference data, not from the sources" : f[2] === "derived" ? "computed by the analysis" : "";
        tr.appendChild(origin);
        table.appendChild(tr);
      });
      info.appendChild(table);
    }
    var sources = el("section", null, "sources");
    sources.appendChild(el("h3", card.sources.length ? "Sources and quotes" : "No source states this: reference or derived data only"));
    card.sources.forEach(function (s) {
      var item = el("figure", null, "source");
      item.appendChild(el("blockquote", "\u201c" + s.quote + "\u201d"));
      item.appendChild(el("figcaption", s.doc + (s.title ? " \u2014 " + s.title : "")));
      sources.appendChild(item);
    });
    if (card.more_sources) sources.appendChild(el("p", "\u2026 and " + card.more_sources + " more passages", "hint"));
    info.appendChild(sources);
    info.dataset.shown = id;
    info.dataset.kind = kind;
  }

  function select(id) {
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 300 } });
    showCard(id, "node");
  }

  network.on("click", function (params) {
    if (params.nodes.length) { showCard(params.nodes[0], "node"); }
    else if (params.edges.length) { showCard(params.edges[0], "edge"); }
  });

  // search: labels and every alternative spelling, case and accents ignored
  var names = [];
  KG_NODES.forEach(function (n) {
    var card = KG.cards[n.id] || {};
    [n.label].concat(card.alt || []).forEach(function (name) { if (name) names.push([fold(name), n.id, name]); });
  });
  var list = document.getElementById("node-names");
  var seen = {};
  names.forEach(function (entry) {
    if (seen[entry[2]]) return;
    seen[entry[2]] = true;
    var option = document.createElement("option");
    option.value = entry[2];
    list.appendChild(option);
  });
  function find(text) {
    var wanted = fold(text);
    if (!wanted) return null;
    var exact = names.filter(function (e) { return e[0] === wanted; });
    if (exact.length) return exact[0][1];
    var starts = names.filter(function (e) { return e[0].indexOf(wanted) === 0; });
    if (starts.length) return starts[0][1];
    var inside = names.filter(function (e) { return e[0].indexOf(wanted) >= 0; });
    return inside.length ? inside[0][1] : null;
  }
  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = document.getElementById("search-input").value;
    var status = document.getElementById("search-status");
    var id = find(text);
    if (id === null) { status.textContent = "no node named \u201c" + text + "\u201d"; return; }
    status.textContent = "";
    select(id);
  });

  // legend: the classes and line styles this view uses, drawn as the network draws them
  var SHAPES = {
    dot: '<circle cx="9" cy="9" r="6"/>', square: '<rect x="3" y="3" width="12" height="12"/>',
    diamond: '<polygon points="9,1 17,9 9,17 1,9"/>', triangle: '<polygon points="9,2 16,15 2,15"/>',
    triangleDown: '<polygon points="2,3 16,3 9,16"/>', hexagon: '<polygon points="5,2 13,2 17,9 13,16 5,16 1,9"/>',
    star: '<polygon points="9,1 11,7 17,7 12,11 14,17 9,13 4,17 6,11 1,7 7,7"/>'
  };
  var legend = document.getElementById("legend-items");
  KG.legend.forEach(function (item) {
    var li = el("li", null, "legend-" + item.kind);
    var svg;
    if (item.kind === "node") {
      svg = '<svg width="18" height="18" aria-hidden="true"><g fill="' + item.color + '" stroke="' +
        (item.border || "#333") + '" stroke-width="' + (item.border ? 3 : 1) + '">' + (SHAPES[item.shape] || SHAPES.dot) + "</g></svg>";
    } else {
      var dash = item.dashes && item.dashes.length ? ' stroke-dasharray="' + item.dashes.join(",") + '"' : "";
      svg = '<svg width="30" height="18" aria-hidden="true"><line x1="1" y1="9" x2="29" y2="9" stroke="' + item.color +
        '" stroke-width="' + Math.min(item.width, 4) + '"' + dash + "/></svg>";
    }
    li.innerHTML = svg;  // fixed markup built above from the legend's colours; the name goes in as text
    li.appendChild(el("span", item.name));
    legend.appendChild(li);
  });

  function ready() {
    window.kgReadyAt = performance.now();
    document.body.dataset.ready = "1";
    window.kgReady = true;
  }
  if (KG.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.fit();
      network.once("afterDrawing", ready);
      network.redraw();
    });
  } else {
    network.once("afterDrawing", ready);
  }
  window.kgView = { network: network, nodes: nodes, edges: edges, find: find, select: select, show: showCard };
})();
