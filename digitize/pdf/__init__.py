"""Searchable PDF output: one-page PDFs with an invisible OCR text layer, joined into PDF/A-2b."""

from digitize.pdf.assemble import Assembled, DocumentMetadata, PageSource, assemble_pdf
from digitize.pdf.images import EncodedImage
from digitize.pdf.page import encode_page, write_page_pdf

__all__ = [
    "Assembled",
    "DocumentMetadata",
    "EncodedImage",
    "PageSource",
    "assemble_pdf",
    "encode_page",
    "write_page_pdf",
]
