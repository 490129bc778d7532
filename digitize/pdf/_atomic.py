"""Save a PDF so that readers of the target path see either the old file or the whole new one."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf

from digitize.errors import DigitizeError


def _temp_path(out: Path) -> Path:
    """Create an empty, uniquely named hidden file beside `out` and return its path.

    Created with mode 0o666 so the umask decides the final permissions, as it would
    for a file opened normally (a NamedTemporaryFile would leave the result 0600).
    """
    for _ in range(100):
        candidate = out.with_name(f".{out.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise DigitizeError(f"could not create a temporary file beside {out}")


def _fsync_file(path: Path) -> None:
    """Flush a file to disk, so a crash after the rename cannot expose a half-written file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    """Flush the directory entry of the rename; some filesystems do not allow it, which is fine."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save_atomically(
    pdf: pikepdf.Pdf,
    out: Path,
    *,
    finish: Callable[[Path], None] | None = None,
    **save_options: Any,
) -> None:
    """`pdf.save` to a temporary file beside `out`, then rename it over `out`.

    `finish(temp)` may change the saved file before the rename (the signature is
    appended there, so no reader ever sees the file unsigned). On any failure the
    temporary file is removed and `out` is left as it was.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise DigitizeError(f"output directory does not exist: {out.parent}")
    try:
        temp = _temp_path(out)
    except OSError as error:
        raise DigitizeError(f"cannot write beside {out}: {error}") from error
    try:
        pdf.save(temp, **save_options)
        if finish is not None:
            finish(temp)
        _fsync_file(temp)
        temp.replace(out)
    except (pikepdf.PikepdfError, OSError) as error:
        temp.unlink(missing_ok=True)
        raise DigitizeError(f"writing {out} failed: {error}") from error
    except BaseException:
        temp.unlink(missing_ok=True)  # also on KeyboardInterrupt: never leave debris
        raise
    _fsync_directory(out.parent)
