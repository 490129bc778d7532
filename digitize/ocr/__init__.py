"""OCR engines behind one interface, so tests can swap in a fake and engines can be added."""

from digitize.ocr.engine import OcrEngine
from digitize.ocr.tesseract import TesseractCliEngine, TesseractEngine

__all__ = ["OcrEngine", "TesseractCliEngine", "TesseractEngine"]
