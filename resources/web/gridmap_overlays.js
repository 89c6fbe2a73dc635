/* Named overlay layers that later features draw without new JS: patrol status,
 * open work orders, … Each is a list of GeoJSON Features already shifted onto the
 * basemap, with properties {id, tooltip, style: {color, fillColor, weight, radius,
 * dashArray, fillOpacity}}. A click reports (layer name, feature id) to Python.
 * Loaded after gridmap.js; adds its functions to `gridmap`. */
(function () {
  "use strict";
  var gm = window.gridmap;
  var o = { layers: {}, counts: {} };

  function esc(t) { return String(t === null || t === undefined ? "" : t).replace(/[&<>"]/g, function (c) {
    return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }

  function styleOf(feature) {
    var st = (feature.properties && feature.properties.style) || {};
    var fallback = gm.state.config.colors.overlay_default;
    return { color: st.color || fallback, fillColor: st.fillColor || st.color || fallback,
             weight: st.weight === undefined ? 3 : st.weight, opacity: 0.95,
             fillOpacity: st.fillOpacity === undefined ? 0.6 : st.fillOpacity,
             dashArray: st.dashArray || null, radius: st.radius || 9 };
  }

  function setOverlay(name, features) {
    if (o.layers[name]) { gm.state.map.removeLayer(o.layers[name]); delete o.layers[name]; }
    o.counts[name] = 0;
    if (!features || !features.length) return 0;
    var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: styleOf,
      pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, styleOf(feature)); },
      onEachFeature: function (feature, lyr) {
        var props = feature.properties || {};
        if (props.tooltip) lyr.bindTooltip(esc(props.tooltip), { direction: "top", className: "gc-tooltip" });
        lyr.on("click", function () {
          if (gm.state.bridge) gm.state.bridge.overlayClicked(name, String(props.id));
        });
        o.counts[name] += 1;
      }
    });
    layer.addTo(gm.state.map);
    o.layers[name] = layer;
    return o.counts[name];
  }

  gm.setOverlay = setOverlay;
  gm.overlayCount = function (name) { return o.counts[name] || 0; };
  gm.overlays = o;
})();
