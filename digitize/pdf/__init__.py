"""Searchable PDF output: one-page PDFs with an invisible OCR text layer, joined into PDF/A-2b."""

from digitize.pdf.assemble import DocumentMetadata, PageSource, assemble_pdf
from digitize.pdf.page import write_page_pdf

__all__ = ["DocumentMetadata", "PageSource", "assemble_pdf", "write_page_pdf"]
