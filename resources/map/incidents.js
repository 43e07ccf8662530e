// RuralWatch map page logic: incidents layer, legend, layer control and the API Python calls.
// Python pushes data with rw.setIncidents(rows); nothing here fetches from the network.
(function () {
  "use strict";
  const config = window.RW_CONFIG;
  const map = window[config.mapName];
  const kinds = config.kinds;
  let markerTotal = 0;
  const markersById = new Map();

  if (!map.options.maxZoom) map.setMaxZoom(18);  // no tile layer yet: clustering needs a maximum zoom
  if (map.options.minZoom === undefined) map.setMinZoom(5);
  const cluster = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 150,
    spiderfyOnMaxZoom: true,
    disableClusteringAtZoom: 16,
    maxClusterRadius: 50,
  });
  map.addLayer(cluster);

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

  function setIncidents(rows) {
    cluster.clearLayers();
    markersById.clear();
    const markers = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      const kind = kinds[row[3]] || { colour: "#555" };
      const marker = L.circleMarker([row[1], row[2]], {
        radius: 7, color: "#222", weight: 1, fillColor: kind.colour, fillOpacity: 0.9,
      });
      marker.bindPopup(() => popupHtml(row));
      marker.rwId = row[0];
      markersById.set(row[0], marker);
      markers[i] = marker;
    }
    cluster.addLayers(markers);
    markerTotal = rows.length;
    return markerTotal;
  }

  function focusIncident(id) {
    const marker = markersById.get(id);
    if (!marker) return false;
    cluster.zoomToShowLayer(marker, () => marker.openPopup());
    return true;
  }

  // Inside the app, Qt's web channel (a local qrc: resource) carries popup clicks back to Python.
  if (typeof qt !== "undefined" && qt.webChannelTransport) {
    const loader = document.createElement("script");
    loader.src = "qrc:///qtwebchannel/qwebchannel.js";
    loader.onload = () => new QWebChannel(qt.webChannelTransport, (channel) => {
      window.rwBridge = channel.objects.rwBridge;
    });
    document.head.appendChild(loader);
  }

  // Popup links ask Python to open the form; the bridge is optional (absent in plain browsers).
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.rw-open");
    if (!link) return;
    event.preventDefault();
    if (window.rwBridge) window.rwBridge.openIncident(link.dataset.id);
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

  const overlays = { "Incidents": cluster };
  if (config.boundaryName && window[config.boundaryName]) {
    const boundary = window[config.boundaryName];
    overlays["Essex Police force area"] = boundary;
    map.fitBounds(boundary.getBounds(), { padding: [8, 8] });
  }
  if (config.attribution) map.attributionControl.addAttribution(config.attribution);
  L.control.layers(null, overlays, { collapsed: false }).addTo(map);

  window.rw = {
    ready: true,
    setIncidents: setIncidents,
    focus: focusIncident,
    markerCount: () => markerTotal,
    layerCount: () => cluster.getLayers().length,
  };
  document.title = "RuralWatch map (ready)";
})();
