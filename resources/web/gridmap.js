/* Grid Command map module: the page side of the one bridge to Python.
 * Static layers arrive as folium GeoJSON layers and are registered here;
 * Python talks to the page only through the functions on `gridmap`. */
(function () {
  "use strict";
  var state = {
    map: null,
    layers: {},      // layer name -> [L.GeoJSON]
    index: {},       // "layer/code" -> Leaflet layer
    config: null,
    bridge: null,
    ready: false,
    errors: [],
    gridLabels: []   // [layer, name] waiting for init
  };

  function esc(text) {
    return String(text === undefined || text === null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function label(group, key) {
    var labels = (state.config && state.config.labels && state.config.labels[group]) || {};
    return labels[key] || key;
  }

  // Which properties a popup shows, per layer, in order.
  var POPUP_FIELDS = {
    grids: ["code", "commander", "political_commissar", "phone"],
    stations: ["kind", "grid_code", "phone"],
    points: ["grid_code", "radius_m", "visits_per_shift", "time_windows"],
    lines: ["grid_code", "corridor_m", "passes_per_shift", "time_windows"],
    targets: ["kind", "grid_code"],
    streets: ["kind"]
  };

  function popupHtml(layerName, props) {
    var rows = [];
    (POPUP_FIELDS[layerName] || []).forEach(function (key) {
      var value = props[key];
      if (value === undefined || value === null || value === "") return;
      if (Array.isArray(value)) value = value.length ? value.join("、") : label("fields", "any_time");
      if (key === "kind") value = label("kinds", value);
      rows.push("<tr><th>" + esc(label("fields", key)) + "</th><td>" + esc(value) + "</td></tr>");
    });
    return '<div class="gc-popup"><div class="gc-popup-title">' + esc(props.name) +
      '</div><div class="gc-popup-layer">' + esc(label("layers", layerName)) + "</div>" +
      "<table>" + rows.join("") + "</table></div>";
  }

  function bindFeature(layerName, feature, layer) {
    var props = feature.properties || {};
    state.index[layerName + "/" + props.code] = layer;
    layer.bindPopup(popupHtml(layerName, props), { maxWidth: 320 });
    if (layerName === "grids") {
      // Bound in init, once the map has the pane that keeps grid names below the markers.
      state.gridLabels.push([layer, props.name]);
    } else if (layerName !== "streets") {
      layer.bindTooltip(esc(props.name), { direction: "top", className: "gc-tooltip" });
    } else {
      layer.bindTooltip(esc(props.name), { sticky: true, className: "gc-tooltip" });
    }
    layer.on("click", function () {
      if (state.bridge) state.bridge.featureClicked(layerName, String(props.code));
    });
  }

  function countFeatures(group) {
    var n = 0;
    group.eachLayer(function () { n += 1; });
    return n;
  }

  function layerCounts() {
    var counts = {};
    Object.keys(state.layers).forEach(function (name) {
      counts[name] = state.layers[name].reduce(function (sum, g) { return sum + countFeatures(g); }, 0);
    });
    return counts;
  }

  function addLegend() {
    var cfg = state.config;
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gc-legend");
        // Collapsed on small views so it never hides a grid; a click opens it.
        if (state.map.getSize().x < 1000) div.classList.add("gc-legend-collapsed");
        L.DomEvent.on(div, "click", function () { div.classList.toggle("gc-legend-collapsed"); });
        var html = ['<div class="gc-legend-title">' + esc(cfg.labels.legendTitle) + "</div>"];
        cfg.legend.forEach(function (item) {
          var sym;
          if (item.kind === "grid") sym = '<span class="gc-sym-grid" style="border-color:' + item.color + '"></span>';
          else if (item.kind === "line") sym = '<span class="gc-sym-line" style="border-color:' + item.color + '"></span>';
          else if (item.kind === "point") sym = '<span class="gc-sym-point" style="border-color:' + item.color + '"></span>';
          else if (item.kind === "unit") sym = '<span class="gc-sym-unit" style="background:' + item.fill +
            ";border-color:" + item.stroke + (item.dashed ? ";border-style:dashed" : "") + '"></span>';
          else sym = '<span class="gc-badge gc-badge-small" style="background:' + item.color + '">' + esc(item.glyph) + "</span>";
          html.push('<div class="gc-legend-row">' + sym + "<span>" + esc(item.label) + "</span></div>");
        });
        if (cfg.labels.basemapNote) html.push('<div class="gc-legend-note">' + esc(cfg.labels.basemapNote) + "</div>");
        div.innerHTML = html.join("");
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    new Legend().addTo(state.map);
  }

  function announceReady() {
    // Two frames: the layers have been drawn, not only created.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        state.ready = true;
        var info = JSON.stringify({ counts: layerCounts() });
        if (state.bridge) state.bridge.pageReady(info);
      });
    });
  }

  function connectBridge() {
    if (typeof QWebChannel === "undefined" || typeof qt === "undefined" || !qt.webChannelTransport) {
      announceReady();  // a plain browser (tests of the page without Qt)
      return;
    }
    new QWebChannel(qt.webChannelTransport, function (channel) {
      state.bridge = channel.objects.bridge;
      state.bridge.sig_units_pushed.connect(function (payload) { window.gridmap.updateUnits(payload); });
      announceReady();
    });
  }

  function gridBounds() {
    var bounds = null;
    (state.layers.grids || []).forEach(function (g) {
      if (g.getLayers().length) bounds = bounds ? bounds.extend(g.getBounds()) : L.latLngBounds(g.getBounds());
    });
    return bounds;
  }

  function init(map, layers, config) {
    state.map = map;
    // Below the markers, so an incident in a grid's middle is never hidden by its name.
    if (!map.getPane("gcGridLabels")) map.createPane("gcGridLabels").style.zIndex = 450;
    state.gridLabels.forEach(function (pair) {
      pair[0].bindTooltip(esc(pair[1]), { permanent: true, direction: "center", className: "gc-grid-label",
                                          pane: "gcGridLabels" });
    });
    state.layers = layers;
    state.config = config;
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);  // metric only
    // A neutral attribution: Leaflet's default prefix carries a national flag.
    if (map.attributionControl) map.attributionControl.setPrefix("Leaflet");
    addLegend();
    // The window settles its dock layout after the page loads: keep the city in view
    // until the user moves the map themselves.
    var container = map.getContainer();
    ["mousedown", "wheel", "touchstart", "keydown"].forEach(function (name) {
      container.addEventListener(name, function () { state.userMoved = true; }, { passive: true });
    });
    map.on("resize", function () {
      var bounds = gridBounds();
      if (!state.userMoved && bounds) map.fitBounds(bounds, { padding: [10, 10], animate: false });
    });
    map.on("click", function (e) {
      if (state.bridge) state.bridge.mapClicked(e.latlng.lng, e.latlng.lat);
    });
    connectBridge();
  }

  function flyToBounds(minLon, minLat, maxLon, maxLat) {
    var bounds = L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
    state.map.flyToBounds(bounds, { maxZoom: 17, duration: 0.6 });
  }

  function showFeature(layerName, code) {
    var layer = state.index[layerName + "/" + code];
    if (!layer) return false;
    if (layer.getBounds) state.map.flyToBounds(layer.getBounds(), { maxZoom: 17, duration: 0.6 });
    else state.map.flyTo(layer.getLatLng(), Math.max(state.map.getZoom(), 17), { duration: 0.6 });
    state.map.once("moveend", function () { layer.openPopup(); });
    return true;
  }

  window.addEventListener("error", function (e) { state.errors.push(String(e.message)); });

  window.gridmap = {
    init: init,
    bindFeature: bindFeature,
    layerCounts: layerCounts,
    flyToBounds: flyToBounds,
    showFeature: showFeature,
    state: state
  };
})();
