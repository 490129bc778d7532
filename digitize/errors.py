"""The project's error types.

Every failure the pipeline expects is one of these, so the command line can print
one clear line per file and pick an exit code, and callers never see a raw
traceback for bad input.
"""

from __future__ import annotations


class DigitizeError(Exception):
    """Base of every expected failure; `exit_code` is what the command line returns."""

    exit_code = 1


class InputFileError(DigitizeError):
    """The input cannot be digitised as given: empty, corrupt, encrypted, unsupported."""

    exit_code = 2


class UnsupportedFormatError(InputFileError):
    """The bytes are not a PDF, TIFF, JPEG or PNG."""


class CorruptInputError(InputFileError):
    """The file claims a supported format but cannot be decoded (truncated, damaged)."""


class EncryptedPdfError(InputFileError):
    """The PDF is encrypted; we do not strip other people's encryption."""


class ImageTooLargeError(InputFileError):
    """A page would decode to more pixels than the configured limit (bombs, giant pages)."""


class MissingDependencyError(DigitizeError):
    """An external program or a Tesseract language model is not installed."""

    exit_code = 3


class ExternalProgramError(DigitizeError):
    """An external program failed, produced no output, or ran out of time."""

    exit_code = 4


class ExternalTimeoutError(ExternalProgramError):
    """An external program ran past its timeout and was killed."""
