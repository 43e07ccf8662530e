// RuralWatch map page logic: incidents (clustered markers and a heatmap), basemap and overlay control,
// legend, selection highlight, click-to-place, and the small API Python calls through runJavaScript.
// Nothing here fetches from the network: Python pushes data in, tiles come from the rwtiles: scheme.
(function () {
  "use strict";
  const config = window.RW_CONFIG;
  const map = window[config.mapName];
  const kinds = config.kinds;
  let rows = [];
  let markers = [];
  const indexById = new Map();
  let pickMode = false;
  let highlight = null;
  let bridge = null;

  // folium only passes zoom limits to its own tile layers; clustering needs the map's maximum zoom.
  map.setMaxZoom(config.maxZoom);
  map.setMinZoom(config.minZoom);
  const cluster = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 200,
    chunkDelay: 10,
    spiderfyOnMaxZoom: true,
    disableClusteringAtZoom: 16,
    maxClusterRadius: 50,
    removeOutsideVisibleBounds: true,
  });
  map.addLayer(cluster);
  const heat = L.heatLayer([], { radius: 18, blur: 16, maxZoom: 13, minOpacity: 0.3 });
  let heatStale = true;

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  function popupHtml(row) {
    const kind = kinds[row[3]] || { name: row[3] };
    return (
      '<div class="rw-popup"><b>' + escapeHtml(kind.name) + "</b><br>" +
      escapeHtml(row[5]) + "<br>" + escapeHtml(row[6]) + "<br>Status: " + escapeHtml(row[4]) +
      '<br><a href="#" class="rw-open" data-id="' + escapeHtml(row[0]) + '">Open incident</a></div>'
    );
  }

  function onMarkerClick(event) {
    if (bridge) bridge.markerClicked(event.target.rwId);
  }

  function refreshHeat() {
    if (!map.hasLayer(heat)) { heatStale = true; return; }
    const points = new Array(rows.length);
    let max = 0;
    for (let i = 0; i < rows.length; i++) {
      const weight = rows[i].length > 7 ? rows[i][7] : 1;
      if (weight > max) max = weight;
      points[i] = [rows[i][1], rows[i][2], weight];
    }
    // Scale so a dense rural cluster reads hot without saturating the whole county.
    heat.setOptions({ max: Math.max(max, 1) * Math.max(1, Math.sqrt(rows.length) / 12) });
    heat.setLatLngs(points);
    heatStale = false;
  }

  // rows: [id, lat, lon, kind, status label, local time, place, optional heat weight]
  function setIncidents(newRows) {
    rows = newRows;
    cluster.clearLayers();
    indexById.clear();
    markers = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const kind = kinds[row[3]] || { colour: "#555" };
      const marker = L.circleMarker([row[1], row[2]], {
        radius: 7, color: "#222", weight: 1, fillColor: kind.colour, fillOpacity: 0.9,
      });
      marker.rwId = row[0];
      marker.rwRow = row;
      marker.on("click", onMarkerClick);
      markers[i] = marker;
      indexById.set(row[0], i);
    }
    cluster.addLayers(markers);
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    heatStale = true;
    refreshHeat();
    return rows.length;
  }

  cluster.on("click", (event) => {
    const marker = event.layer;
    if (!marker.getPopup()) marker.bindPopup(popupHtml(marker.rwRow));
    marker.openPopup();
  });

  function focusIncident(id, openPopup) {
    const index = indexById.get(id);
    if (index === undefined) return false;
    const marker = markers[index];
    if (highlight) map.removeLayer(highlight);
    highlight = L.circleMarker(marker.getLatLng(), {
      radius: 14, color: "#00e5ff", weight: 4, fill: false, interactive: false,
    }).addTo(map);
    highlight.rwId = id;
    cluster.zoomToShowLayer(marker, () => {
      if (openPopup) {
        if (!marker.getPopup()) marker.bindPopup(popupHtml(marker.rwRow));
        marker.openPopup();
      }
    });
    return true;
  }

  function setPickMode(on) {
    pickMode = !!on;
    map.getContainer().classList.toggle("rw-picking", pickMode);
    return pickMode;
  }

  map.on("click", (event) => {
    if (pickMode && bridge) bridge.mapClicked(event.latlng.lat, event.latlng.lng);
  });

  // Inside the app, Qt's web channel (a local qrc: resource) carries clicks back to Python.
  if (typeof qt !== "undefined" && qt.webChannelTransport) {
    const loader = document.createElement("script");
    loader.src = "qrc:///qtwebchannel/qwebchannel.js";
    loader.onload = () => new QWebChannel(qt.webChannelTransport, (channel) => {
      bridge = channel.objects.rwBridge;
    });
    document.head.appendChild(loader);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.rw-open");
    if (!link) return;
    event.preventDefault();
    if (bridge) bridge.openIncident(link.dataset.id);
  });

  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "rw-legend");
    div.innerHTML = "<b>Incidents</b><br>" + Object.keys(kinds).map((key) =>
      '<span class="rw-swatch" style="background:' + kinds[key].colour + '"></span>' +
      escapeHtml(kinds[key].name)).join("<br>");
    return div;
  };
  legend.addTo(map);

  const baseLayers = {};
  const baseNames = Object.keys(config.baseLayers);
  if (baseNames.length === 0) {
    baseLayers["Plain background"] = L.layerGroup().addTo(map);
  } else {
    baseNames.forEach((name) => { baseLayers[name] = window[config.baseLayers[name]]; });
    baseLayers["Plain background"] = L.layerGroup();
  }
  const overlays = { "Incidents": cluster, "Heatmap": heat };
  Object.keys(config.overlays).forEach((name) => { overlays[name] = window[config.overlays[name]]; });
  const layers = L.control.layers(baseLayers, overlays, { collapsed: true }).addTo(map);
  map.on("overlayadd", (event) => { if (event.layer === heat && heatStale) refreshHeat(); });
  if (config.fitTo && window[config.fitTo]) map.fitBounds(window[config.fitTo].getBounds(), { padding: [8, 8] });
  if (config.attribution) map.attributionControl.addAttribution(config.attribution);

  window.rw = {
    ready: true,
    setIncidents: setIncidents,
    focus: focusIncident,
    setPickMode: setPickMode,
    markerCount: () => rows.length,
    layerCount: () => cluster.getLayers().length,
    setHeatVisible: (on) => { if (on) map.addLayer(heat); else map.removeLayer(heat); return map.hasLayer(heat); },
    baseLayerNames: () => Object.keys(baseLayers),
    showBaseLayer: (name) => {
      Object.values(baseLayers).forEach((layer) => map.removeLayer(layer));
      map.addLayer(baseLayers[name]);
      return name;
    },
    view: () => ({ lat: map.getCenter().lat, lon: map.getCenter().lng, zoom: map.getZoom() }),
    setView: (lat, lon, zoom) => { map.setView([lat, lon], zoom); return zoom; },
    layers: layers,
    highlightedId: () => (highlight ? highlight.rwId : null),
    // For tests and scripted checks: the marker drawn for an incident, as a user would click it.
    markerFor: (id) => { const i = indexById.get(id); return i === undefined ? null : markers[i]; },
    leafletMap: map,
  };
})();
