"""Give freed page memory back to the system between pages.

glibc keeps memory freed by one thread in that thread's arena for reuse, and
page-sized arrays (9-26 MB) fall under its adaptive mmap threshold after the first
few pages, so a long batch would hold every thread's largest page forever.
malloc_trim returns free pages of all arenas; elsewhere this is a no-op.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        log.debug("malloc_trim is not available; freed memory stays with the allocator")
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Return the allocator's free memory to the system, if the C library can."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
