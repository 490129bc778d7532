"""The `digitize` command line: the edge where settings are read and options passed in."""
