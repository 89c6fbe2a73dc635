/* Incidents, the picked intake location, 1/3/5-minute rings and candidate routes.
 * Loaded after gridmap.js; adds its functions to `gridmap`. */
(function () {
  "use strict";
  var gm = window.gridmap;
  // Colours come from the page config (resources/styles/colors.json), shared with Python.
  function colors() { return gm.state.config.colors; }
  var s = { group: null, incidents: {}, picked: null, rings: null, ringLayers: {}, route: null, selected: null };

  function esc(t) { return String(t === null || t === undefined ? "" : t).replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  function ensure() {
    if (!s.group) s.group = L.layerGroup().addTo(gm.state.map);
  }

  function icon(inc) {
    var selected = s.selected === inc.id ? " gc-incident-selected" : "";
    var html = '<div class="gc-incident' + selected + '" style="background:' + (colors().level[inc.level] || colors().level.general) +
      ";border-color:" + (colors().incident_state[inc.state] || colors().incident_state.received) + '">警</div>';
    return L.divIcon({ html: html, className: "gc-incident-icon", iconSize: [38, 38], iconAnchor: [19, 19] });
  }

  /* Full list of open incidents: [{id, number, lon, lat, level, state, label}] */
  function updateIncidents(list) {
    ensure();
    var seen = {};
    list.forEach(function (inc) {
      seen[inc.id] = true;
      var m = s.incidents[inc.id];
      if (!m) {
        m = L.marker([inc.lat, inc.lon], { icon: icon(inc), zIndexOffset: 1000 });
        m.on("click", function () { if (gm.state.bridge) gm.state.bridge.incidentClicked(inc.id); });
        m.addTo(s.group);
        s.incidents[inc.id] = m;
      } else {
        m.setLatLng([inc.lat, inc.lon]);
        m.setIcon(icon(inc));
      }
      m.incident = inc;
      m.bindTooltip(esc(inc.number) + " " + esc(inc.label), { direction: "top", offset: [0, -14] });
    });
    Object.keys(s.incidents).forEach(function (id) {
      if (!seen[id]) { s.group.removeLayer(s.incidents[id]); delete s.incidents[id]; }
    });
  }

  function selectIncident(id) {
    s.selected = id;
    Object.keys(s.incidents).forEach(function (k) { s.incidents[k].setIcon(icon(s.incidents[k].incident)); });
    var m = s.incidents[id];
    if (m) gm.state.map.panTo(m.getLatLng());
  }

  function setPicked(lon, lat) {
    ensure();
    if (s.picked) { s.group.removeLayer(s.picked); s.picked = null; }
    if (lon === null) return;
    s.picked = L.marker([lat, lon], { icon: L.divIcon({ html: '<div class="gc-picked"></div>', className: "gc-incident-icon",
                                                        iconSize: [26, 26], iconAnchor: [13, 13] }), interactive: false });
    s.picked.addTo(s.group);
  }

  function setPickMode(on) {
    gm.state.map.getContainer().style.cursor = on ? "crosshair" : "";
  }

  /* rings: {"1": geometry, "3": ..., "5": ...} keyed by minutes (GeoJSON, shifted). */
  function showRings(rings, estimate) {
    ensure();
    clearRings();
    [5, 3, 1].forEach(function (t) {
      var g = rings[String(t)];
      if (!g) return;
      var layer = L.geoJSON(g, { style: { color: colors().ring[t], weight: 1, opacity: 0.6, fillColor: colors().ring[t],
                                          fillOpacity: 0.12, dashArray: estimate ? "6 6" : null },
                                 interactive: false });
      layer.addTo(s.group);
      s.ringLayers[t] = layer;
    });
  }

  function clearRings() {
    Object.keys(s.ringLayers).forEach(function (t) { s.group.removeLayer(s.ringLayers[t]); });
    s.ringLayers = {};
  }

  /* coords: [[lat, lon], ...] */
  function showRoute(coords) {
    ensure();
    clearRoute();
    if (!coords || !coords.length) return;
    s.route = L.polyline(coords, { color: colors().route, weight: 5, opacity: 0.9, dashArray: "10 6", interactive: false });
    s.route.addTo(s.group);
  }

  function clearRoute() {
    if (s.route) { s.group.removeLayer(s.route); s.route = null; }
  }

  gm.updateIncidents = updateIncidents;
  gm.selectIncident = selectIncident;
  gm.setPicked = setPicked;
  gm.setPickMode = setPickMode;
  gm.showRings = showRings;
  gm.clearRings = clearRings;
  gm.showRoute = showRoute;
  gm.clearRoute = clearRoute;
  gm.incidentState = function (id) {
    var m = s.incidents[id];
    return m ? { lat: m.getLatLng().lat, lng: m.getLatLng().lng, level: m.incident.level, state: m.incident.state,
                 selected: s.selected === id } : null;
  };
  gm.ringCount = function () { return Object.keys(s.ringLayers).length; };
  gm.routeLength = function () { return s.route ? s.route.getLatLngs().length : 0; };
  gm.incidents = s;
})();
