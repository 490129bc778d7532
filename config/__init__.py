"""Configuration at the edge: the one `Settings` object of the command line, the
workers and the API. The library (`digitize/`) never reads it; it takes options."""

from config.settings import Settings, load_knowledge

__all__ = ["Settings", "load_knowledge"]
