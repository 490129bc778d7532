"""The interface every OCR engine implements."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from digitize.results import OcrText


class OcrEngine(Protocol):
    name: str

    def check(self) -> None:
        """Raise MissingDependencyError unless the engine can run here."""
        ...

    def recognise(self, grey: np.ndarray, dpi: int) -> OcrText:
        """Read an upright grey page; boxes in pixels of `grey`, text NFC."""
        ...

    def recognise_character(self, grey: np.ndarray, dpi: int) -> OcrText:
        """Read an image holding one character (a box of a digit grid), as one character."""
        ...

    def recognise_line(self, grey: np.ndarray, dpi: int) -> OcrText:
        """Read an image holding one line of text (a number typed over a blank), as one line."""
        ...
