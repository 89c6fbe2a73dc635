/* Editing must-visit points and must-patrol lines on the map with Leaflet-Geoman
 * (vendored, resources/web/vendor/leaflet-geoman). Loaded after Geoman and before folium
 * creates its layers, so Geoman runs opt-in: only the points and lines an edit mode
 * takes in are editable, never grids, streets or units.
 *
 * The page decides nothing: a drawn shape, a moved shape or a delete click goes to
 * Python through the bridge (placeDrawn / placeMoved / placeDeleteRequested) with its
 * GeoJSON geometry on the basemap; Python validates it, writes a new version through
 * the operation runner and sends the layer back with replaceLayer — the page itself is
 * never reloaded, so zoom and centre stay where the commander left them.
 * Adds its functions to `gridmap`. */
(function () {
  "use strict";
  var gm = window.gridmap;
  if (window.L && L.PM) L.PM.setOptIn(true);
  var EDITABLE = ["points", "lines"];
  var MODES = ["point", "line", "move", "vertices", "delete"];
  var e = { mode: null, sent: [], replaced: 0, vertexLayer: null, vertexCode: null };

  function bridge() { return gm.state.bridge; }

  function pmMap() {
    var map = gm.state.map;
    if (!map.pm) {
      // The map was created after opt-in: take it in explicitly.
      map.options.pmIgnore = false;
      L.PM.reInitLayer(map);
      // No Geoman tooltips: they are English only; the dock says what each tool does.
      map.pm.setGlobalOptions({ snappable: false, tooltips: false });
      map.on("pm:create", onCreate);
    }
    return map.pm;
  }

  function send(name, args) {
    e.sent.push([name].concat(args));
    if (bridge()) bridge()[name].apply(bridge(), args);
  }

  function eachEditable(fn) {
    EDITABLE.forEach(function (layerName) {
      (gm.state.layers[layerName] || []).forEach(function (group) {
        group.eachLayer(function (lyr) { fn(layerName, lyr); });
      });
    });
  }

  function takeIn(layerName, lyr) {
    if (lyr._gcEditable) return;
    lyr._gcEditable = true;
    lyr.options.pmIgnore = false;
    L.PM.reInitLayer(lyr);
    var code = String((lyr.feature && lyr.feature.properties && lyr.feature.properties.code) || "");
    lyr.on("pm:edit", function () {
      send("placeMoved", [layerName, code, JSON.stringify(lyr.toGeoJSON().geometry)]);
    });
    lyr.on("click", function () {
      if (e.mode === "delete") {
        lyr.closePopup();
        send("placeDeleteRequested", [layerName, code]);
      } else if (e.mode === "vertices" && layerName === "lines") {
        // One line's vertices at a time: every line's markers at once hide the map.
        lyr.closePopup();
        editVertices(lyr);
      }
    });
  }

  function editVertices(lyr) {
    if (e.vertexLayer && e.vertexLayer !== lyr && e.vertexLayer.pm) e.vertexLayer.pm.disable();
    e.vertexLayer = lyr;
    e.vertexCode = String(lyr.feature.properties.code);
    lyr.pm.enable({ draggable: false, snappable: false, allowSelfIntersection: true });
  }

  function stopVertices() {
    var lyr = e.vertexLayer;
    if (lyr && lyr.pm) {
      lyr.pm.disable();
      // enable() kept draggable: false on the layer; the move tool needs it back.
      lyr.pm.setOptions({ draggable: true });
    }
    e.vertexLayer = null;
  }

  function onCreate(ev) {
    var geometry = ev.layer.toGeoJSON().geometry;
    // The drawn shape is only a sketch: the stored version comes back through replaceLayer.
    gm.state.map.removeLayer(ev.layer);
    var layerName = ev.shape === "Line" ? "lines" : "points";
    send("placeDrawn", [layerName, JSON.stringify(geometry)]);
  }

  function stopAll(pm) {
    pm.disableDraw();
    if (pm.globalDragModeEnabled()) pm.disableGlobalDragMode();
    if (pm.globalEditModeEnabled()) pm.disableGlobalEditMode();
    stopVertices();
  }

  /* While editing, only the points and lines answer the mouse: the shapes drawn over or under
   * them on the same canvas (the patrol status overlay, grids, streets) would otherwise take
   * the clicks and drags meant for them. */
  function quiet(on) {
    function set(lyr) { if (lyr instanceof L.Path) lyr.options.interactive = !on; }
    Object.keys(gm.state.layers).forEach(function (layerName) {
      if (EDITABLE.indexOf(layerName) >= 0) return;
      gm.state.layers[layerName].forEach(function (g) { g.eachLayer(set); });
    });
    var overlays = (gm.overlays && gm.overlays.layers) || {};
    Object.keys(overlays).forEach(function (name) { overlays[name].eachLayer(set); });
  }

  function setEditMode(mode) {
    if (mode !== null && MODES.indexOf(mode) < 0) return false;
    var pm = pmMap();
    var keep = mode === "vertices" && e.mode === "vertices" ? e.vertexCode : null;
    stopAll(pm);
    e.mode = mode;
    var container = gm.state.map.getContainer();
    container.classList.toggle("gc-editing", mode !== null);
    quiet(mode !== null);
    // Clicks in quick succession (a line's vertices, a place then its neighbour) are not a zoom.
    var dbl = gm.state.map.doubleClickZoom;
    if (dbl) { if (mode !== null) dbl.disable(); else dbl.enable(); }
    if (mode === null) return true;
    eachEditable(takeIn);
    if (mode === "point") pm.enableDraw("CircleMarker", { continueDrawing: true, editable: false });
    else if (mode === "line") pm.enableDraw("Line", { continueDrawing: true });
    else if (mode === "move") pm.enableGlobalDragMode();
    else if (mode === "vertices" && keep) {
      // The line being edited was replaced by its stored version: keep editing that one.
      eachEditable(function (layerName, lyr) {
        if (layerName === "lines" && String(lyr.feature.properties.code) === keep) editVertices(lyr);
      });
    }
    return true;
  }

  function replaceLayer(layerName, features) {
    var groups = gm.state.layers[layerName] || [];
    if (!groups.length) return 0;
    var prefix = layerName + "/";
    Object.keys(gm.state.index).forEach(function (key) {
      if (key.indexOf(prefix) === 0) delete gm.state.index[key];
    });
    groups.forEach(function (g) { g.clearLayers(); });
    groups[0].addData({ type: "FeatureCollection", features: features || [] });
    e.replaced += 1;
    // New layers join the edit mode in force (Geoman's global modes take in only what existed).
    if (e.mode !== null) setEditMode(e.mode);
    var n = 0;
    groups.forEach(function (g) { n += g.getLayers().length; });
    return n;
  }

  /* What tests read: the mode, the shapes drawn on each editable layer and what went to Python. */
  function editState() {
    var shapes = {};
    EDITABLE.forEach(function (layerName) {
      shapes[layerName] = {};
      (gm.state.layers[layerName] || []).forEach(function (g) {
        g.eachLayer(function (lyr) {
          var p = lyr.feature && lyr.feature.properties;
          if (p) shapes[layerName][p.code] = lyr.toGeoJSON().geometry.coordinates;
        });
      });
    });
    return { mode: e.mode, shapes: shapes, vertexLine: e.vertexLayer ? e.vertexCode : null, sent: e.sent, replaced: e.replaced,
             zoom: gm.state.map.getZoom(), center: gm.state.map.getCenter() };
  }

  /* Container pixel of a coordinate on the basemap, for tests that click and drag for real. */
  function pixelOf(lng, lat) {
    var p = gm.state.map.latLngToContainerPoint([lat, lng]);
    var r = gm.state.map.getContainer().getBoundingClientRect();
    return { x: p.x + r.left, y: p.y + r.top };
  }

  // An overlay redrawn while editing stays out of the way too.
  var setOverlay = gm.setOverlay;
  gm.setOverlay = function (name, features) {
    var n = setOverlay(name, features);
    if (e.mode !== null) quiet(true);
    return n;
  };

  gm.setEditMode = setEditMode;
  gm.replaceLayer = replaceLayer;
  gm.editState = editState;
  gm.pixelOf = pixelOf;
  gm.edit = e;
})();
