// perp-graph network page: draws the graph in #graph-data with vis-network, then keeps
// it still; a time slider shows the rolling window. Text only: no value from the data
// is ever inserted as HTML (tooltips are strings, which vis-network shows as text).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var container = document.getElementById("network");
  var status = document.getElementById("network-status");
  var state = { nodes: nodes, edges: edges, ready: false, windowEnd: data.asOf };
  window.perpGraph = state;

  var network = new vis.Network(container, { nodes: nodes, edges: edges }, data.options);
  state.network = network;

  function settled() {
    network.setOptions({ physics: { enabled: false } });
    state.ready = true;
    status.textContent = "Layout settled: " + nodes.length + " nodes, " + edges.length + " links.";
    focusFromHash();
  }
  network.once("stabilizationIterationsDone", settled);
  if (nodes.length === 0) { settled(); }

  // --- the rolling window -----------------------------------------------------------
  function parseDay(iso) {
    var p = iso.split("-");
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
    readout.textContent = "Window " + start + " to " + end + " (" + data.windowYears +
      " years): " + inWindow + " incidents, " + qualifying + " of them qualifying.";
  }
  slider.addEventListener("input", applyWindow);
  only.addEventListener("change", applyWindow);
  document.getElementById("window-reset").addEventListener("click", function () {
    slider.value = slider.max; only.checked = false; applyWindow();
  });

  // --- finding a person -----------------------------------------------------------------
  function focusOn(personId) {
    var id = "person:" + personId;
    if (!nodes.get(id)) { return false; }
    network.selectNodes([id]);
    network.focus(id, { scale: 1.0, animation: false });
    return true;
  }
  function focusFromHash() {
    var wanted = decodeURIComponent(window.location.hash.slice(1));
    if (wanted) { focusOn(wanted); }
  }
  window.addEventListener("hashchange", focusFromHash);
  document.getElementById("find-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var wanted = document.getElementById("find-id").value.trim();
    document.getElementById("find-result").textContent =
      focusOn(wanted) ? "" : "No person " + wanted + " in this network.";
  });
  document.getElementById("fit").addEventListener("click", function () { network.fit(); });
  applyWindow();
})();
