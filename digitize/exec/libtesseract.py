"""Tesseract's library, kept loaded in persistent child processes: probe and recognise.

Starting the `tesseract` program costs about 0.15 s per page, mostly loading the
model. A child that keeps libtesseract initialised reads page after page instead.
Each child is a fresh Python started with exec (never forked from this threaded
process) that drives libtesseract's C API through ctypes, with OMP_THREAD_LIMIT=1
in its environment from the start (see tesseract.py for why one thread).

Requests go to the child's stdin and replies come from its stdout, each bounded by
the page's timeout; a child that runs past it or dies is killed and the next page
gets a fresh one. A child exits as soon as its stdin closes, so it never outlives
this process, not even one that is killed.

There are at most as many children as cores (more would only share them). Each
costs about 35 MB, the `tesseract` program's own footprint plus a small Python.

`python -m digitize.exec.libtesseract --langs vie --psm 6` is such a child.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import fcntl
import logging
import os
import queue
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from digitize.errors import ExternalProgramError, ExternalTimeoutError, MissingDependencyError
from digitize.memory import release_free_memory

PROGRAM = "tesseract"  # in messages, worded as for the command-line program
DEBIAN_LIBRARY = "/usr/lib/x86_64-linux-gnu/libtesseract.so.5"  # what Debian's CLI links
_SONAME = "libtesseract.so.5"
_OEM_DEFAULT = 3  # the CLI's default engine mode: LSTM when the model has it

# The header the CLI's TSV renderer writes before the first page; the C API leaves it
# out. Added back so both paths give the same text.
TSV_HEADER = (
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num"
    "\tleft\ttop\twidth\theight\tconf\ttext\n"
)

# Request: width, height, bytes per pixel (0: 1-bit), bytes per line, dpi, page
# segmentation mode; then pixels.
_REQUEST = struct.Struct("<6i")
# Reply: status, payload length; then the payload (UTF-8 TSV, version, or a message).
_REPLY = struct.Struct("<iI")
_OK, _FAILED, _MISSING = 0, 1, 2

_PBM = re.compile(rb"P4\s+(\d+)\s+(\d+)\s")
_PGM = re.compile(rb"P5\s+(\d+)\s+(\d+)\s+255\s")
# libtesseract's 1-bit pixels are 1 for white, PBM's are 1 for black.
_INVERT = bytes(255 - value for value in range(256))
_CLOSE_WAIT_S = 2.0  # for a child to exit after its stdin closes, before it is killed
_MAX_MESSAGES = 64 * 1024  # of a child's stderr read after a page; older ones are dropped
_messages_log = logging.getLogger(f"{__name__}.stderr")


@dataclass(frozen=True, slots=True)
class RawImage:
    """Pixels as TessBaseAPISetImage takes them."""

    width: int
    height: int
    bytes_per_pixel: int  # 0 for 1-bit
    bytes_per_line: int
    data: bytes


def raw_image(image_pnm: bytes) -> RawImage:
    """The pixels of a binary PBM (P4) or 8-bit PGM (P5), as libtesseract takes them."""
    if match := _PBM.match(image_pnm):
        width, height = int(match[1]), int(match[2])
        bytes_per_pixel, bytes_per_line = 0, (width + 7) // 8
        data = image_pnm[match.end() :].translate(_INVERT)
    elif match := _PGM.match(image_pnm):
        width, height = int(match[1]), int(match[2])
        bytes_per_pixel, bytes_per_line = 1, width
        data = image_pnm[match.end() :]
    else:
        raise ValueError("OCR takes a binary PBM or an 8-bit PGM image")
    if len(data) != height * bytes_per_line:
        raise ValueError(f"PNM image of {width}x{height} holds {len(data)} bytes of pixels")
    return RawImage(width, height, bytes_per_pixel, bytes_per_line, data)


class _ChildGoneError(Exception):
    """The child closed its end: it exited or was killed."""


class _OutOfTimeError(Exception):
    """The deadline passed while talking to the child."""


class _Child:
    """One child process with libtesseract initialised for one set of languages."""

    def __init__(self, command: Sequence[str]) -> None:
        # Messages go to a file read after each page, not to a pipe: a pipe would need a
        # thread to drain it, and a thread started before batch.py caps malloc's arenas
        # gets one of its own that page threads then share (+60 MB at the peak here).
        self._messages = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the child)
        flags = fcntl.fcntl(self._messages, fcntl.F_GETFL)
        # Appending, so the child writes at the end even after we truncate.
        fcntl.fcntl(self._messages, fcntl.F_SETFL, flags | os.O_APPEND)
        self._last_message = "no message"
        self.process = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._messages,
            env=_child_environment(),
            close_fds=True,  # no other child may hold our end of its stdin open
        )
        assert self.process.stdin and self.process.stdout
        self._to_child = self.process.stdin.fileno()
        self._from_child = self.process.stdout.fileno()
        os.set_blocking(self._to_child, False)  # writes wait in poll, against the deadline
        self.version = ""

    def handshake(self, deadline: float) -> None:
        """Wait for the child to load the library and the models; learn the version."""
        status, payload = self._reply(deadline)
        self._log_messages()
        message = payload.decode("utf-8", "replace")
        if status == _MISSING:
            raise MissingDependencyError(message)
        if status != _OK:
            raise ExternalProgramError(f"{PROGRAM} failed to start: {message}")
        self.version = message

    @property
    def pid(self) -> int:
        return self.process.pid

    def recognise(self, image: RawImage, *, dpi: int, psm: int, deadline: float) -> str:
        header = _REQUEST.pack(
            image.width, image.height, image.bytes_per_pixel, image.bytes_per_line, dpi, psm
        )
        self._send(header, deadline)
        self._send(image.data, deadline)
        status, payload = self._reply(deadline)
        self._log_messages()
        text = payload.decode("utf-8", "replace")
        if status != _OK:
            raise ExternalProgramError(f"{PROGRAM} failed: {text}")
        return text

    def failure(self) -> ExternalProgramError:
        """The error for a child that went away, with its exit status and last message."""
        try:
            returncode = self.process.wait(timeout=_CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            returncode = self.process.returncode
        self._log_messages()
        return ExternalProgramError(f"{PROGRAM} failed (exit {returncode}): {self._last_message}")

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        self._close_pipes()

    def close(self) -> None:
        """Ask the child to exit by closing its stdin; kill it if it does not."""
        self._close_pipes()
        try:
            self.process.wait(timeout=_CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self.kill()

    def abandon(self) -> None:
        """Close our ends without a word to the child: it belongs to another process."""
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout, self._messages):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()

    def _send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            _wait_for(self._to_child, select.POLLOUT, deadline)
            try:
                written = os.write(self._to_child, view)
            except BlockingIOError:
                continue
            except BrokenPipeError as exc:
                raise _ChildGoneError from exc
            view = view[written:]

    def _reply(self, deadline: float) -> tuple[int, bytes]:
        status, length = _REPLY.unpack(self._receive(_REPLY.size, deadline))
        return status, self._receive(length, deadline)

    def _receive(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        remaining = size
        while remaining:
            _wait_for(self._from_child, select.POLLIN, deadline)
            chunk = os.read(self._from_child, min(remaining, 1 << 20))
            if not chunk:
                raise _ChildGoneError
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _log_messages(self) -> None:
        """Tesseract's messages since the last call go to the log; the last one is kept."""
        with contextlib.suppress(OSError, ValueError):
            fd = self._messages.fileno()
            size = os.fstat(fd).st_size
            tail = os.pread(fd, _MAX_MESSAGES, max(0, size - _MAX_MESSAGES))
            os.ftruncate(fd, 0)
            lines = [line.strip() for line in tail.decode("utf-8", "replace").splitlines()]
            for line in filter(None, lines):
                _messages_log.debug("%s", line)
                self._last_message = line


def _timeout_error(timeout: float) -> ExternalTimeoutError:
    return ExternalTimeoutError(f"{PROGRAM} ran past its {timeout:.0f} s timeout")


def _wait_for(fd: int, event: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _OutOfTimeError
        if poller.poll(remaining * 1000):
            return  # ready, or hung up: the read or write that follows tells which


def _child_environment() -> dict[str, str]:
    # The child imports this package: from the same tree as this process, installed or not.
    package_root = str(Path(__file__).resolve().parents[2])
    python_path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": python_path}


@dataclass(slots=True)
class _Children:
    """Idle children and every live one; shared with the finaliser, so not the pool itself."""

    idle: list[_Child]
    live: set[_Child]
    lock: threading.Lock
    closed: bool = False

    def close(self) -> None:
        with self.lock:
            self.closed = True
            idle, self.idle = self.idle, []
            self.live.difference_update(idle)
        for child in idle:
            child.close()


class PersistentTesseract:
    """Children with libtesseract initialised for `langs`, at most `max_children` (cores).

    A page takes an idle child or starts one; a child that failed is never reused.
    Thread-safe. `close()` (or this object's collection, or the interpreter's exit)
    ends the children; were this process killed, they end on their own.
    """

    def __init__(
        self,
        *,
        langs: str,
        psm: int,
        max_children: int | None = None,
        library: str | None = None,
    ) -> None:
        self.langs = langs
        self.psm = psm
        self._library = library  # None: Debian's, else wherever the loader finds one
        # More children than cores would only share the cores, each with its own copy
        # of the library's ~35 MB; a page beyond them waits for one to be free.
        self.max_children = max_children or len(os.sched_getaffinity(0))
        self._version: str | None = None
        self._start_afresh()
        _pools.add(self)

    def _start_afresh(self) -> None:
        self._slots = threading.BoundedSemaphore(self.max_children)
        self._children = _Children([], set(), threading.Lock())
        weakref.finalize(self, self._children.close)

    def _forget_children(self) -> None:
        """In a forked copy of this process: the children are the parent's, leave them be.

        Their pipes are closed here (so they still end with the parent) and this copy
        starts children of its own when it needs them.
        """
        for child in self._children.live:
            child.abandon()
        self._children.idle.clear()
        self._children.live.clear()
        self._start_afresh()

    @property
    def version(self) -> str:
        """libtesseract's version, e.g. "5.3.0", once a child has started."""
        if self._version is None:
            raise RuntimeError("no Tesseract child started yet")
        return self._version

    def require(self, *, timeout: float) -> str:
        """Start a child (kept for the first page) and return the library's version.

        Raises MissingDependencyError when the library or a language model is absent.
        """
        with self._slots:
            child = self._take(time.monotonic() + timeout, timeout)
            self._give_back(child)
        major = int(self.version.split(".")[0])
        if major < 4:
            raise MissingDependencyError(
                f"Tesseract {self.version} is too old; 4.1 or later needed"
            )
        return self.version

    def recognise_tsv(
        self, image_pnm: bytes, *, dpi: int, timeout: float, psm: int | None = None
    ) -> str:
        """OCR one page given as PBM or PGM bytes; return TSV as the `tesseract` program writes it.

        `psm`: the page segmentation mode for this image only (default the pool's): a
        digit grid's box is read as one character by the same children as the pages,
        so no child with a model of its own is kept for it.

        Raises ExternalTimeoutError past `timeout` (a fresh child's start-up included,
        the wait for a free child not) and ExternalProgramError when the child dies or
        Tesseract fails on the page.
        """
        if timeout <= 0:
            raise ValueError("every external call needs a positive timeout")
        image = raw_image(image_pnm)
        with self._slots:
            return self._recognise(image, dpi=dpi, psm=psm or self.psm, timeout=timeout)

    def _recognise(self, image: RawImage, *, dpi: int, psm: int, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        child = self._take(deadline, timeout)
        try:
            tsv = child.recognise(image, dpi=dpi, psm=psm, deadline=deadline)
        except _OutOfTimeError as exc:
            self._discard(child)
            raise _timeout_error(timeout) from exc
        except _ChildGoneError as exc:
            error = child.failure()
            self._discard(child)
            raise error from exc
        except BaseException:
            self._discard(child)  # its state is unknown: never reuse it
            raise
        self._give_back(child)
        return TSV_HEADER + tsv

    def pids(self) -> list[int]:
        """Process ids of the live children, idle or busy."""
        with self._children.lock:
            return sorted(child.pid for child in self._children.live)

    def close(self) -> None:
        """End the idle children now; busy ones end when their page is done."""
        self._children.close()

    def __enter__(self) -> PersistentTesseract:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take(self, deadline: float, timeout: float) -> _Child:
        with self._children.lock:
            if self._children.idle:
                return self._children.idle.pop()
        child = _Child(self._command())
        try:
            child.handshake(deadline)
        except _OutOfTimeError as exc:
            child.kill()
            raise _timeout_error(timeout) from exc
        except _ChildGoneError as exc:
            error = child.failure()
            child.kill()
            raise error from exc
        except BaseException:
            child.kill()
            raise
        with self._children.lock:
            self._children.live.add(child)
            self._version = self._version or child.version
        return child

    def _give_back(self, child: _Child) -> None:
        with self._children.lock:
            if not self._children.closed:
                self._children.idle.append(child)
                return
            self._children.live.discard(child)
        child.close()

    def _discard(self, child: _Child) -> None:
        child.kill()
        with self._children.lock:
            self._children.live.discard(child)

    def _command(self) -> list[str]:
        # -S: no site-packages, the child needs only the standard library and this package.
        command = [sys.executable, "-S", "-m", __name__]
        command += ["--langs", self.langs, "--psm", str(self.psm)]
        if self._library is not None:
            command += ["--library", self._library]
        return command


# Pools of this process, so that a forked copy of it can forget their children.
_pools: weakref.WeakSet[PersistentTesseract] = weakref.WeakSet()


def _forget_children_after_fork() -> None:
    for pool in list(_pools):
        pool._forget_children()


os.register_at_fork(after_in_child=_forget_children_after_fork)


# The child's side. Only the standard library and ctypes: a child costs little memory.


class _MissingLibraryError(Exception):
    """libtesseract or a language model is not there."""


class _TessApi:
    """One TessBaseAPI handle, initialised once, reused for every page."""

    def __init__(self, library: str | None, langs: str, psm: int) -> None:
        self._lib = _load_library(library)
        lib = self._lib
        _declare(lib)
        self.version = (lib.TessVersion() or b"?").decode()
        self._handle = lib.TessBaseAPICreate()
        if lib.TessBaseAPIInit2(self._handle, None, langs.encode(), _OEM_DEFAULT) != 0:
            raise _MissingLibraryError(_missing_models(langs.split("+")))
        loaded = self._loaded_languages()
        missing = [lang for lang in langs.split("+") if lang not in loaded]
        if missing:
            raise _MissingLibraryError(_missing_models(missing))
        lib.TessBaseAPISetPageSegMode(self._handle, psm)
        self._psm = psm

    def recognise(
        self,
        data: bytes,
        width: int,
        height: int,
        bytes_per_pixel: int,
        bytes_per_line: int,
        dpi: int,
        psm: int,
    ) -> bytes:
        lib, handle = self._lib, self._handle
        if psm != self._psm:  # the mode stays with the handle until changed again
            lib.TessBaseAPISetPageSegMode(handle, psm)
            self._psm = psm
        lib.TessBaseAPISetImage(handle, data, width, height, bytes_per_pixel, bytes_per_line)
        # What the program's --dpi sets: it wins over any resolution the image carries.
        lib.TessBaseAPISetVariable(handle, b"user_defined_dpi", str(dpi).encode())
        try:
            if lib.TessBaseAPIRecognize(handle, None) != 0:
                raise RuntimeError("Error during processing.")
            pointer = lib.TessBaseAPIGetTsvText(handle, 0)
            if not pointer:
                raise RuntimeError("no TSV text")
            try:
                return ctypes.string_at(pointer)
            finally:
                lib.TessDeleteText(pointer)
        finally:
            lib.TessBaseAPIClear(handle)  # the page's image and results; the model stays

    def _loaded_languages(self) -> set[str]:
        array = self._lib.TessBaseAPIGetLoadedLanguagesAsVector(self._handle)
        languages: set[str] = set()
        if not array:
            return languages
        index = 0
        while array[index]:
            languages.add(array[index].decode())
            index += 1
        self._lib.TessDeleteTextArray(array)
        return languages


def _load_library(library: str | None) -> ctypes.CDLL:
    if library is not None:
        candidates = [library]
    else:
        candidates = [DEBIAN_LIBRARY, _SONAME]
        found = ctypes.util.find_library("tesseract")  # another soname, elsewhere
        if found:
            candidates.append(found)
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate)
        except OSError:
            continue
    raise _MissingLibraryError(
        f"libtesseract is not installed (tried {', '.join(candidates)}; "
        "apt-get install tesseract-ocr)"
    )


def _declare(lib: ctypes.CDLL) -> None:
    """Argument and result types of the C API functions used (capi.h)."""
    handle, text = ctypes.c_void_p, ctypes.c_char_p
    signatures: dict[str, tuple[list[type], type | None]] = {
        "TessVersion": ([], text),
        "TessBaseAPICreate": ([], handle),
        "TessBaseAPIInit2": ([handle, text, text, ctypes.c_int], ctypes.c_int),
        "TessBaseAPISetPageSegMode": ([handle, ctypes.c_int], None),
        "TessBaseAPISetVariable": ([handle, text, text], ctypes.c_int),
        "TessBaseAPISetImage": ([handle, text, *[ctypes.c_int] * 4], None),
        "TessBaseAPIRecognize": ([handle, ctypes.c_void_p], ctypes.c_int),
        # c_void_p, not c_char_p: the pointer must come back to be freed.
        "TessBaseAPIGetTsvText": ([handle, ctypes.c_int], ctypes.c_void_p),
        "TessDeleteText": ([ctypes.c_void_p], None),
        "TessBaseAPIClear": ([handle], None),
        "TessBaseAPIGetLoadedLanguagesAsVector": ([handle], ctypes.POINTER(text)),
        "TessDeleteTextArray": ([ctypes.POINTER(text)], None),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = arguments
        function.restype = result


def _missing_models(langs: Sequence[str]) -> str:
    packages = " ".join(f"tesseract-ocr-{lang}" for lang in langs)
    return (
        f"Tesseract language model(s) {', '.join(langs)} not installed (apt-get install {packages})"
    )


def _write_reply(out: BinaryIO, status: int, payload: bytes) -> None:
    out.write(_REPLY.pack(status, len(payload)) + payload)
    out.flush()


def _read_requests(source: BinaryIO, requests: queue.Queue[tuple[bytes, tuple[int, ...]]]) -> None:
    """Hand requests to the main thread; exit the process when the parent's end closes.

    A thread of its own so that even a child busy in Recognize, or hung there,
    goes when its parent does.
    """
    while True:
        header = source.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            os._exit(0)
        width, height, bytes_per_pixel, bytes_per_line, dpi, psm = _REQUEST.unpack(header)
        data = source.read(height * bytes_per_line)
        if len(data) < height * bytes_per_line:
            os._exit(0)
        requests.put((data, (width, height, bytes_per_pixel, bytes_per_line, dpi, psm)))


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m digitize.exec.libtesseract")
    parser.add_argument("--langs", required=True)
    parser.add_argument("--psm", type=int, required=True)
    parser.add_argument("--library")
    args = parser.parse_args(argv)
    # Replies get a descriptor of their own; fd 1 then points at stderr, so nothing a C
    # library prints can get mixed into them.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's; we end with it
    try:
        api = _TessApi(args.library, args.langs, args.psm)
    except _MissingLibraryError as exc:
        _write_reply(replies, _MISSING, str(exc).encode())
        return 0
    _write_reply(replies, _OK, api.version.encode())
    requests: queue.Queue[tuple[bytes, tuple[int, ...]]] = queue.Queue(maxsize=1)
    threading.Thread(target=_read_requests, args=(sys.stdin.buffer, requests), daemon=True).start()
    while True:
        data, (width, height, bytes_per_pixel, bytes_per_line, dpi, psm) = requests.get()
        try:
            tsv = api.recognise(data, width, height, bytes_per_pixel, bytes_per_line, dpi, psm)
        except RuntimeError as exc:
            _write_reply(replies, _FAILED, str(exc).encode())
        else:
            _write_reply(replies, _OK, tsv)
        del data
        release_free_memory()  # a page's buffers would otherwise stay with the allocator


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1:]))
