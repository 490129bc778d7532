"""Bounds on what the API takes, in the schema itself (issue 18): ids and offsets within
a 32-bit integer column (PostgreSQL's `integer`), strings within their columns and free
of NUL (which PostgreSQL cannot store), so an odd value is a 422 with its reason,
never an OverflowError on SQLite or a DataError on PostgreSQL answered as a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

INT32_MAX = 2**31 - 1
NO_NUL = r"^[^\x00]*$"  # any text but NUL

RowId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the row's id")]
PageNumber = Annotated[int, Path(ge=1, le=INT32_MAX, description="1-based page number")]
DossierCode = Annotated[
    str, Path(min_length=1, max_length=64, pattern=NO_NUL, description="the dossier's code")
]
FieldName = Annotated[str, Path(min_length=1, max_length=80, pattern=NO_NUL)]
Offset = Annotated[int, Query(ge=0, le=INT32_MAX)]


def query_text(max_length: int, description: str) -> object:
    """An optional query string of at most `max_length` characters, without NUL."""
    return Query(max_length=max_length, pattern=NO_NUL, description=description)
