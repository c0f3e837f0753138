"""The offline map: a pannable, zoomable view of an MBTiles basemap with layers on top."""
