// RuralWatch map page logic: incidents (clustered markers and a heatmap), basemap and overlay control,
// legend, selection highlight, click-to-place, and the small API Python calls through runJavaScript.
// Nothing here fetches from the network: Python pushes data in, tiles come from the rwtiles: scheme.
//
// Clustering uses supercluster (a k-d tree index built once per data push, about 0.1 s for 100k points) and
// draws only the clusters and points in view; leaflet.markercluster's stylesheet gives the cluster badges
// their familiar look. Building one Leaflet marker per incident up front (markercluster's way) took over a
// second for 100k incidents and again on every filter change.
//
// Memory: the page keeps the incidents as columns (typed arrays and one array of places), not an array per
// incident, and supercluster's points are made on demand from them (pointsOf). Big data never comes as script
// source: a script run by runJavaScript is kept by the page (its text, twice the size as UTF-16, and the literal's
// copy) for as long as the page lives, so each push of 100k rows as a literal kept ~20 MB more. Python offers the
// rows in parts instead, which the page fetches from its rwrows: scheme (rw.loadRows) and drops once it has the
// columns: each part's text and row arrays are young garbage, freed at once.
(function () {
  "use strict";
  const config = window.RW_CONFIG;
  const map = window[config.mapName];
  const kinds = config.kinds;
  const statuses = config.statuses;
  const CLUSTER_MAX_ZOOM = 15; // from zoom 16 every incident is drawn on its own
  const FOCUS_ZOOM = 14; // selecting an incident zooms in to about a neighbourhood (scale bar ~500 m), no further
  // Rows arrive as [handle, lat, lon, kind index, status index, occurred (epoch minutes), place, optional heat
  // weight]; the handle is the number Python knows the incident by for this page (IncidentRepository.map_json).
  // They are kept as one column per field, incident i at index i of each.
  let cols = columnsOf([]);
  const unknownKind = { key: "?", name: "Unknown kind", colour: "#555", icon: "?" };
  const indexById = new Map();
  let index = null;
  let pickMode = false;
  let highlightId = null;
  let bridge = null;
  let drawnAt = 0;

  // folium only passes zoom limits to its own tile layers; the map needs them for clustering and the basemaps.
  map.setMaxZoom(config.maxZoom);
  map.setMinZoom(config.minZoom);

  const incidentsLayer = L.layerGroup().addTo(map);
  const heat = L.heatLayer([], { radius: 18, blur: 16, maxZoom: 13, minOpacity: 0.3 });
  let heatStale = true;
  const drawnMarkers = new Map(); // id -> marker currently on the map

  const timeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
    minute: "2-digit", hourCycle: "h23",
  });

  function localTime(epochMinutes) {
    const parts = {};
    timeFormat.formatToParts(new Date(epochMinutes * 60000)).forEach((p) => { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({
      "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;",
    })[c]);
  }

  function columnsOf(rows, places) {
    const n = rows.length;
    const c = {
      count: n, handle: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n),
      kind: new Int8Array(n), status: new Int8Array(n), minutes: new Float64Array(n), place: new Array(n),
      weight: null,
    };
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      c.handle[i] = row[0];
      c.lat[i] = row[1];
      c.lon[i] = row[2];
      c.kind[i] = row[3];
      c.status[i] = row[4];
      c.minutes[i] = row[5];
      const place = row[6];
      const known = places ? places.get(place) : undefined;
      if (known !== undefined) {
        c.place[i] = known;
      } else {
        c.place[i] = place;
        if (places) places.set(place, place);
      }
      if (row.length > 7) {
        if (!c.weight) c.weight = new Float32Array(n).fill(1);
        c.weight[i] = row[7];
      }
    }
    return c;
  }

  function joinColumns(parts) {
    if (parts.length === 1) return parts[0];
    let n = 0;
    let weighted = false;
    for (const p of parts) { n += p.count; weighted = weighted || !!p.weight; }
    const c = {
      count: n, handle: new Float64Array(n), lat: new Float64Array(n), lon: new Float64Array(n),
      kind: new Int8Array(n), status: new Int8Array(n), minutes: new Float64Array(n), place: new Array(n),
      weight: weighted ? new Float32Array(n).fill(1) : null,
    };
    let at = 0;
    for (const p of parts) {
      for (const key of ["handle", "lat", "lon", "kind", "status", "minutes"]) c[key].set(p[key], at);
      if (p.weight) c.weight.set(p.weight, at);
      for (let i = 0; i < p.count; i++) c.place[at + i] = p.place[i];
      at += p.count;
    }
    return c;
  }

  // What supercluster needs of points: it reads points[i].geometry.coordinates while it builds its index and hands
  // points[i] back for an incident not in a cluster. Made on demand from [lon, lat] columns, so no feature object
  // per incident is kept (100k of them took ~10 MB).
  function pointsOf(count, lonAt, latAt) {
    return new Proxy([], {
      get(target, key) {
        if (key === "length") return count;
        const i = typeof key === "string" ? Number(key) : NaN;
        if (!Number.isInteger(i)) return target[key];
        return { type: "Feature", properties: { i: i }, geometry: { type: "Point", coordinates: [lonAt(i), latAt(i)] } };
      },
    });
  }

  function popupHtml(c, i) {
    const kind = kinds[c.kind[i]] || unknownKind;
    return (
      '<div class="rw-popup"><b>' + escapeHtml(kind.name) + "</b><br>" +
      escapeHtml(localTime(c.minutes[i])) + "<br>" + escapeHtml(c.place[i]) + "<br>Status: " +
      escapeHtml(statuses[c.status[i]] || "unknown") +
      '<br><a href="#" class="rw-open" data-id="' + escapeHtml(c.handle[i]) + '">Open incident</a></div>'
    );
  }

  function clusterIcon(count) {
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    const label = count >= 10000 ? Math.round(count / 1000) + "k" : String(count);
    return L.divIcon({
      html: "<div><span>" + label + "</span></div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40),
    });
  }

  // Individual incidents: a pin in the kind's colour carrying the kind's letter (as in the legend).
  // Only incidents not absorbed into a cluster are drawn this way, so there are never many at once.
  const pinIcons = kinds.map((kind) => L.divIcon({
    html: '<span style="background:' + kind.colour + '">' + escapeHtml(kind.icon) + "</span>",
    className: "rw-pin", iconSize: L.point(20, 20),
  }));
  const unknownPin = L.divIcon({ html: "<span>?</span>", className: "rw-pin", iconSize: L.point(20, 20) });

  function incidentMarker(rowIndex, at) {
    const kind = kinds[cols.kind[rowIndex]] || unknownKind;
    const handle = cols.handle[rowIndex];
    const marker = L.marker(at || [cols.lat[rowIndex], cols.lon[rowIndex]], {
      icon: pinIcons[cols.kind[rowIndex]] || unknownPin, title: kind.name + ", " + cols.place[rowIndex],
      keyboard: false,
    });
    marker.rwId = handle;
    const c = cols;
    marker.bindPopup(() => popupHtml(c, rowIndex));
    marker.on("click", () => { if (bridge) bridge.markerClicked(handle); });
    return marker;
  }

  function render() {
    incidentsLayer.clearLayers();
    drawnMarkers.clear();
    if (index) {
      const bounds = map.getBounds().pad(0.25);
      const zoom = Math.round(map.getZoom());
      const found = index.getClusters(
        [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()], zoom,
      );
      const singles = [];
      for (const feature of found) {
        const [lon, lat] = feature.geometry.coordinates;
        if (feature.properties.cluster) {
          const clusterId = feature.properties.cluster_id;
          const badge = L.marker([lat, lon], { icon: clusterIcon(feature.properties.point_count) });
          badge.on("click", () => {
            const target = Math.min(index.getClusterExpansionZoom(clusterId), config.maxZoom);
            map.setView([lat, lon], target);
          });
          incidentsLayer.addLayer(badge);
        } else {
          singles.push(feature.properties.i);
        }
      }
      // Repeat incidents at one farm share a spot: fan them out in a small ring so each can be clicked.
      const bySpot = new Map();
      for (const i of singles) {
        const key = cols.lat[i].toFixed(5) + "," + cols.lon[i].toFixed(5);
        if (!bySpot.has(key)) bySpot.set(key, []);
        bySpot.get(key).push(i);
      }
      for (const group of bySpot.values()) {
        const centre = map.latLngToLayerPoint([cols.lat[group[0]], cols.lon[group[0]]]);
        const radius = group.length > 1 ? 14 + 3 * group.length : 0;
        group.forEach((rowIndex, k) => {
          const angle = (2 * Math.PI * k) / group.length;
          const at = map.layerPointToLatLng(centre.add(L.point(radius * Math.cos(angle), radius * Math.sin(angle))));
          const marker = incidentMarker(rowIndex, at);
          drawnMarkers.set(cols.handle[rowIndex], marker);
          incidentsLayer.addLayer(marker);
        });
      }
    }
    if (highlightId !== null) drawHighlight();
  }

  let highlightRing = null;
  function drawHighlight() {
    if (highlightRing) map.removeLayer(highlightRing);
    highlightRing = null;
    const i = indexById.get(highlightId);
    if (i === undefined) return;
    highlightRing = L.circleMarker([cols.lat[i], cols.lon[i]], {
      radius: 14, color: "#00e5ff", weight: 4, fill: false, interactive: false,
    }).addTo(map);
  }

  function refreshHeat() {
    if (!map.hasLayer(heat)) { heatStale = true; return; }
    const points = new Array(cols.count);
    let max = 0;
    for (let i = 0; i < cols.count; i++) {
      const weight = cols.weight ? cols.weight[i] : 1;
      if (weight > max) max = weight;
      points[i] = [cols.lat[i], cols.lon[i], weight];
    }
    // Scale so a dense rural cluster reads hot without saturating the whole county.
    heat.setOptions({ max: Math.max(max, 1) * Math.max(1, Math.sqrt(cols.count) / 12) });
    heat.setLatLngs(points);
    heatStale = false;
  }

  function setIncidents(newRows) {
    return setColumns(columnsOf(newRows, new Map()));
  }

  function setColumns(c) {
    const started = performance.now();
    cols = c;
    indexById.clear();
    for (let i = 0; i < c.count; i++) indexById.set(c.handle[i], i);
    index = new Supercluster({ radius: 60, maxZoom: CLUSTER_MAX_ZOOM, minPoints: 2 });
    index.load(pointsOf(c.count, (i) => c.lon[i], (i) => c.lat[i]));
    if (highlightId !== null && !indexById.has(highlightId)) highlightId = null;
    if (highlightId === null && highlightRing) { map.removeLayer(highlightRing); highlightRing = null; }
    render();
    heatStale = true;
    refreshHeat();
    drawnAt = performance.now() - started;
    return c.count;
  }

  // Every incident shown, in view (Map ▸ Show all incidents): a kept fit like the force area's, so a dock opening
  // beside the map fits them into the new size again. False when there is nothing to show.
  function fitIncidents() {
    let south = 90, west = 180, north = -90, east = -180;
    for (let i = 0; i < cols.count; i++) {
      const lat = cols.lat[i], lon = cols.lon[i];
      if (!Number.isFinite(lat) || !Number.isFinite(lon)) continue;
      if (lat < south) south = lat;
      if (lat > north) north = lat;
      if (lon < west) west = lon;
      if (lon > east) east = lon;
    }
    if (south > north) return false;
    fitTo(L.latLngBounds([south, west], [north, east]), FOCUS_ZOOM);
    return true;
  }

  // What the window puts on the map while there is no basemap (how to add one): `text` as a note at the top right,
  // whose × leaves `line`, a small line at the bottom left (the note covered the map at every sign-in); with
  // `compact`, only the line. Either one's link asks the window to add a basemap (bridge.addBasemap).
  let hintControl = null;
  let hintMode = "";
  function showHint(text, line, compact) {
    if (hintControl) { map.removeControl(hintControl); hintControl = null; }
    hintMode = "";
    const small = Boolean(compact) || !text;
    const shown = small ? line : text;
    if (!shown) return false;
    hintControl = L.control({ position: small ? "bottomleft" : "topright" });
    hintControl.onAdd = function () {
      const div = L.DomUtil.create("div", small ? "rw-hint-line" : "rw-hint");
      if (!small) {
        const close = L.DomUtil.create("button", "rw-hint-close", div);
        close.type = "button";
        close.title = "Hide this note (a short line stays)";
        close.textContent = "×";
        close.addEventListener("click", () => {
          showHint("", line, true);
          withBridge((b) => b.hintDismissed());
        });
      }
      L.DomUtil.create("span", "rw-hint-text", div).textContent = shown;
      const add = L.DomUtil.create("button", "rw-hint-add", div);
      add.type = "button";
      add.textContent = "Add basemap…";
      add.addEventListener("click", () => withBridge((b) => b.addBasemap()));
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    hintControl.addTo(map);
    hintMode = small ? "line" : "note";
    return true;
  }

  // The view before selecting an incident zoomed in on it, to go back to when it goes (deleted): left at street
  // level, the map showed an empty field. Kept across selecting one incident after another; forgotten once the user
  // moves the map themselves (they chose where it is).
  let viewBeforeFocus = null;
  let focusing = false; // moves made by focusIncident (and its popup's pan), not the user's
  function focusIncident(id, openPopup) {
    const i = indexById.get(id);
    if (i === undefined) return false;
    highlightId = id;
    const latlng = L.latLng(cols.lat[i], cols.lon[i]);
    // In to a neighbourhood at most (never out of a closer view): the walk was taken to street level (100 m) on
    // every row, with nothing round the incident to place it by.
    const zoom = Math.max(map.getZoom(), FOCUS_ZOOM);
    if (viewBeforeFocus === null) viewBeforeFocus = { center: map.getCenter(), zoom: map.getZoom() };
    focusing = true;
    try {
      map.setView(latlng, zoom, { animate: false });
      render();
      const marker = drawnMarkers.get(id);
      if (openPopup && marker) marker.openPopup();
      // Still inside a cluster at this zoom: the ring marks it, and its popup opens at the spot by itself.
      else if (openPopup) L.popup().setLatLng(latlng).setContent(popupHtml(cols, i)).openOn(map);
    } finally {
      focusing = false;
    }
    return true;
  }

  // The focused incident is gone: no ring, no popup, and the view from before the focus (if the user has not moved
  // the map since). True when the view went back.
  function leaveFocus() {
    highlightId = null;
    if (highlightRing) { map.removeLayer(highlightRing); highlightRing = null; }
    map.closePopup();
    const back = viewBeforeFocus;
    viewBeforeFocus = null;
    if (back === null) return false;
    focusing = true;
    try {
      map.setView(back.center, back.zoom, { animate: false });
    } finally {
      focusing = false;
    }
    return true;
  }
  map.on("movestart", () => { if (!focusing) viewBeforeFocus = null; });

  function setPickMode(on) {
    pickMode = !!on;
    map.getContainer().classList.toggle("rw-picking", pickMode);
    return pickMode;
  }

  map.on("moveend", render);
  map.on("click", (event) => {
    if (pickMode && bridge) bridge.mapClicked(event.latlng.lat, event.latlng.lng);
  });

  // Inside the app, Qt's web channel (a local qrc: resource) carries clicks back to Python, and the rows Python
  // offers (rw.loadRows) to the page. What needs the bridge before it is connected waits for it.
  const bridgeWaiters = [];
  function withBridge(callback) {
    if (bridge) callback(bridge); else bridgeWaiters.push(callback);
  }
  if (typeof qt !== "undefined" && qt.webChannelTransport) {
    const loader = document.createElement("script");
    loader.src = "qrc:///qtwebchannel/qwebchannel.js";
    loader.onload = () => new QWebChannel(qt.webChannelTransport, (channel) => {
      bridge = channel.objects.rwBridge;
      bridgeWaiters.splice(0).forEach((callback) => callback(bridge));
    });
    document.head.appendChild(loader);
  }

  // Rows offered by Python under `token` in `parts` (MapView.show_incidents, show_context): each part is fetched from
  // rwrows://<token>/<part> and parsed; incidents are turned into columns part by part, so the text and the row
  // arrays are small and short-lived. Then the count is told back on the web channel (bridge.rowsShown).
  const rowTargets = {
    incidents: { take: (rows, places) => columnsOf(rows, places), done: (taken) => setColumns(joinColumns(taken)) },
    context: { take: (rows) => rows, done: (taken) => setContext([].concat(...taken)) },
  };
  let loadTimes = null;
  function loadRows(token, target, parts) {
    const how = rowTargets[target];
    const places = new Map(); // one string per distinct place (a farm's 40 reports share one)
    const started = performance.now();
    const fetched = [];
    for (let k = 0; k < parts; k++) {
      fetched.push(fetch("rwrows://" + token + "/" + k)
        .then((response) => {
          if (!response.ok) throw new Error("part " + k + " not offered");
          return response.text();
        })
        .then((text) => how.take(JSON.parse(text), places)));
    }
    let count = -1;
    Promise.all(fetched)
      .then((taken) => {
        const received = performance.now();
        withBridge((b) => b.rowsTaken(token)); // Python may get on with its work while the page draws
        count = how.done(taken);
        loadTimes = { transfer: received - started, draw: performance.now() - received };
      })
      .catch((error) => console.error("rows " + token + ": " + error))
      .finally(() => withBridge((b) => b.rowsShown(token, count)));
    return token;
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.rw-open");
    if (!link) return;
    event.preventDefault();
    if (bridge) bridge.openIncident(Number(link.dataset.id));
  });

  // Published crime (data.police.uk): context, kept apart from the officers' reports in its own grey layer.
  // Rows: [id, lat, lon, crime type, month].
  const contextLayer = L.layerGroup();
  let contextRows = [];
  let contextIndex = null;
  function renderContext() {
    contextLayer.clearLayers();
    if (!contextIndex || !map.hasLayer(contextLayer)) return;
    const b = map.getBounds().pad(0.25);
    for (const f of contextIndex.getClusters([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
                                             Math.round(map.getZoom()))) {
      const [lon, lat] = f.geometry.coordinates;
      if (f.properties.cluster) {
        const n = f.properties.point_count;
        const badge = L.marker([lat, lon], { icon: L.divIcon({
          html: "<div><span>" + (n >= 10000 ? Math.round(n / 1000) + "k" : n) + "</span></div>",
          className: "rw-context-cluster", iconSize: L.point(34, 34) }), keyboard: false });
        badge.on("click", () => map.setView([lat, lon], Math.min(contextIndex.getClusterExpansionZoom(
          f.properties.cluster_id), config.maxZoom)));
        contextLayer.addLayer(badge);
      } else {
        const row = contextRows[f.properties.i];
        contextLayer.addLayer(L.circleMarker([lat, lon], { radius: 4, color: "#555", weight: 1,
          fillColor: "#bbb", fillOpacity: 0.9 }).bindPopup(
          "<b>" + escapeHtml(row[3]) + "</b><br>" + escapeHtml(row[4]) + " (published, data.police.uk)"));
      }
    }
  }
  function setContext(newRows) {
    contextRows = newRows;
    contextIndex = new Supercluster({ radius: 60, maxZoom: CLUSTER_MAX_ZOOM, minPoints: 2 });
    contextIndex.load(pointsOf(newRows.length, (i) => newRows[i][2], (i) => newRows[i][1]));
    renderContext();
    return newRows.length;
  }
  map.on("moveend", renderContext);
  map.on("overlayadd", (event) => { if (event.layer === contextLayer) renderContext(); });

  // Symbols besides the incident kinds (ruralwatch.mapping.symbols): each differs by shape and colour, and none
  // carries a letter, so nothing on the map can be taken for an incident kind's letter (B, S...).
  const sym = config.symbols;
  function svgText(text, x, y, size) {
    return text ? '<text x="' + x + '" y="' + y + '" text-anchor="middle" font-family="DejaVu Sans, sans-serif" ' +
      'font-weight="bold" font-size="' + size + '" fill="#fff">' + escapeHtml(text) + "</text>" : "";
  }
  // A teardrop pin whose tip is the stop: drawn 28 x 38 (viewBox units) at `width` pixels wide.
  function stopPin(text, width) {
    const height = Math.round((width * 38) / 28);
    return '<svg class="rw-sym-stop" width="' + width + '" height="' + height + '" viewBox="0 0 28 38">' +
      '<path d="M14 36.5C9 29 2.5 22 2.5 13.5a11.5 11.5 0 0 1 23 0C25.5 22 19 29 14 36.5z" fill="' +
      sym.stop.colour + '" stroke="' + sym.stop.outline + '" stroke-width="2.5"/>' +
      svgText(text, 14, 18, String(text).length > 1 ? 11 : 13) + "</svg>";
  }
  function baseHouse(width) {
    return '<svg class="rw-sym-base" width="' + width + '" height="' + width + '" viewBox="0 0 26 26">' +
      '<path d="M13 2.5L24 12.5H20.5V23.5H5.5V12.5H2z" fill="' + sym.base.colour + '" stroke="' + sym.base.outline +
      '" stroke-width="2" stroke-linejoin="round"/><path d="M11 23.5V17h4v6.5z" fill="' + sym.base.outline +
      '"/></svg>';
  }
  function hotspotSquare(text, size) {
    return '<span class="rw-sym-hotspot" style="width:' + size + "px;height:" + size + "px;line-height:" + size +
      "px;background:" + sym.hotspot.colour + ";border-color:" + sym.hotspot.outline + '">' + escapeHtml(text) +
      "</span>";
  }

  // Map moves made by this page (fits), told apart from the user's own panning and zooming.
  let selfMove = false;
  // The last fit asked for, kept until the user (or the app) moves the map elsewhere: when the map changes size
  // (a dock opens beside it, the window is resized) the same things are fitted into the new size.
  let fitTarget = null;
  function fitPadding() {
    // Clear of the zoom buttons (top left), the layer button (top right), the legend (bottom right, wider when
    // unfolded) and the attribution and scale (bottom); 50 px at the top is a stop pin's height above its tip.
    const size = map.getSize();
    const legendWidth = legendDiv && !legendDiv.classList.contains("rw-folded") ? legendDiv.offsetWidth : 0;
    const right = Math.min(Math.max(50, legendWidth + 20), Math.round(size.x * 0.4));
    return { paddingTopLeft: [50, 50], paddingBottomRight: [right, 50] };
  }
  // `padding`: fixed Leaflet padding options instead of fitPadding()'s (the force area's first view).
  function fitTo(bounds, maxZoom, padding) {
    fitTarget = { bounds: bounds, maxZoom: maxZoom, padding: padding || null };
    refit();
  }
  function refit() {
    if (!fitTarget || !fitTarget.bounds.isValid()) return;
    const size = map.getSize();
    if (size.x < 50 || size.y < 50) return; // hidden: fitted when it gets a size (the resize event)
    selfMove = true;
    try {
      // No animation: Leaflet drops a new view asked for during a zoom animation, so an animated fit could be lost.
      const padding = fitTarget.padding ? Object.assign({}, fitTarget.padding) : fitPadding();
      map.fitBounds(fitTarget.bounds, Object.assign(padding, { maxZoom: fitTarget.maxZoom, animate: false }));
    } finally {
      selfMove = false;
    }
  }
  map.on("movestart", () => { if (!selfMove) fitTarget = null; });
  map.on("resize", refit);

  // Layers that belong to a panel are on the map only while their panel is open (rw.setPanelLayer).
  const panelShown = { route: true, hotspots: true };

  // Hotspot cells from an analysis run: ranked polygons, darker for hotter.
  const hotspotLayer = L.geoJSON(null, {
    style: (feature) => ({
      color: sym.hotspot.colour, weight: 1.5, fillColor: "#d7301f",
      fillOpacity: Math.max(0.25, 0.75 - 0.02 * (feature.properties.rank - 1)),
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip("Hotspot " + p.rank + (p.area ? ", " + escapeHtml(p.area) : ""));
    },
  });
  // Ranked squares keep 250 m cells findable when the whole county is in view.
  const hotspotBadges = L.layerGroup();
  function showHotspotLayers() {
    const on = panelShown.hotspots && hotspotLayer.getLayers().length > 0;
    [hotspotLayer, hotspotBadges].forEach((layer) => {
      if (on && !map.hasLayer(layer)) map.addLayer(layer);
      if (!on && map.hasLayer(layer)) map.removeLayer(layer);
    });
    updateLegend();
  }
  function setHotspots(collection) {
    hotspotLayer.clearLayers();
    hotspotBadges.clearLayers();
    hotspotLayer.addData(collection);
    hotspotLayer.eachLayer((layer) => {
      const rank = layer.feature.properties.rank;
      L.marker(layer.getBounds().getCenter(), {
        icon: L.divIcon({ html: hotspotSquare(String(rank), 22), className: "rw-hotspot-badge",
          iconSize: L.point(22, 22) }),
        keyboard: false, title: "Hotspot " + rank,
        // Where cells crowd together the highest rank is on top (Leaflet adds the marker's y in pixels, so the
        // steps are large); all above incidents, below a patrol's stops.
        zIndexOffset: 100000 - 1000 * Math.min(rank, 100),
      }).on("click", () => focusHotspot(rank)).addTo(hotspotBadges);
    });
    showHotspotLayers();
    if (collection.features.length && panelShown.hotspots) fitTo(hotspotLayer.getBounds(), 13);
    return collection.features.length;
  }
  function focusHotspot(rank) {
    let found = null;
    hotspotLayer.eachLayer((layer) => { if (layer.feature.properties.rank === rank) found = layer; });
    if (!found) return false;
    map.fitBounds(found.getBounds(), { maxZoom: 15 });
    found.openTooltip();
    return true;
  }

  // A patrol plan: numbered stops joined in visiting order, from the base and back to it when there is one.
  // route = {stops: [{seq, lat, lon, label, arrive, leave}], base: [lat, lon] | null,
  //          path: [[lat, lon], ...] (the road route, when timed by road), attribution: text | absent}.
  // Timed by road, the line follows the roads (solid); on the straight line it joins the stops (dashed).
  const routeLayer = L.layerGroup();
  let routeStops = 0;
  let routeBounds = null;
  let routeAttribution = "";
  let routePathPoints = 0;
  function setRouteAttribution(text) {
    if (routeAttribution === text) return;
    if (routeAttribution) map.attributionControl.removeAttribution(routeAttribution);
    routeAttribution = text || "";
    if (routeAttribution) map.attributionControl.addAttribution(routeAttribution);
  }
  function showRouteLayer() {
    const on = panelShown.route && routeLayer.getLayers().length > 0;
    if (on && !map.hasLayer(routeLayer)) map.addLayer(routeLayer);
    if (!on && map.hasLayer(routeLayer)) map.removeLayer(routeLayer);
    const track = panelShown.route && trackLayer.getLayers().length > 0;  // on the map with the route's panel
    if (track && !map.hasLayer(trackLayer)) map.addLayer(trackLayer);
    if (!track && map.hasLayer(trackLayer)) map.removeLayer(trackLayer);
    updateLegend();
  }

  // The open patrol's recorded track: one line per segment, so a receiver's drop-out stays a gap on the map, never
  // a straight line that was not driven. segments = [[[lat, lon], ...], ...].
  const TRACK_COLOUR = "#8e24aa";
  const trackLayer = L.layerGroup();
  let trackPoints = 0;
  function setTrack(segments) {
    trackLayer.clearLayers();
    trackPoints = 0;
    (segments || []).forEach((segment) => {
      trackPoints += segment.length;
      if (segment.length > 1) {
        L.polyline(segment, { color: TRACK_COLOUR, weight: 3, opacity: 0.9, interactive: false, className: "rw-track" })
          .addTo(trackLayer);
      } else if (segment.length === 1) {
        L.circleMarker(segment[0], { radius: 3, color: TRACK_COLOUR, fillOpacity: 1, interactive: false })
          .addTo(trackLayer);
      }
    });
    showRouteLayer();
    return trackPoints;
  }
  function setRoute(route) {
    routeLayer.clearLayers();
    const stops = (route && route.stops) || [];
    const base = route && route.base;
    routeStops = stops.length;
    const line = stops.map((s) => [s.lat, s.lon]);
    if (base && line.length) {
      line.unshift(base);
      line.push(base);
    }
    const path = (route && route.path) || [];
    routePathPoints = path.length;
    if (path.length > 1) {
      L.polyline(path, { color: sym.route.colour, weight: 4, opacity: 0.85, interactive: false, className: "rw-road-route" })
        .addTo(routeLayer);
      path.forEach((p) => line.push(p));  // the fitted bounds take in the roads too
    } else if (line.length > 1) {
      L.polyline(line, { color: sym.route.colour, weight: 4, opacity: 0.85, dashArray: "10 6", interactive: false })
        .addTo(routeLayer);
    }
    setRouteAttribution(route && route.attribution);
    if (base) {
      L.marker(base, {
        icon: L.divIcon({ html: baseHouse(26), className: "rw-route-base", iconSize: L.point(26, 26) }),
        keyboard: false, zIndexOffset: 290000, title: sym.base.name,
      }).addTo(routeLayer);
    }
    stops.forEach((s) => {
      L.marker([s.lat, s.lon], {
        // The pin's tip (bottom centre) is on the stop.
        icon: L.divIcon({ html: stopPin(String(s.seq), 28), className: "rw-route-stop", iconSize: L.point(28, 38),
          iconAnchor: L.point(14, 37), tooltipAnchor: L.point(0, -24) }),
        keyboard: false, zIndexOffset: 300000,
        title: s.seq + ". " + s.label + (s.arrive ? " (" + s.arrive + "–" + s.leave + ")" : ""),
      }).bindTooltip(escapeHtml(s.seq + ". " + s.label) + (s.arrive ? "<br>" + escapeHtml(s.arrive + "–" + s.leave) : ""))
        .addTo(routeLayer);
    });
    showRouteLayer();
    const points = base && !line.length ? [base] : line;
    routeBounds = points.length ? L.latLngBounds(points) : null;
    // Fitted whenever a plan is shown (a suggestion, an edit, a patrol opened), and again if the map's size changes.
    if (routeBounds && panelShown.route) fitTo(routeBounds, 14);
    return routeStops;
  }
  function clearRoute() {
    routeLayer.clearLayers();
    setRouteAttribution("");
    routePathPoints = 0;
    routeStops = 0;
    routeBounds = null;
    showRouteLayer();
    return 0;
  }
  function setPanelLayer(name, on) {
    panelShown[name] = !!on;
    if (name === "route") showRouteLayer(); else showHotspotLayers();
    return panelShown[name];
  }

  // Near-repeat risk zones (services/near_repeat.py): a dashed ring of the zone's radius round each recent theft or
  // burglary, live until its date. On the map by default; the layer control switches it off.
  const nearRepeatLayer = L.layerGroup().addTo(map);
  function nearRepeatRing() {
    return '<svg width="16" height="16"><circle cx="8" cy="8" r="6" fill="' + sym.near_repeat.colour +
      '" fill-opacity="0.12" stroke="' + sym.near_repeat.outline + '" stroke-width="2" stroke-dasharray="3 2"/></svg>';
  }
  function setNearRepeatZones(collection) {
    nearRepeatLayer.clearLayers();
    const features = (collection && collection.features) || [];
    features.forEach((f) => {
      const p = f.properties;
      const at = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      const text = "Near-repeat risk zone: " + p.radius_m + " m round " + p.kind + (p.place ? " at " + p.place : "") +
        ", until " + p.until + (p.earlier ? "; " + p.earlier + " earlier incident(s) inside" : "");
      const ring = L.circle(at, { radius: p.radius_m, color: sym.near_repeat.outline, weight: 2, dashArray: "6 4",
        fillColor: sym.near_repeat.colour, fillOpacity: 0.08, className: "rw-near-repeat" });
      // A few hundred metres is under a pixel at county zoom: a small dashed ring of fixed size shows where each
      // zone is until the map is close enough for the zone's own (to scale) ring.
      const pin = L.circleMarker(at, { radius: 8, color: sym.near_repeat.outline, weight: 2, dashArray: "3 3",
        fillColor: sym.near_repeat.colour, fillOpacity: 0.25, className: "rw-near-repeat-pin" });
      L.featureGroup([ring, pin]).bindTooltip(escapeHtml(text)).addTo(nearRepeatLayer);
    });
    updateLegend();
    return features.length;
  }

  // Registered premises (ruralwatch.mapping.premises_layer): a small slate square with a white house, outlined red
  // when the premises was victimised within the repeat window. The popup names it, its kind and watch schemes
  // (never its contact). On the map by default; the layer control switches it off.
  const premisesLayer = L.layerGroup().addTo(map);
  let premisesRepeats = 0;
  function premisesSquare(repeat, size) {
    const s = repeat ? sym.premises_repeat : sym.premises;
    const stroke = repeat ? 3 : 1.5;
    return '<svg class="rw-sym-premises" width="' + size + '" height="' + size + '" viewBox="0 0 16 16">' +
      '<rect x="' + stroke / 2 + '" y="' + stroke / 2 + '" width="' + (16 - stroke) + '" height="' + (16 - stroke) +
      '" fill="' + s.colour + '" stroke="' + s.outline + '" stroke-width="' + stroke + '"/>' +
      '<path d="M8 4L12 7.5H11V12H5V7.5H4z" fill="#ffffff"/></svg>';
  }
  function premisesPopup(p) {
    const schemes = (p.schemes && p.schemes.length) ? p.schemes.join(", ") : "none";
    return '<div class="rw-popup"><b>' + escapeHtml(p.name) + "</b><br>" + escapeHtml(p.kind) +
      "<br>Watch schemes: " + escapeHtml(schemes) +
      (p.repeat ? '<br><span class="rw-repeat">Victimised within ' + escapeHtml(p.window_days) + " days: " +
        escapeHtml(p.incidents) + " incident" + (p.incidents === 1 ? "" : "s") + "</span>" : "") + "</div>";
  }
  function setPremises(collection) {
    premisesLayer.clearLayers();
    premisesRepeats = 0;
    const features = (collection && collection.features) || [];
    features.forEach((f) => {
      const p = f.properties;
      if (p.repeat) premisesRepeats += 1;
      L.marker([f.geometry.coordinates[1], f.geometry.coordinates[0]], {
        icon: L.divIcon({ html: premisesSquare(p.repeat, 16), className: "rw-premises" + (p.repeat ? " rw-premises-repeat" : ""),
          iconSize: L.point(16, 16) }),
        keyboard: false, zIndexOffset: p.repeat ? 250000 : 240000, title: p.name,
      }).bindPopup(premisesPopup(p)).addTo(premisesLayer);
    });
    updateLegend();
    return features.length;
  }

  // The receiver's position (ruralwatch.ui.positioning): a dot with a circle of its horizontal accuracy.
  const positionLayer = L.layerGroup().addTo(map);
  let positionDot = null;
  let accuracyCircle = null;
  function setPosition(lat, lon, accuracy) {
    const where = [lat, lon];
    if (!positionDot) {
      accuracyCircle = L.circle(where, { radius: accuracy || 0, color: "#1565c0", weight: 1, fillOpacity: 0.12,
        interactive: false }).addTo(positionLayer);
      positionDot = L.circleMarker(where, { radius: 7, color: "#ffffff", weight: 2, fillColor: "#1565c0",
        fillOpacity: 1, interactive: false }).addTo(positionLayer);
    } else {
      positionDot.setLatLng(where);
      accuracyCircle.setLatLng(where);
    }
    accuracyCircle.setRadius(accuracy || 0);
    if (!map.getBounds().contains(where)) map.panTo(where);
    return [lat, lon, accuracy || 0];
  }
  function clearPosition() {
    positionLayer.clearLayers();
    positionDot = null;
    accuracyCircle = null;
    return 0;
  }

  // The key: incident kinds, clusters, and the patrol and hotspot symbols while those are on the map. It folds
  // to its title on a narrow map (unless the user unfolded it) so it never hides what it explains.
  const LEGEND_FOLD_WIDTH = 700;
  let legendDiv = null;
  let legendChosen = false;
  function legendRows() {
    const row = (symbol, name) => '<div class="rw-legend-row"><span class="rw-legend-sym">' + symbol + "</span>" +
      escapeHtml(name) + "</div>";
    const rows = kinds.map((kind) => row('<span class="rw-swatch" style="background:' + kind.colour + '">' +
      escapeHtml(kind.icon) + "</span>", kind.name));
    rows.push(row('<span class="rw-sym-cluster"><span>5</span></span>', sym.cluster.name));
    if (map.hasLayer(routeLayer)) {
      rows.push(row(stopPin("1", 14), sym.stop.name));
      if (routeLayer.getLayers().some((layer) => layer.options.icon && layer.options.icon.options.className === "rw-route-base")) {
        rows.push(row(baseHouse(16), sym.base.name));
      }
      rows.push(row('<svg width="18" height="8"><line x1="1" y1="4" x2="17" y2="4" stroke="' + sym.route.colour +
        '" stroke-width="3" stroke-dasharray="5 3"/></svg>', sym.route.name));
    }
    if (map.hasLayer(trackLayer)) {
      rows.push(row('<svg width="18" height="8"><line x1="1" y1="4" x2="17" y2="4" stroke="' + TRACK_COLOUR +
        '" stroke-width="3"/></svg>', "Recorded track"));
    }
    if (map.hasLayer(hotspotBadges)) rows.push(row(hotspotSquare("1", 15), sym.hotspot.name));
    if (map.hasLayer(nearRepeatLayer) && nearRepeatLayer.getLayers().length) {
      rows.push(row(nearRepeatRing(), sym.near_repeat.name));
    }
    if (map.hasLayer(premisesLayer) && premisesLayer.getLayers().length) {
      rows.push(row(premisesSquare(false, 14), sym.premises.name));
      if (premisesRepeats) rows.push(row(premisesSquare(true, 14), sym.premises_repeat.name));
    }
    return rows.join("");
  }
  function updateLegend() {
    if (!legendDiv) return;
    legendDiv.querySelector(".rw-legend-body").innerHTML = legendRows();
    fitLegend();
  }
  function setLegendFolded(folded) {
    if (legendDiv) legendDiv.classList.toggle("rw-folded", !!folded);
  }
  function fitLegend() {
    if (!legendDiv) return;
    const size = map.getSize();
    if (!legendChosen) setLegendFolded(size.x < LEGEND_FOLD_WIDTH);
    // Never taller than the map leaves room for: it scrolls instead.
    legendDiv.querySelector(".rw-legend-body").style.maxHeight = Math.max(60, size.y - 150) + "px";
  }
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    const div = L.DomUtil.create("div", "rw-legend");
    div.innerHTML = '<b class="rw-legend-title" title="Click to fold or unfold">Key ▾</b><div class="rw-legend-body"></div>';
    div.querySelector(".rw-legend-title").addEventListener("click", () => {
      legendChosen = true;
      div.classList.toggle("rw-folded");
    });
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    legendDiv = div;
    return div;
  };
  legend.addTo(map);
  updateLegend();
  map.on("resize", fitLegend);
  map.on("overlayadd overlayremove", updateLegend);

  const baseLayers = {};
  const baseNames = Object.keys(config.baseLayers);
  if (baseNames.length === 0) {
    baseLayers["Plain background"] = L.layerGroup().addTo(map);
  } else {
    baseNames.forEach((name) => { baseLayers[name] = window[config.baseLayers[name]]; });
    baseLayers["Plain background"] = L.layerGroup();
  }
  const overlays = {
    "Incidents": incidentsLayer, "Heatmap": heat, "Published crime (data.police.uk)": contextLayer,
    "Hotspots": hotspotLayer, "Hotspot numbers": hotspotBadges, "Patrol route": routeLayer,
    "Near-repeat risk zones": nearRepeatLayer, "Registered premises": premisesLayer,
  };
  Object.keys(config.overlays).forEach((name) => { overlays[name] = window[config.overlays[name]]; });
  const layers = L.control.layers(baseLayers, overlays, { collapsed: true }).addTo(map);
  map.on("overlayadd", (event) => { if (event.layer === heat && heatStale) refreshHeat(); });
  // Not animated: a selection made while the opening zoom was still animating was undone when it ended (Leaflet
  // finishes an animation at the view it set out for), so the first incident selected did not zoom in.
  // The force area is a kept fit like a route's: a dock opening beside the map (or the window resized) fits it into
  // the new size again, until the user pans or zooms (a walk lost half of Suffolk off the edge when Analysis opened).
  const areaBounds = config.fitTo && window[config.fitTo] ? window[config.fitTo].getBounds() : null;
  if (areaBounds) fitTo(areaBounds, undefined, { padding: [8, 8] });
  if (config.attribution) map.attributionControl.addAttribution(config.attribution);

  window.rw = {
    ready: true,
    setIncidents: setIncidents,
    loadRows: loadRows,
    focus: focusIncident,
    leaveFocus: leaveFocus,
    setPickMode: setPickMode,
    setContext: setContext,
    contextCount: () => contextRows.length,
    setContextVisible: (on) => {
      if (on) map.addLayer(contextLayer); else map.removeLayer(contextLayer);
      return map.hasLayer(contextLayer);
    },
    setHotspots: setHotspots,
    focusHotspot: focusHotspot,
    hotspotCount: () => hotspotLayer.getLayers().length,
    setRoute: setRoute,
    clearRoute: clearRoute,
    fitIncidents: fitIncidents,
    incidentsInView: () => {
      const view = map.getBounds();
      for (let i = 0; i < cols.count; i++) if (!view.contains([cols.lat[i], cols.lon[i]])) return false;
      return true;
    },
    showHint: showHint,
    hintText: () => (hintControl ? hintControl.getContainer().querySelector(".rw-hint-text").textContent : ""),
    hintMode: () => hintMode,
    setNearRepeatZones: setNearRepeatZones,
    nearRepeatZoneCount: () => nearRepeatLayer.getLayers().length,
    setNearRepeatVisible: (on) => {
      if (on) map.addLayer(nearRepeatLayer); else map.removeLayer(nearRepeatLayer);
      updateLegend();
      return map.hasLayer(nearRepeatLayer);
    },
    nearRepeatOnMap: () => map.hasLayer(nearRepeatLayer),
    setPremises: setPremises,
    premisesCount: () => premisesLayer.getLayers().length,
    setPremisesVisible: (on) => {
      if (on) map.addLayer(premisesLayer); else map.removeLayer(premisesLayer);
      updateLegend();
      return map.hasLayer(premisesLayer);
    },
    premisesOnMap: () => map.hasLayer(premisesLayer),
    legendText: () => (legendDiv ? legendDiv.textContent : ""),
    setPosition: setPosition,
    clearPosition: clearPosition,
    setTrack: setTrack,
    trackPoints: () => trackPoints,
    trackLines: () => trackLayer.getLayers().length,
    trackOnMap: () => map.hasLayer(trackLayer),
    position: () => (positionDot ? [positionDot.getLatLng().lat, positionDot.getLatLng().lng,
      accuracyCircle.getRadius()] : null),
    routeStopCount: () => routeStops,
    routePathPoints: () => routePathPoints,  // points of the road route drawn (0: straight lines)
    attributionText: () => map.attributionControl.getContainer().textContent,
    // route or hotspots: on the map only while their panel is open
    setPanelLayer: setPanelLayer,
    panelLayerOnMap: (name) => (name === "route" ? map.hasLayer(routeLayer) : map.hasLayer(hotspotLayer)),
    routeInView: () => !!routeBounds && map.getBounds().contains(routeBounds),
    areaInView: () => !!areaBounds && map.getBounds().contains(areaBounds),
    // Whether a fit is still kept (refitted on resize): false once the user has moved the map.
    fitKept: () => fitTarget !== null,
    setLegendFolded: (folded) => { legendChosen = true; setLegendFolded(folded); return !!folded; },
    legendFolded: () => !!legendDiv && legendDiv.classList.contains("rw-folded"),
    markerCount: () => cols.count,
    // Markers and cluster badges on the map now, and the incidents they stand for (should equal markerCount).
    drawnCount: () => incidentsLayer.getLayers().length,
    clusteredTotal: () => (index ? index.getClusters([-180, -85, 180, 85], Math.round(map.getZoom()))
      .reduce((sum, f) => sum + (f.properties.cluster ? f.properties.point_count : 1), 0) : 0),
    lastDrawMs: () => drawnAt,
    lastLoadMs: () => loadTimes, // the last rows taken: waiting for the bridge, fetching and parsing, drawing
    setHeatVisible: (on) => { if (on) map.addLayer(heat); else map.removeLayer(heat); return map.hasLayer(heat); },
    baseLayerNames: () => Object.keys(baseLayers),
    showBaseLayer: (name) => {
      Object.values(baseLayers).forEach((layer) => map.removeLayer(layer));
      map.addLayer(baseLayers[name]);
      return name;
    },
    view: () => ({ lat: map.getCenter().lat, lon: map.getCenter().lng, zoom: map.getZoom() }),
    setView: (lat, lon, zoom) => { map.setView([lat, lon], zoom); return zoom; },
    highlightedId: () => highlightId,
    // For tests and scripted checks: the marker drawn for an incident, as a user would click it.
    markerFor: (id) => drawnMarkers.get(id) || null,
    leafletMap: map,
  };
})();
