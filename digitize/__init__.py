"""digitize: turn scans of Vietnamese administrative dossiers into upright pages,
Vietnamese text with word boxes, and searchable PDF/A.

A library: no web, queue or database imports. Callers (the command line, the RQ
workers, the API) read settings at their edge and pass options inwards.
"""

__version__ = "0.1.0"
