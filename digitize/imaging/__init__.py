"""Page normalisation stages: pure functions on numpy images, no I/O.

Every stage takes the page's resolution so its sizes are physical (millimetres),
not pixels: the same code serves 150 and 600 dpi scans.
"""
