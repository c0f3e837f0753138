"""Geometry: ODK points, routes and areas; GPX and GeoJSON import; route segments; MBTiles maps.

Plain Python (shapely, pyproj, gpxpy, sqlite3), no Qt. Geometries are shapely objects in WGS84
with x = longitude and y = latitude; distances, lengths and areas are geodesic, in metres.

- :mod:`.odk`: ``parse_geopoint/geotrace/geoshape``, ``parse_odk``, ``to_odk``
- :mod:`.geodesy`: ``length_m``, ``area_m2``, ``distance_m``
- :mod:`.validate`: ``check_geometry``, ``repair``
- :mod:`.gpx`: ``read_gpx``, ``best_line``, ``simplify_line``
- :mod:`.geojson`: ``read_areas``, ``read_areas_with_warnings``
- :mod:`.segments`: ``split_route``, ``locate``, ``locate_all``, ``match_segments``
- :mod:`.projection`: ``LocalProjection`` (metres around the data, for distances to lines)
- :mod:`.mbtiles`: ``MBTiles``, ``write_mbtiles``
- :mod:`.errors`: ``GeometryError``, ``MBTilesError`` (both user errors)
"""
