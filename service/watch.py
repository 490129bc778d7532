"""A folder scanners save into: each complete file uploaded once as a batch, then moved
to done/ or failed/ (with the reason in NAME.txt beside it).

Never lost, never taken twice, across restarts too:
- a file is complete when two looks, `interval` apart, see the same size and time
  (a file renamed into place is complete at once, and two looks see it so);
- it is claimed by an atomic rename into processing/ before anything is read, so two
  watchers (or a watcher and a person) cannot both take it;
- after its batch is committed, the ledger (.watch/ledger/SHA-256) says so before the
  file moves on; a watcher restarted with files still in processing/ uploads only those
  neither the ledger nor the database (a batch of this watcher holding that SHA-256)
  knows, and moves the others on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from models import Batch, BatchFile, Scan
from service import usecases
from service.context import Services
from service.errors import ServiceError, UnavailableError
from service.ingest import ReceivedFile, Spool, safe_filename
from service.staff import StaffCaller

log = logging.getLogger(__name__)

PROCESSING, DONE, FAILED, STATE = "processing", "done", "failed", ".watch"
_OWN = {PROCESSING, DONE, FAILED, STATE}
_PARTIAL = (".part", ".tmp", ".crdownload", ".partial", "~")  # scanners' names while writing
_CHUNK = 1 << 20


@dataclass
class Outcome:
    name: str
    ok: bool
    detail: str  # the batch, or the reason it failed


@dataclass
class Watcher:
    services: Services
    folder: Path
    enqueue: usecases.Enqueue
    interval: float = 2.0
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.folder = self.folder.resolve()
        for name in (PROCESSING, DONE, FAILED, f"{STATE}/ledger"):
            (self.folder / name).mkdir(parents=True, exist_ok=True)
        self.caller = StaffCaller(f"watch:{self.folder.name}")

    # --- the loop ---------------------------------------------------------------------

    def run(self, stop: Callable[[], bool] = lambda: False) -> None:
        """Look, take what is complete, sleep; until `stop()` says so."""
        self.recover()
        while not stop():
            self.step()
            time.sleep(self.interval)

    def recover(self) -> list[Outcome]:
        """Files a stopped watcher had claimed: finish each, uploading only if needed."""
        return [self._process(path) for path in sorted((self.folder / PROCESSING).iterdir())
                if path.is_file()]  # fmt: skip

    def step(self) -> list[Outcome]:
        """One look: files unchanged since the last look are claimed and processed."""
        outcomes = []
        now: dict[Path, tuple[int, int]] = {}
        for path in self._candidates():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            now[path] = (stat.st_size, stat.st_mtime_ns)
            if stat.st_size > 0 and self._seen.get(path) == now[path]:
                claimed = self._claim(path)
                if claimed is not None:
                    outcomes.append(self._process(claimed))
                    now.pop(path)
        self._seen = now
        return outcomes

    def _candidates(self) -> list[Path]:
        found = []
        for root, dirs, files in os.walk(self.folder):
            here = Path(root)
            if here == self.folder:
                dirs[:] = [d for d in dirs if d not in _OWN]
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.startswith(".") or name.lower().endswith(_PARTIAL):
                    continue
                found.append(here / name)
        return sorted(found)

    def _claim(self, path: Path) -> Path | None:
        """Move the file into processing/ atomically; None if someone else took it."""
        relative = path.relative_to(self.folder)
        name = "__".join(relative.parts)  # a subfolder's files keep their folder in the name
        target = _free(self.folder / PROCESSING / name)
        try:
            path.rename(target)
        except FileNotFoundError:
            return None
        return target

    # --- one file ---------------------------------------------------------------------

    def _process(self, path: Path) -> Outcome:
        name = path.name
        try:
            received = self._spool(path)
        except ServiceError as exc:  # not a scan, too large
            return self._finish(path, FAILED, exc.detail)
        ledger = self.folder / STATE / "ledger" / received.sha256
        earlier = self._earlier(received.sha256, ledger)
        if earlier is not None:
            received.path.unlink(missing_ok=True)
            return self._finish(path, DONE, f"đã nhận trước đó: lô #{earlier}")
        try:
            batch_id = usecases.upload(
                self.services, [received], client=self.caller, dossier_code=None,
                enqueue=self.enqueue,
            )  # fmt: skip
        except UnavailableError as exc:
            # Stored and recorded, but not queued: a retry from the batches page sends it.
            return self._finish(path, FAILED, exc.detail)
        except ServiceError as exc:
            return self._finish(path, FAILED, exc.detail)
        except Exception:
            # The database is away, say: the file stays in processing/ for the next start.
            received.path.unlink(missing_ok=True)
            log.exception("could not upload %s; left in %s", name, PROCESSING)
            return Outcome(name, False, "left in processing/")
        _write_atomically(ledger, json.dumps({"batch": batch_id, "name": name,
                                              "at": _now()}))  # fmt: skip
        return self._finish(path, DONE, f"lô #{batch_id}", batch_id)

    def _spool(self, path: Path) -> ReceivedFile:
        settings = self.services.settings
        spool = Spool(settings.data_dir / "incoming", int(settings.max_upload_mb * 1_000_000),
                      safe_filename(path.name.split("__")[-1]))  # fmt: skip
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    spool.write(chunk)
        except OSError:
            spool.discard()
            raise
        return spool.finish()

    def _earlier(self, sha256: str, ledger: Path) -> int | None:
        """The batch that took this file before, by the ledger or else by the database."""
        if ledger.is_file():
            return int(json.loads(ledger.read_text(encoding="utf-8"))["batch"])
        with self.services.sessions() as session:
            return session.scalar(
                select(Batch.id)
                .join(BatchFile, BatchFile.batch_id == Batch.id)
                .join(Scan, Scan.id == BatchFile.scan_id)
                .where(Scan.sha256 == sha256, Batch.uploaded_by == self.caller.name)
                .limit(1)
            )

    def _finish(self, path: Path, where: str, detail: str, batch_id: int | None = None) -> Outcome:
        target = _free(self.folder / where / path.name)
        note = f"{_now()}\n{detail}\n"
        _write_atomically(target.with_name(target.name + ".txt"), note)
        path.rename(target)
        log.info("%s -> %s/ (%s)", path.name, where, detail)
        return Outcome(path.name, where == DONE, detail)


def _free(path: Path) -> Path:
    """`path`, or NAME-2.EXT, NAME-3.EXT... if taken."""
    if not path.exists():
        return path
    for n in range(2, 100_000):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise OSError(f"no free name for {path}")


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
