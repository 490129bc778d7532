"""Digitised copies as records: their metadata, the digitiser's mark and the unit's seal."""

from digitize.records.copy import CopyOptions, DocumentCopy, prepare_copy
from digitize.records.metadata import COPY_SCHEMA, CopyMetadata, copy_metadata

__all__ = [
    "COPY_SCHEMA",
    "CopyMetadata",
    "CopyOptions",
    "DocumentCopy",
    "copy_metadata",
    "prepare_copy",
]
