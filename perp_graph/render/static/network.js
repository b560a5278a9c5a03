// perp-graph network page: draws the graph in #graph-data with vis-network, then keeps
// it still; a time slider shows the rolling window. Each focus person's cluster is
// labelled on the drawing ("1. SMITH, John", in the page's order: by priority on a
// neighbourhood page) and listed beside it; a tap on a list item, a search match or a
// node fills the details panel (no hover needed on a phone). Text only: no value from
// the data is ever inserted as HTML (textContent and strings; vis-network shows string
// tooltips as text).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("network");
  var status = document.getElementById("network-status");
  var state = { nodes: nodes, edges: edges, ready: false, windowEnd: data.asOf, selected: null };
  window.perpGraph = state;

  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  state.network = network;

  // --- dates, as the rest of the page writes them ("05 Jul 2026") ---------------------
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function plural(n, noun, nouns) {
    return n.toLocaleString("en-GB") + " " + (n === 1 ? noun : nouns || noun + "s");
  }
  function dayText(isoDay) {
    var p = isoDay.split("-");
    return p[2] + " " + MONTHS[+p[1] - 1] + " " + p[0];
  }

  // --- clusters: labels on the drawing ----------------------------------------------
  var clusters = data.clusters || [];
  var clusterOf = {};  // person id -> cluster row
  clusters.forEach(function (c) { clusterOf[c.id] = c; });
  var boxes = {};  // person id -> bounding box of the cluster's nodes (canvas units)
  var members = {};  // person id -> node ids

  function measureClusters() {
    var positions = network.getPositions();
    boxes = {};
    members = {};
    nodes.forEach(function (n) {
      if (!n.cluster || !clusterOf[n.cluster]) { return; }
      var p = positions[n.id];
      if (!p) { return; }
      (members[n.cluster] = members[n.cluster] || []).push(n.id);
      var b = boxes[n.cluster];
      if (!b) { boxes[n.cluster] = { minX: p.x, maxX: p.x, minY: p.y, maxY: p.y }; return; }
      b.minX = Math.min(b.minX, p.x); b.maxX = Math.max(b.maxX, p.x);
      b.minY = Math.min(b.minY, p.y); b.maxY = Math.max(b.maxY, p.y);
    });
  }

  // Labels keep one size on screen whatever the zoom. Every cluster first gets its rank
  // where that fits in view and covers no rank placed before it (priority order); then,
  // in the same order, "rank. SURNAME, Forenames", or "rank. SURNAME", replaces the rank
  // where it covers no other label.
  var LABEL_PX = 13;
  // Just above the cluster's highest node (nodes are up to about 20 canvas units across).
  function labelY(b, scale) { return b.minY - 22 - 6 / scale; }
  function overlaps(r, q) { return r.x1 < q.x2 && q.x1 < r.x2 && r.y1 < q.y2 && q.y1 < r.y2; }
  network.on("afterDrawing", function (ctx) {
    if (!state.ready || clusters.length === 0) { return; }
    var scale = network.getScale();
    var font = LABEL_PX / scale;
    var pad = 3 / scale;
    var view = {
      a: network.DOMtoCanvas({ x: 0, y: 0 }),
      b: network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight })
    };
    ctx.save();
    ctx.font = "bold " + font + "px DejaVu Sans, Arial, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.lineJoin = "round";
    function box(text, x, y) {
      var half = ctx.measureText(text).width / 2 + pad;
      return { text: text, x: x, y: y, x1: x - half, x2: x + half, y1: y - font - pad, y2: y + pad };
    }
    function inView(r) {
      return r.x1 >= view.a.x && r.x2 <= view.b.x && r.y1 >= view.a.y && r.y2 <= view.b.y;
    }
    var placed = [];  // [cluster, label box]
    clusters.forEach(function (c) {
      var b = boxes[c.id];
      if (!b) { return; }
      var y = Math.max(labelY(b, scale), view.a.y + font + 2 * pad);
      var r = box(String(c.rank), (b.minX + b.maxX) / 2, y);
      if (!inView(r)) { return; }
      for (var i = 0; i < placed.length; i += 1) { if (overlaps(r, placed[i][1])) { return; } }
      placed.push([c, r]);
    });
    placed.forEach(function (entry, index) {
      var c = entry[0], r = entry[1];
      var surname = c.name.split(",")[0];
      var wider = [c.rank + ". " + c.name];
      if (surname !== c.name) { wider.push(c.rank + ". " + surname); }
      for (var k = 0; k < wider.length; k += 1) {
        var w = box(wider[k], r.x, r.y);
        if (!inView(w)) { continue; }
        var clear = true;
        for (var i = 0; i < placed.length && clear; i += 1) {
          if (i !== index && overlaps(w, placed[i][1])) { clear = false; }
        }
        if (clear) { entry[1] = w; return; }
      }
    });
    var selected = state.selected && boxes[state.selected];
    if (selected) {  // a frame round the selected cluster, its label and its nodes' labels
      var m = 30;
      var top = labelY(selected, scale) - font - 2 * pad;
      ctx.strokeStyle = "#1f5fa8";
      ctx.lineWidth = 3 / scale;
      ctx.strokeRect(selected.minX - m, top, selected.maxX - selected.minX + 2 * m,
        selected.maxY + 40 - top);
    }
    placed.forEach(function (entry) {
      var r = entry[1];
      ctx.lineWidth = 4 / scale;
      ctx.strokeStyle = "rgba(255,255,255,0.92)";
      ctx.strokeText(r.text, r.x, r.y);
      ctx.fillStyle = "#111111";
      ctx.fillText(r.text, r.x, r.y);
    });
    ctx.restore();
  });
  network.on("dragEnd", function () { if (state.ready) { measureClusters(); } });

  // Fit everything, with room round the edge for the clusters' labels.
  function fitAll() {
    network.fit({ animation: false });
    network.moveTo({ scale: network.getScale() * 0.94, animation: false });
  }
  state.fitAll = fitAll;

  function settled() {
    network.setOptions({ physics: { enabled: false } });
    measureClusters();
    fitAll();
    state.ready = true;
    status.textContent = "Layout settled: " + plural(nodes.length, "node") + ", " +
      plural(edges.length, "link") + ".";
    network.redraw();
    focusFromHash();
  }
  network.once("stabilizationIterationsDone", settled);
  if (nodes.length === 0) { settled(); }

  // --- the rolling window -----------------------------------------------------------
  function parseDay(isoDay) {
    var p = isoDay.split("-");
    return Date.UTC(+p[0], +p[1] - 1, +p[2]);
  }
  function iso(ms) { return new Date(ms).toISOString().slice(0, 10); }
  function windowStart(endIso, years) {
    // E - W calendar years, keeping month and day; 29 February becomes 28 February.
    var p = endIso.split("-");
    var y = +p[0] - years, m = +p[1], d = +p[2];
    if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) { d = 28; }
    return y + "-" + String(m).padStart(2, "0") + "-" + String(d).padStart(2, "0");
  }
  var DAY = 86400000;
  var slider = document.getElementById("window-end");
  var only = document.getElementById("window-only");
  var readout = document.getElementById("window-readout");
  var first = parseDay(data.firstDate), last = parseDay(data.asOf);
  slider.min = "0";
  slider.max = String(Math.max(0, Math.round((last - first) / DAY)));
  slider.value = slider.max;

  function applyWindow() {
    var end = iso(first + Number(slider.value) * DAY);
    var start = windowStart(end, data.windowYears);
    state.windowEnd = end;
    var inWindow = 0, qualifying = 0, nodeUpdates = [], edgeUpdates = [];
    nodes.forEach(function (n) {
      if (!n.date) { return; }
      var inside = n.date >= start && n.date <= end;
      if (inside) { inWindow += 1; if (n.kind === "qualifying_incident") { qualifying += 1; } }
      nodeUpdates.push({ id: n.id, hidden: only.checked && !inside, opacity: inside ? 1 : 0.25 });
    });
    edges.forEach(function (e) {
      if (!e.date) { return; }
      var inside = e.date >= start && e.date <= end;
      edgeUpdates.push({ id: e.id, hidden: only.checked && !inside });
    });
    nodes.update(nodeUpdates);
    edges.update(edgeUpdates);
    readout.textContent = "Window " + dayText(start) + " to " + dayText(end) + " (" +
      data.windowYears + " years): " + plural(inWindow, "incident") + ", " + qualifying +
      " of them qualifying.";
  }
  slider.addEventListener("input", applyWindow);
  only.addEventListener("change", applyWindow);
  document.getElementById("window-reset").addEventListener("click", function () {
    slider.value = slider.max; only.checked = false; applyWindow();
  });

  // --- the details panel ----------------------------------------------------------------
  var detailsBody = document.getElementById("details-body");
  var listButtons = Array.prototype.slice.call(
    document.querySelectorAll("#perpetrator-list button[data-node-id]"));
  var phone = window.matchMedia("(max-width: 48rem)");

  function element(tag, text, className) {
    var e = document.createElement(tag);
    if (text !== undefined) { e.textContent = text; }
    if (className) { e.className = className; }
    return e;
  }
  function linkTo(nodeId, text) {
    var b = element("button", text, "link");
    b.type = "button";
    b.addEventListener("click", function () { select(nodeId, { fit: !!clusterHead(nodeId) }); });
    return b;
  }
  function clusterHead(nodeId) {
    var node = nodes.get(nodeId);
    return node && node.person_id && clusterOf[node.person_id] ? clusterOf[node.person_id] : null;
  }
  function showNode(nodeId) {
    var node = nodes.get(nodeId);
    if (!node) { return; }
    var parts = [element("h3", node.label)];
    var head = clusterHead(nodeId);
    if (head) {
      parts.push(element("p", head.rank + " of " + clusters.length + " on this page" +
        (head.summary ? ": " + head.summary : "") + "."));
    }
    var lines = element("ul");
    String(node.title || "").split("\n").slice(1).forEach(function (line) {
      if (line) { lines.appendChild(element("li", line)); }
    });
    if (node.title && String(node.title).split("\n")[0] !== node.label) {
      lines.insertBefore(element("li", String(node.title).split("\n")[0]), lines.firstChild);
    }
    if (lines.childNodes.length) { parts.push(lines); }
    var owner = node.cluster && clusterOf[node.cluster];
    if (owner && !head) {
      var p = element("p", "In the network of ");
      p.appendChild(linkTo(owner.node, owner.rank + ". " + owner.label));
      parts.push(p);
    }
    var linked = network.getConnectedNodes(nodeId);
    if (linked.length) {
      parts.push(element("h3", "Linked to (" + linked.length + ")"));
      var list = element("ul", undefined, "matches");
      linked.slice(0, 40).forEach(function (id) {
        var other = nodes.get(id);
        if (!other) { return; }
        var li = element("li");
        li.appendChild(linkTo(id, other.kind.indexOf("incident") >= 0 ?
          "Incident " + id.slice(id.indexOf(":") + 1) + ", " + other.label : other.label));
        list.appendChild(li);
      });
      if (linked.length > 40) { list.appendChild(element("li", "and " + (linked.length - 40) + " more")); }
      parts.push(list);
    }
    detailsBody.replaceChildren.apply(detailsBody, parts);
  }
  function showEdge(edgeId) {
    var edge = edges.get(edgeId);
    if (!edge) { return; }
    var from = nodes.get(edge.from), to = nodes.get(edge.to);
    var parts = [element("h3", "Link")];
    var lines = element("ul");
    String(edge.title || "").split("\n").forEach(function (line) {
      if (line) { lines.appendChild(element("li", line)); }
    });
    parts.push(lines);
    [from, to].forEach(function (n) {
      if (!n) { return; }
      var p = element("p");
      p.appendChild(linkTo(n.id, n.label));
      parts.push(p);
    });
    detailsBody.replaceChildren.apply(detailsBody, parts);
  }
  function markList(personId) {
    listButtons.forEach(function (b) {
      if (b.getAttribute("data-node-id") === "person:" + personId) {
        b.setAttribute("aria-current", "true");
      } else {
        b.removeAttribute("aria-current");
      }
    });
  }

  // Select a node: highlight it, move the drawing to it (a whole cluster when `fit`),
  // fill the details panel, mark its cluster in the list.
  function select(nodeId, how) {
    var node = nodes.get(nodeId);
    if (!node) { return false; }
    how = how || {};
    network.selectNodes([nodeId]);
    state.selected = node.cluster && clusterOf[node.cluster] ? node.cluster : null;
    var cluster = how.fit && state.selected ? members[state.selected] : null;
    if (cluster && cluster.length > 1) {
      network.fit({ nodes: cluster, animation: false });  // then room for its label and frame
      network.moveTo({ scale: Math.min(1.2, network.getScale() * 0.8), animation: false });
    } else {
      network.focus(nodeId, { scale: Math.max(network.getScale(), 1.0), animation: false });
    }
    showNode(nodeId);
    markList(state.selected);
    if (how.scroll && phone.matches) { container.scrollIntoView({ block: "start" }); }
    network.redraw();
    return true;
  }
  state.select = select;

  network.on("click", function (params) {
    if (params.nodes.length) {
      var id = params.nodes[0];
      var node = nodes.get(id);
      state.selected = node && node.cluster && clusterOf[node.cluster] ? node.cluster : null;
      showNode(id);
      markList(state.selected);
      network.redraw();
    } else if (params.edges.length) {
      showEdge(params.edges[0]);
    }
  });

  listButtons.forEach(function (button, index) {
    button.addEventListener("click", function () {
      select(button.getAttribute("data-node-id"), { fit: true, scroll: true });
    });
    // Up and down move along the list (Tab and Shift+Tab do too).
    button.addEventListener("keydown", function (event) {
      var next = event.key === "ArrowDown" ? index + 1 : event.key === "ArrowUp" ? index - 1 : -1;
      if (next < 0 || next >= listButtons.length) { return; }
      var target = listButtons[next];
      if (target.parentNode.hidden) { return; }
      event.preventDefault();
      target.focus();
    });
  });

  // --- finding people and incidents by what the page shows: labels and ids -------------
  var findInput = document.getElementById("find");
  var findResult = document.getElementById("find-result");
  var findMatches = document.getElementById("find-matches");
  var MAX_MATCHES = 30;

  function key(text) { return String(text).toLocaleLowerCase("en-GB").replace(/\s+/g, " ").trim(); }
  function bareId(nodeId) { return nodeId.slice(nodeId.indexOf(":") + 1); }
  function matching(query) {
    var wanted = key(query);
    var inList = [], others = [];
    if (!wanted) { return { inList: inList, others: others }; }
    nodes.forEach(function (n) {
      var found = key(n.label).indexOf(wanted) >= 0 || key(bareId(n.id)).indexOf(wanted) >= 0;
      if (!found) { return; }
      if (n.person_id && clusterOf[n.person_id]) { inList.push(n.id); } else { others.push(n.id); }
    });
    return { inList: inList, others: others };
  }
  function showMatches() {
    var query = findInput.value;
    var found = matching(query);
    var listed = {};
    found.inList.forEach(function (id) { listed[id] = true; });
    listButtons.forEach(function (b) {
      b.parentNode.hidden = key(query) !== "" && !listed[b.getAttribute("data-node-id")];
    });
    var items = found.others.slice(0, MAX_MATCHES).map(function (id) {
      var n = nodes.get(id);
      var li = element("li");
      var text = n.kind.indexOf("incident") >= 0 ? "Incident " + bareId(id) + ", " + n.label : n.label;
      li.appendChild(linkTo(id, text));
      return li;
    });
    if (found.others.length > MAX_MATCHES) {
      items.push(element("li", "and " + (found.others.length - MAX_MATCHES) + " more: type more of the name or id"));
    }
    findMatches.replaceChildren.apply(findMatches, items);
    findMatches.hidden = items.length === 0;
    if (!key(query)) {
      findResult.textContent = "";
    } else if (found.inList.length + found.others.length === 0) {
      findResult.textContent = "No one and no incident in this network matches \u201c" + query.trim() + "\u201d.";
    } else {
      findResult.textContent = plural(found.inList.length, "match", "matches") + " in the list, " +
        plural(found.others.length, "other match", "other matches") + " in the network" +
        (found.others.length ? " (below)." : ".");
    }
    return found;
  }
  findInput.addEventListener("input", showMatches);
  document.getElementById("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var found = showMatches();
    var firstMatch = found.inList[0] || found.others[0];
    if (firstMatch) { select(firstMatch, { fit: !!found.inList[0], scroll: true }); }
  });

  // --- opening focused on a person (the packs link to <page>#<person id>) ----------------
  function focusFromHash() {
    var wanted = decodeURIComponent(window.location.hash.slice(1));
    if (wanted) { select("person:" + wanted, { fit: !!clusterOf[wanted] }); }
  }
  window.addEventListener("hashchange", focusFromHash);
  document.getElementById("fit").addEventListener("click", fitAll);
  applyWindow();
})();
