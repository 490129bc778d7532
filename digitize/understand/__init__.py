"""Understanding documents: catalogue, classification, field extraction."""

from digitize.understand.catalogue import Catalogue, CatalogueError, load_catalogue
from digitize.understand.documents import (
    Knowledge,
    UnderstoodDocument,
    split_documents,
    understand_document,
    understand_pages,
)
from digitize.understand.pages import PageText, page_from_ocr, page_from_report

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Knowledge",
    "PageText",
    "UnderstoodDocument",
    "load_catalogue",
    "page_from_ocr",
    "page_from_report",
    "split_documents",
    "understand_document",
    "understand_pages",
]
