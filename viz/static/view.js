/* The behaviour every view shares: draw the network over its background (a map, a time axis), place the
   labels so that none overlaps another, show a card on click, find a node, draw the legend, and the
   view's own controls (expand, filters, the corridor panel, the cut). Data comes from the page
   (KG_NODES, KG_EDGES, KG_OPTIONS, KG); nothing is fetched. */
(function () {
  "use strict";
  var container = document.getElementById("network");
  var nodes = new vis.DataSet(KG_NODES);
  var edges = new vis.DataSet(KG_EDGES);
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, KG_OPTIONS);
  var info = document.getElementById("info");
  var LABEL_PX = 13, MINOR_PX = 12, LABEL_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

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

  // ---- background: a map (land over sea) or a time axis, in the network's own coordinates -------------
  network.on("beforeDrawing", function (ctx) {
    var bg = KG.background;
    if (!bg) return;
    var s = network.getScale();
    if (bg.kind === "map") {
      ctx.fillStyle = bg.sea;
      ctx.fillRect(-1e6, -1e6, 2e6, 2e6);
      ctx.fillStyle = bg.land;
      ctx.strokeStyle = bg.border;
      ctx.lineWidth = 0.8 / s;
      bg.countries.forEach(function (c) {
        ctx.beginPath();
        c.rings.forEach(function (r) {
          ctx.moveTo(r[0], r[1]);
          for (var i = 2; i < r.length; i += 2) ctx.lineTo(r[i], r[i + 1]);
          ctx.closePath();
        });
        ctx.fill("evenodd");
        ctx.stroke();
      });
    } else if (bg.kind === "axis") {
      ctx.strokeStyle = "#9e9e9e";
      ctx.lineWidth = 1 / s;
      ctx.beginPath();
      ctx.moveTo(bg.x0, bg.y);
      ctx.lineTo(bg.x1, bg.y);
      bg.ticks.forEach(function (t) { ctx.moveTo(t.x, bg.y - 8 / s); ctx.lineTo(t.x, bg.y + 8 / s); });
      ctx.stroke();
      if (bg.undated !== null && bg.undated !== undefined) {
        ctx.setLineDash([6 / s, 6 / s]);
        ctx.beginPath();
        ctx.moveTo(bg.undated, bg.top);
        ctx.lineTo(bg.undated, bg.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
  });

  // ---- labels: drawn by us at a fixed screen size, most important first, none over another ------------
  var widths = {};
  var placed = [];
  function textWidth(ctx, text, px) {
    var key = px + "|" + text;
    if (!(key in widths)) { ctx.font = px + "px " + LABEL_FONT; widths[key] = ctx.measureText(text).width; }
    return widths[key];
  }
  function short(text) { return text.length > 30 ? text.slice(0, 28).replace(/\s+\S*$/, "") + "\u2026" : text; }
  function overlaps(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }

  // nodes by importance, computed once: each redraw walks them in this order
  var byRank = KG_NODES.slice().sort(function (a, b) {
    return (b.rank || 0) - (a.rank || 0) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  }).map(function (n) { return n.id; });
  var MAX_TRIES = 1000;  // on a huge graph, only the most important nodes on screen compete for a label

  // where a label may go around its node: right, left, below, above, then the four corners
  function spotsFor(c, w, h) {
    var gap = c.r + 3, d = gap * 0.7;
    var right = [gap, -h / 2], left = [-gap - w, -h / 2];
    var sides = c.side < 0 ? [left, right] : [right, left];
    return sides.concat([[-w / 2, gap], [-w / 2, -gap - h], [d, d], [-d - w, d], [d, -d - h], [-d - w, -d - h]]);
  }
  // does the segment p-q cross the box? (edges are obstacles a label should avoid, its own node's first)
  function crosses(box, p, q) {
    var x0 = box.x, y0 = box.y, x1 = box.x + box.w, y1 = box.y + box.h, t0 = 0, t1 = 1, dx = q.x - p.x, dy = q.y - p.y;
    var checks = [[-dx, p.x - x0], [dx, x1 - p.x], [-dy, p.y - y0], [dy, y1 - p.y]];
    for (var i = 0; i < 4; i++) {  // Liang-Barsky clipping: the segment's part inside the box
      var a = checks[i][0], b = checks[i][1];
      if (a === 0) { if (b < 0) return false; continue; }
      var t = b / a;
      if (a < 0) { if (t > t1) return false; if (t > t0) t0 = t; } else { if (t < t0) return false; if (t < t1) t1 = t; }
    }
    return t0 < t1;
  }
  // above this many (edge, label) pairs to check, a label avoids only its own node's edges (a big graph)
  var EDGE_OBSTACLES = 100000;
  // a label away from the side its layout kept for it: worse than crossing a few edges, better than its own
  var OFF_SIDE = 8;

  function layoutLabels(ctx) {
    var width = container.clientWidth, height = container.clientHeight, scale = network.getScale();
    var grid = {}, cell = 64, out = [];
    function add(box) {
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          var k = gx + "," + gy;
          (grid[k] = grid[k] || []).push(box);
        }
      }
    }
    function blocked(box, self) {
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          var list = grid[gx + "," + gy];
          if (!list) continue;
          for (var i = 0; i < list.length; i++) if (!list[i].dead && list[i].node !== self && overlaps(box, list[i])) return true;
        }
      }
      return false;
    }
    function inside(box) { return box.x >= 2 && box.y >= 2 && box.x + box.w <= width - 2 && box.y + box.h <= height - 2; }
    // the time axis's own words come first: "undated" over its column, years under their ticks
    var bg = KG.background;
    if (bg && bg.kind === "axis") {
      var marks = bg.ticks.map(function (t) { return { x: t.x, y: bg.y, text: t.label }; });
      if (bg.undated !== null && bg.undated !== undefined) marks.unshift({ x: bg.undated, y: bg.y, text: bg.undatedLabel });
      marks.forEach(function (m) {
        var p = network.canvasToDOM({ x: m.x, y: m.y });
        var box = { x: p.x + 4, y: p.y + 6, w: textWidth(ctx, m.text, LABEL_PX) + 4, h: LABEL_PX + 4,
                    id: "axis:" + m.text, text: m.text, px: LABEL_PX, axis: true };
        if (inside(box) && !blocked(box, null)) { add(box); out.push(box); }
      });
    }
    // the nodes on screen, most important first; each node's disc is an obstacle for the others' labels
    var candidates = [], at = {};
    for (var i = 0; i < byRank.length && candidates.length < MAX_TRIES; i++) {
      var node = network.body.nodes[byRank[i]];
      if (!node || node.options.hidden) continue;
      var p = network.canvasToDOM({ x: node.x, y: node.y });
      if (p.x < -20 || p.y < -20 || p.x > width + 20 || p.y > height + 20) continue;
      at[byRank[i]] = p;
      var r = Math.max(3, node.options.size * scale);
      candidates.push({ id: byRank[i], p: p, r: r, rank: node.options.rank || 0, text: node.options.label || "",
                        side: node.options.side || 0, water: !!node.options.water });
      add({ x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r, node: byRank[i] });
    }
    // the visible edges of the nodes on screen as screen segments, and each node's own ones
    var segments = [], own = {};
    edges.forEach(function (e) {
      if (e.hidden || !(e.from in at || e.to in at)) return;
      var a = network.body.nodes[e.from], b = network.body.nodes[e.to];
      if (!a || !b || a.options.hidden || b.options.hidden) return;
      var pa = at[e.from] || network.canvasToDOM({ x: a.x, y: a.y }), pb = at[e.to] || network.canvasToDOM({ x: b.x, y: b.y });
      var seg = [pa, pb, e.from, e.to];
      segments.push(seg);
      (own[e.from] = own[e.from] || []).push(seg);
      (own[e.to] = own[e.to] || []).push(seg);
    });
    var allEdges = segments.length * candidates.length <= EDGE_OBSTACLES;
    function cost(box, id) {  // a label on its own node's edge reads as the edge's label: worst; others less so
      var n = 0, mine = own[id] || [];
      for (var k = 0; k < mine.length; k++) if (crosses(box, mine[k][0], mine[k][1])) n += 10;
      if (allEdges) for (var j = 0; j < segments.length; j++) {
        var s = segments[j];
        if (s[2] !== id && s[3] !== id && crosses(box, s[0], s[1])) n += 1;
      }
      return n;
    }
    function boxes(c) {  // a candidate's label boxes, one per spot
      var px = c.rank >= 1 ? LABEL_PX : MINOR_PX, text = short(c.text), w = textWidth(ctx, text, px) + 4, h = px + 4;
      return spotsFor(c, w, h).map(function (s) {
        return { x: c.p.x + s[0], y: c.p.y + s[1], w: w, h: h, id: c.id, text: text, px: px, water: c.water, c: c };
      });
    }
    function bestSpot(c, skip) {  // the free spot that crosses the fewest edges (its own node's first)
      var best = null, bestCost = Infinity, all = boxes(c);
      for (var s = 0; s < all.length && bestCost > 0; s++) {
        var box = all[s];
        if (!inside(box) || blocked(box, c.id) || (skip && overlaps(box, skip))) continue;
        var k = cost(box, c.id) + (c.side && s > 0 ? OFF_SIDE : 0);  // the layout kept room on its side
        if (k < bestCost) { best = box; bestCost = k; }
      }
      return best;
    }
    function put(box) { add(box); out.push(box); }
    function labelsIn(box) {  // the live labels (not discs) a box overlaps, from the grid
      var found = [];
      for (var gx = Math.floor(box.x / cell); gx <= Math.floor((box.x + box.w) / cell); gx++) {
        for (var gy = Math.floor(box.y / cell); gy <= Math.floor((box.y + box.h) / cell); gy++) {
          (grid[gx + "," + gy] || []).forEach(function (b) {
            if (!b.dead && b.text && found.indexOf(b) < 0 && overlaps(box, b)) found.push(b);
          });
        }
      }
      return found;
    }
    var missed = [];
    for (var n = 0; n < candidates.length; n++) {
      if (!candidates[n].text) continue;
      var best = bestSpot(candidates[n], null);
      if (best) put(best); else missed.push(candidates[n]);
    }
    // a node left without a label gets one if a single label in its way can move to another free spot
    missed.forEach(function (c) {
      var all = boxes(c);
      for (var s = 0; s < all.length; s++) {
        var box = all[s];
        if (!inside(box)) continue;
        var in_way = labelsIn(box);
        if (in_way.length !== 1 || !in_way[0].c) continue;
        var other = in_way[0];
        other.dead = true;
        if (blocked(box, c.id)) { other.dead = false; continue; }  // a node's disc is in the way, not a label
        var moved = bestSpot(other.c, box);
        if (!moved) { other.dead = false; continue; }
        put(moved);
        put(box);
        return;
      }
    });
    out = out.filter(function (b) { return !b.dead; });
    countries = placeCountries(ctx, add, blocked, inside);
    return out;
  }

  // ---- country names on the map: quiet, behind the network, yielding to its labels and nodes -----------
  var COUNTRY_PX = 11, COUNTRY_SPACING = 1.5, countries = [];
  var NAME_SHIFTS = [[0, 0], [0, -1.5], [0, 1.5], [0, -3], [0, 3], [-3, 0], [3, 0], [0, -5], [0, 5]];  // in line heights
  function countryWidth(ctx, text) {
    var key = "country|" + text;
    if (!(key in widths)) {
      ctx.font = COUNTRY_PX + "px " + LABEL_FONT;
      widths[key] = ctx.measureText(text).width + COUNTRY_SPACING * text.length;
    }
    return widths[key];
  }
  function placeCountries(ctx, add, blocked, inside) {
    var bg = KG.background;
    if (!bg || bg.kind !== "map" || !bg.names) return [];
    var scale = network.getScale(), out = [];
    bg.names.forEach(function (c) {  // largest first: at a small zoom only the large countries have room
      var text = c.name.toUpperCase(), w = countryWidth(ctx, text) + 4, h = COUNTRY_PX + 4;
      if (w > c.room * scale) return;  // the name would spill out of its country
      var p = network.canvasToDOM({ x: c.x, y: c.y }), room = c.room * scale / 2 - w / 2;
      for (var i = 0; i < NAME_SHIFTS.length; i++) {  // at the pole, else a little off it, inside the country
        var dx = NAME_SHIFTS[i][0] * h, dy = NAME_SHIFTS[i][1] * h;
        if (Math.hypot(dx, dy) > room) continue;
        var box = { x: p.x + dx - w / 2, y: p.y + dy - h / 2, w: w, h: h };
        if (!inside(box) || blocked(box, null)) continue;
        box.id = "country:" + c.name; box.text = text; box.px = COUNTRY_PX;
        add(box);
        out.push(box);
        return;
      }
    });
    return out;
  }
  function drawCountries(ctx) {
    var ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textBaseline = "middle";
    ctx.textAlign = "center";
    ctx.font = COUNTRY_PX + "px " + LABEL_FONT;
    if ("letterSpacing" in ctx) ctx.letterSpacing = COUNTRY_SPACING + "px";
    ctx.fillStyle = "#8f8877";
    countries.forEach(function (b) { ctx.fillText(b.text, b.x + b.w / 2 + COUNTRY_SPACING / 2, b.y + b.h / 2); });
    ctx.restore();
  }

  // labels are placed before the network draws, so the country names go under it; the network's own
  // labels are drawn after it, over everything
  network.on("beforeDrawing", function (ctx) {
    placed = layoutLabels(ctx);
    drawCountries(ctx);
  });
  network.on("afterDrawing", function (ctx) {
    var ratio = window.devicePixelRatio || 1;
    ctx.save();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.textBaseline = "middle";
    placed.forEach(function (b) {
      ctx.font = (b.water ? "italic " : "") + b.px + "px " + LABEL_FONT;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(b.text, b.x + 2, b.y + b.h / 2);
      ctx.fillStyle = b.axis ? "#555555" : b.water ? "#1f5a8f" : "#1a1a1a";
      ctx.fillText(b.text, b.x + 2, b.y + b.h / 2);
    });
    ctx.restore();
  });

  // ---- fitting: every visible node inside the canvas, on load, on resize and after each change ---------
  function visibleIds() { return nodes.getIds({ filter: function (n) { return !n.hidden; } }); }
  var sizeOf = {};
  KG_NODES.forEach(function (n) { sizeOf[n.id] = n.size || 12; });
  function fit() {
    var ids = visibleIds();
    if (!ids.length) return;
    var width = container.clientWidth, height = container.clientHeight, margin = 40;
    var positions = network.getPositions(ids);
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (var i = 0; i < ids.length; i++) {
      var p = positions[ids[i]], r = sizeOf[ids[i]] * 1.3;
      if (p.x - r < x0) x0 = p.x - r;
      if (p.y - r < y0) y0 = p.y - r;
      if (p.x + r > x1) x1 = p.x + r;
      if (p.y + r > y1) y1 = p.y + r;
    }
    var scale = Math.min((width - 2 * margin) / Math.max(x1 - x0, 1), (height - 2 * margin) / Math.max(y1 - y0, 1));
    scale = Math.min(scale, KG.maxScale || 1.6);
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 }, scale: scale, animation: false });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { network.setSize("100%", "100%"); fit(); network.redraw(); }, 50);
  });

  // ---- cards -------------------------------------------------------------------------------------------
  function articleCaption(s) {
    var parts = [];
    if (s.title) parts.push(s.title);
    if (s.publisher) parts.push(s.publisher);
    if (s.issued) parts.push(s.issued);
    return (s.doc || "") + (parts.length ? " \u2014 " + parts.join(", ") : "");
  }

  function showCard(id, kind) {
    var card = KG.cards[id];
    info.textContent = "";
    if (!card) { info.appendChild(el("p", "No details for this item.", "hint")); return; }
    info.appendChild(el("h2", card.label));
    info.appendChild(el("p", card.type, "type"));
    if (card.alt && card.alt.length) info.appendChild(el("p", "also written: " + card.alt.join(", "), "alt"));
    var node = kind === "node" ? nodes.get(id) : null;
    if (node) {
      var hidden = expansion(node).filter(function (m) { var n = nodes.get(m); return n && n.hidden; });
      if (hidden.length) {
        var button = el("button", node.counted ? "Open: show these " + hidden.length : "Show " + hidden.length + " more linked to it", "expand");
        button.addEventListener("click", function () { expand(id); });
        info.appendChild(button);
      }
    }
    var facts = (card.facts || []).slice();
    var edge = kind === "edge" ? edges.get(id) : null;
    if (edge && edge.alt) facts.push(["in this view", "an alternative route exists: losing this leg alone cuts nothing", "derived"]);
    if (facts.length) {
      var table = el("table", null, "facts");
      facts.forEach(function (f) {
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
      var caption = el("figcaption", articleCaption(s));
      if (s.url) {
        caption.appendChild(document.createTextNode(" "));
        var link = el("a", "article");
        link.href = s.url;
        link.rel = "noopener";
        caption.appendChild(link);
      }
      item.appendChild(caption);
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

  // ---- expand and collapse: counted nodes and "more" neighbours -----------------------------------------
  var shown = {};  // ids the reader has asked for (or that the view shows on load), before filters
  KG_NODES.forEach(function (n) { if (!n.hidden) shown[n.id] = true; });

  // what a node opens: a counted node its members, any other node its neighbours (from the edges)
  var neighbours = {};
  KG_EDGES.forEach(function (e) {
    (neighbours[e.from] = neighbours[e.from] || []).push(e.to);
    (neighbours[e.to] = neighbours[e.to] || []).push(e.from);
  });
  function expansion(node) {
    return node.counted ? node.expands : (neighbours[node.id] || []).filter(function (m) { return !nodes.get(m).counted; });
  }

  function expand(id) {
    var node = nodes.get(id);
    expansion(node).forEach(function (m) { shown[m] = true; });
    if (node.counted) delete shown[id];
    apply();
    showCard(id, "node");
  }

  // ---- filters: by class, by article, by year (the actor view) ------------------------------------------
  var filters = { classes: null, article: "", year: "" };
  function passes(n) {
    if (filters.classes && n.cls && filters.classes[n.cls] === false) return false;
    if (filters.article && (n.docs || []).indexOf(filters.article) < 0) return false;
    if (filters.year && (n.years || []).indexOf(filters.year) < 0) return false;
    return true;
  }
  function apply() {
    var anyFilter = filters.article || filters.year;
    var updates = [];
    KG_NODES.forEach(function (n) {
      var visible = (shown[n.id] || (anyFilter && !n.counted)) && passes(n);
      var current = nodes.get(n.id);
      if (!!current.hidden === visible) updates.push({ id: n.id, hidden: !visible });
    });
    nodes.update(updates);
    var edgeUpdates = [];
    edges.forEach(function (e) {
      var hide = !!(nodes.get(e.from).hidden || nodes.get(e.to).hidden);
      if (!!e.hidden !== hide) edgeUpdates.push({ id: e.id, hidden: hide });
    });
    edges.update(edgeUpdates);
    fit();
    network.redraw();
    document.body.dataset.visible = String(visibleIds().length);
  }

  function buildFilters() {
    var spec = KG.filters;
    var box = document.getElementById("filters");
    if (!spec || !box) return;
    box.hidden = false;
    var classes = el("fieldset");
    classes.appendChild(el("legend", "Show"));
    filters.classes = {};
    spec.classes.forEach(function (c) {
      filters.classes[c.group] = true;
      var label = el("label");
      var input = el("input");
      input.type = "checkbox";
      input.checked = true;
      input.value = c.group;
      input.addEventListener("change", function () { filters.classes[c.group] = input.checked; apply(); });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + c.name));
      classes.appendChild(label);
    });
    box.appendChild(classes);
    [["article", "Article", spec.articles], ["year", "Year", spec.years]].forEach(function (f) {
      var label = el("label", f[1] + " ");
      var selectBox = el("select");
      selectBox.id = "filter-" + f[0];
      selectBox.appendChild(new Option("all", ""));
      f[2].forEach(function (v) { selectBox.appendChild(new Option(v[1], v[0])); });
      selectBox.addEventListener("change", function () { filters[f[0]] = selectBox.value; apply(); });
      label.appendChild(selectBox);
      box.appendChild(label);
    });
  }

  // ---- the corridor panel: who and what the graph ties to the corridor ---------------------------------
  function buildPanel() {
    var spec = KG.panel, box = document.getElementById("panel");
    if (!spec || !box) return;
    box.hidden = false;
    box.appendChild(el("h2", spec.title));
    spec.sections.forEach(function (section) {
      box.appendChild(el("h3", section.name + " (" + section.items.length + ")"));
      if (!section.items.length) { box.appendChild(el("p", section.empty, "hint")); return; }
      var list = el("ul", null, "panel-list");
      section.items.forEach(function (item) {
        var li = el("li");
        var link = el("a", item.label);
        link.href = "#";
        link.dataset.id = item.id;
        link.addEventListener("click", function (event) {
          event.preventDefault();
          var targets = item.targets.filter(function (t) { return nodes.get(t); });
          network.selectNodes(targets);
          showCard(item.id, "panel");
        });
        li.appendChild(link);
        li.appendChild(el("span", " " + item.type + (item.detail ? ": " + item.detail : ""), "panel-type"));
        list.appendChild(li);
      });
      box.appendChild(list);
    });
  }

  // ---- the cut: take out a node or a leg and see what stays connected ----------------------------------
  function legOf(edge) { return edge && edge.id.indexOf("leg|") === 0 ? edge.id.slice(4, edge.id.lastIndexOf("|")) : null; }
  var cutMode = false, cutPalette = ["#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#ad1457"];
  function cutAway(kind, id) {
    var removedLeg = kind === "edge" ? legOf(edges.get(id)) : null;
    var adjacency = {};
    KG_NODES.forEach(function (n) { if (n.id !== id) adjacency[n.id] = []; });
    KG_EDGES.forEach(function (e) {
      if (removedLeg && legOf(e) === removedLeg) return;
      if (!(e.from in adjacency) || !(e.to in adjacency)) return;
      adjacency[e.from].push(e.to);
      adjacency[e.to].push(e.from);
    });
    var part = {}, parts = [];
    Object.keys(adjacency).sort().forEach(function (start) {
      if (start in part) return;
      var members = [start], queue = [start];
      part[start] = parts.length;
      while (queue.length) {
        adjacency[queue.shift()].forEach(function (m) {
          if (!(m in part)) { part[m] = parts.length; members.push(m); queue.push(m); }
        });
      }
      parts.push(members);
    });
    parts.sort(function (a, b) { return b.length - a.length; });
    var updates = [];
    parts.forEach(function (members, i) {
      var colour = parts.length > 1 ? cutPalette[i % cutPalette.length] : null;
      members.forEach(function (m) {
        var n = nodes.get(m);
        updates.push({ id: m, color: colour ? { background: colour, border: "#000000" } : n.baseColor, opacity: 1 });
      });
    });
    var gone = { background: "#ffffff", border: "#b71c1c" };
    if (kind === "node") updates.push({ id: id, color: { background: gone.background, border: gone.border, highlight: gone, hover: gone } });
    nodes.update(updates);
    edges.update(KG_EDGES.map(function (e) {
      var gone = (removedLeg && legOf(e) === removedLeg) || e.from === id || e.to === id;
      return { id: e.id, color: gone ? { color: "#e0e0e0", highlight: "#e0e0e0" } : e.color };
    }));
    var label = kind === "node" ? nodes.get(id).label : (KG.cards[id] || {}).label;
    var status = document.getElementById("cut-status");
    status.textContent = "";
    status.appendChild(el("strong", "Without " + label + ": "));
    status.appendChild(document.createTextNode(parts.length === 1 ? "everything stays connected." :
      parts.length + " separate parts."));
    var list = el("ol");
    if (parts.length > 1) parts.forEach(function (members) {
      list.appendChild(el("li", members.map(function (m) { return nodes.get(m).label; }).sort().join(", ")));
    });
    status.appendChild(list);
    status.dataset.parts = String(parts.length);
    network.redraw();
  }
  function resetCut() {
    nodes.update(KG_NODES.map(function (n) { return { id: n.id, color: n.color }; }));
    edges.update(KG_EDGES.map(function (e) { return { id: e.id, color: e.color }; }));
    var status = document.getElementById("cut-status");
    status.textContent = "";
    delete status.dataset.parts;
  }
  function buildCut() {
    var box = document.getElementById("cut");
    if (!KG.cut || !box) return;
    box.hidden = false;
    KG_NODES.forEach(function (n) { n.baseColor = n.color; });
    var toggle = document.getElementById("cut-toggle");
    toggle.addEventListener("change", function () {
      cutMode = toggle.checked;
      if (!cutMode) resetCut();
    });
  }

  network.on("click", function (params) {
    var kind = params.nodes.length ? "node" : params.edges.length ? "edge" : null;
    if (!kind) return;
    var id = kind === "node" ? params.nodes[0] : params.edges[0];
    if (cutMode) cutAway(kind, id);
    showCard(id, kind);
    var node = kind === "node" ? nodes.get(id) : null;
    if (node && node.counted) expand(id);
  });

  // ---- search: labels and every alternative spelling, case and accents ignored --------------------------
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
    if (nodes.get(id).hidden) { shown[id] = true; apply(); }
    select(id);
  });

  // ---- legend: the classes and line styles this view uses, drawn as the network draws them -------------
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
    } else if (item.kind === "area") {
      svg = '<svg width="30" height="18" aria-hidden="true"><rect x="1" y="2" width="28" height="14" fill="' + item.color +
        '" stroke="' + (item.border || "#999") + '"/></svg>';
    } else {
      var dash = item.dashes && item.dashes.length ? ' stroke-dasharray="' + item.dashes.join(",") + '"' : "";
      svg = '<svg width="30" height="18" aria-hidden="true"><line x1="1" y1="9" x2="29" y2="9" stroke="' + item.color +
        '" stroke-width="' + Math.min(item.width, 4) + '"' + dash + "/></svg>";
    }
    li.innerHTML = svg;  // fixed markup built above from the legend's colours; the name goes in as text
    li.appendChild(el("span", item.name));
    legend.appendChild(li);
  });

  buildFilters();
  buildPanel();
  buildCut();

  function ready() {
    window.kgReadyAt = performance.now();
    document.body.dataset.ready = "1";
    document.body.dataset.visible = String(visibleIds().length);
    window.kgReady = true;
  }
  function start() {
    fit();
    network.once("afterDrawing", ready);
    network.redraw();
  }
  if (KG.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      start();
    });
  } else {
    start();
  }
  window.kgView = {
    network: network, nodes: nodes, edges: edges, find: find, select: select, show: showCard, expand: expand,
    fit: fit, apply: apply, filters: filters, cut: cutAway,
    labels: function () { return placed.map(function (b) { return { id: b.id, text: b.text, x: b.x, y: b.y, w: b.w, h: b.h, px: b.px }; }); },
    countryLabels: function () { return countries.map(function (b) { return { id: b.id, text: b.text, x: b.x, y: b.y, w: b.w, h: b.h, px: b.px }; }); }
  };
})();
