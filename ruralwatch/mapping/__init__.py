"""Map page building (folium + vendored Leaflet). No Qt here: the page is plain HTML and JavaScript."""
