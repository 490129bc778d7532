"""Wrappers around external programs: one module each, every call with a timeout."""
