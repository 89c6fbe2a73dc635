/* Live units on the map: canvas circle markers, updated in batches without reloading
 * the page. Loaded after gridmap.js; adds its functions to `gridmap`. */
(function () {
  "use strict";
  var gm = window.gridmap;
  // Colours come from the page config (resources/styles/colors.json), shared with Python.
  function colors() { return gm.state.config.colors; }
  var LABEL_CAP = 400;  // permanent labels are DOM nodes: keep them few
  var u = {
    markers: {},      // unit id -> L.CircleMarker (row in marker.unit)
    renderer: null,
    group: null,
    clockOffset: 0,   // Python's clock minus the page's, so replay time works too
    staleAfterMs: 60000,
    labelMinZoom: 15,
    labelled: {},
    follow: null,
    highlight: null,
    highlightRing: null,
    trailId: null,
    trailMinutes: 10,
    trailPoints: [],
    trailLine: null,
    batches: 0,
    lastApplyMs: 0
  };
  // Row layout, kept in step with desktop/map/units_js.py.
  var ID = 0, LON = 1, LAT = 2, AGENCY = 3, STATUS = 4, FIX_MS = 5, CALLSIGN = 6, ACC = 7, SPEED = 8;

  function now() { return Date.now() + u.clockOffset; }
  function isStale(row) { return row[FIX_MS] === null || now() - row[FIX_MS] > u.staleAfterMs; }

  function style(row) {
    var stale = isStale(row);
    return {
      renderer: u.renderer,
      radius: 8,
      weight: 2.5,
      color: stale ? colors().unit_stale.stroke : (colors().unit_status[row[STATUS]] || colors().unit_status.available),
      fillColor: colors().agency[row[AGENCY]] || colors().agency.unknown,
      fillOpacity: stale ? 0.35 : 0.95,
      opacity: 1,
      dashArray: stale ? "3 3" : null
    };
  }

  // What style() depends on; a marker is restyled only when this changes, since
  // setStyle on a canvas circleMarker re-projects and redraws it (5,000 a batch).
  function styleKey(row) {
    return (isStale(row) ? "s|" : "f|") + row[STATUS] + "|" + row[AGENCY];
  }

  function restyle(marker, row) {
    var key = styleKey(row);
    if (marker.styleKey !== key) {
      marker.setStyle(style(row));
      marker.styleKey = key;
    }
  }

  function relabel(marker, row) {
    var text = labelText(row);
    if (marker.labelText !== text) {
      marker.setTooltipContent(text);
      marker.labelText = text;
    }
  }

  function ageText(row) {
    if (row[FIX_MS] === null) return "—";
    var s = Math.max(0, Math.round((now() - row[FIX_MS]) / 1000));
    return s < 120 ? s + "s" : (s < 7200 ? Math.round(s / 60) + "m" : Math.round(s / 3600) + "h");
  }

  function labelText(row) {
    return isStale(row) ? row[CALLSIGN] + " ⏱" + ageText(row) : row[CALLSIGN];
  }

  /* Callsign labels follow their markers in every batch. Leaflet's tooltip reads the
   * label's size and toggles its four direction classes at each move, forcing a style
   * and layout pass per label (400 labels: ~35 ms a batch). A unit label always sits
   * to the right: its height is read once per content and the class set once; the
   * position is the one L.Tooltip computes for direction "right". */
  var UnitLabel = L.Tooltip.extend({
    _updateContent: function () {
      L.Tooltip.prototype._updateContent.call(this);
      this._labelHeight = null;
    },
    _setPosition: function (pos) {
      var container = this._container;
      if (this._labelHeight === null || this._labelHeight === undefined) {
        this._labelHeight = container.offsetHeight;
        L.DomUtil.addClass(container, "leaflet-tooltip-right");
      }
      L.DomUtil.setPosition(container, pos.subtract(L.point(0, this._labelHeight / 2, true))
        .add(L.point(this.options.offset)).add(this._getAnchor()));
    }
  });

  function ensureLayer() {
    if (u.group) return;
    u.renderer = L.canvas({ padding: 0.5 });
    u.group = L.layerGroup().addTo(gm.state.map);
    gm.state.map.on("zoomend moveend", refreshLabels);
    setInterval(restyleAll, 2000);  // ages grow without new fixes
  }

  function onMarkerClick(e) {
    var row = e.target.unit;
    if (gm.state.bridge) gm.state.bridge.unitClicked(row[ID]);
  }

  function place(marker, row) {
    marker.setLatLng([row[LAT], row[LON]]);
  }

  function applyRows(rows, full) {
    ensureLayer();
    var seen = full ? {} : null;
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var marker = u.markers[row[ID]];
      if (!marker) {
        marker = L.circleMarker([row[LAT], row[LON]], style(row));
        marker.styleKey = styleKey(row);
        marker.on("click", onMarkerClick);
        marker.addTo(u.group);
        u.markers[row[ID]] = marker;
      } else {
        place(marker, row);
        restyle(marker, row);
      }
      marker.unit = row;
      if (u.labelled[row[ID]]) relabel(marker, row);
      if (seen) seen[row[ID]] = true;
      if (u.trailId === row[ID]) extendTrail(row);
      if (u.highlight === row[ID] && u.highlightRing) u.highlightRing.setLatLng([row[LAT], row[LON]]);
      if (u.follow === row[ID]) gm.state.map.panTo([row[LAT], row[LON]], { animate: true, duration: 0.3 });
    }
    if (seen) {
      Object.keys(u.markers).forEach(function (id) {
        if (!seen[id]) { u.group.removeLayer(u.markers[id]); delete u.markers[id]; delete u.labelled[id]; }
      });
    }
  }

  function restyleAll() {
    Object.keys(u.markers).forEach(function (id) {
      var m = u.markers[id];
      restyle(m, m.unit);
      if (u.labelled[id]) relabel(m, m.unit);
    });
  }

  function refreshLabels() {
    var map = gm.state.map;
    var want = {};
    if (map.getZoom() >= u.labelMinZoom) {
      var bounds = map.getBounds().pad(0.1);
      var n = 0;
      var ids = Object.keys(u.markers);
      for (var i = 0; i < ids.length && n < LABEL_CAP; i++) {
        if (bounds.contains(u.markers[ids[i]].getLatLng())) { want[ids[i]] = true; n++; }
      }
    }
    Object.keys(u.labelled).forEach(function (id) {
      if (!want[id] && u.markers[id]) { u.markers[id].unbindTooltip(); u.markers[id].labelText = null; delete u.labelled[id]; }
    });
    Object.keys(want).forEach(function (id) {
      if (u.labelled[id]) return;
      var m = u.markers[id];
      m.labelText = labelText(m.unit);
      m.bindTooltip(new UnitLabel({ permanent: true, direction: "right", offset: [8, 0], className: "gc-unit-label" })
        .setContent(m.labelText));
      u.labelled[id] = true;
    });
  }

  /* One batch from Python: {now, full, rows, staleAfterMs, seq}. */
  function updateUnits(payload) {
    var t0 = performance.now();
    var msg = typeof payload === "string" ? JSON.parse(payload) : payload;
    u.clockOffset = msg.now - Date.now();
    if (msg.staleAfterMs) u.staleAfterMs = msg.staleAfterMs;
    if (msg.labelMinZoom) u.labelMinZoom = msg.labelMinZoom;
    applyRows(msg.rows, !!msg.full);
    if (msg.full) refreshLabels();
    u.batches += 1;
    requestAnimationFrame(function () {
      u.lastApplyMs = performance.now() - t0;
      if (gm.state.bridge && msg.seq !== undefined) gm.state.bridge.unitsApplied(msg.seq, u.lastApplyMs);
    });
  }

  function followUnit(id) {
    u.follow = id;
    var m = id === null ? null : u.markers[id];
    if (m) gm.state.map.panTo(m.getLatLng());
  }

  function highlightUnit(id) {
    ensureLayer();
    if (u.highlightRing) { u.group.removeLayer(u.highlightRing); u.highlightRing = null; }
    u.highlight = id;
    var m = id === null ? null : u.markers[id];
    if (!m) return false;
    u.highlightRing = L.circleMarker(m.getLatLng(), { renderer: u.renderer, radius: 16, weight: 4, color: colors().unit_highlight,
                                                       fill: false, interactive: false }).addTo(u.group);
    gm.state.map.panTo(m.getLatLng());
    return true;
  }

  /* points: [[lat, lon, ms], ...] oldest first. */
  function showTrail(id, points, minutes) {
    ensureLayer();
    if (u.trailLine) { u.group.removeLayer(u.trailLine); u.trailLine = null; }
    u.trailId = id;
    u.trailPoints = points || [];
    if (minutes) u.trailMinutes = minutes;
    if (id === null) return;
    u.trailLine = L.polyline(u.trailPoints.map(function (p) { return [p[0], p[1]]; }),
                             { renderer: u.renderer, color: colors().trail, weight: 3, opacity: 0.8, interactive: false })
      .addTo(u.group);
  }

  function extendTrail(row) {
    if (!u.trailLine || row[FIX_MS] === null) return;
    var last = u.trailPoints[u.trailPoints.length - 1];
    if (last && last[2] >= row[FIX_MS]) return;
    u.trailPoints.push([row[LAT], row[LON], row[FIX_MS]]);
    var cutoff = now() - u.trailMinutes * 60000;
    while (u.trailPoints.length > 1 && u.trailPoints[0][2] < cutoff) u.trailPoints.shift();
    u.trailLine.setLatLngs(u.trailPoints.map(function (p) { return [p[0], p[1]]; }));
  }

  function unitState(id) {
    var m = u.markers[id];
    if (!m) return null;
    var ll = m.getLatLng();
    return { lat: ll.lat, lng: ll.lng, stale: isStale(m.unit), color: m.options.color, fillColor: m.options.fillColor,
             labelled: !!u.labelled[id], callsign: m.unit[CALLSIGN] };
  }

  gm.updateUnits = updateUnits;
  gm.followUnit = followUnit;
  gm.highlightUnit = highlightUnit;
  gm.showTrail = showTrail;
  gm.unitState = unitState;
  gm.unitCount = function () { return Object.keys(u.markers).length; };
  gm.units = u;
})();
