"""Keeping `digitize up`'s children alive: Redis and the workers, each restarted when it
dies, after a backoff that doubles while it keeps dying (so a child that cannot start
does not spin), and back to the first step once it has stayed up a while."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Start = Callable[[], subprocess.Popen[bytes]]


@dataclass
class Child:
    name: str
    start: Start
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    failures: int = 0  # deaths in a row, for the backoff
    started_at: float = 0.0
    next_start: float = 0.0  # when a dead child may be started again


@dataclass
class Supervisor:
    """Start children, and restart those that die (`check`, called every `interval`)."""

    first_backoff: float = 1.0
    max_backoff: float = 60.0
    steady_after: float = 60.0  # up this long: the next death starts the backoff again
    clock: Callable[[], float] = time.monotonic
    children: list[Child] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def add(self, name: str, start: Start, process: subprocess.Popen[bytes] | None = None) -> Child:
        child = Child(name, start, process, started_at=self.clock())
        if process is None:
            self._start(child)
        self.children.append(child)
        return child

    def _start(self, child: Child) -> None:
        try:
            child.process = child.start()
        except Exception as exc:  # e.g. redis-server did not answer: try again later
            log.warning("%s could not be started: %s", child.name, exc)
            child.process = None
            child.failures += 1
            child.next_start = self.clock() + self._backoff(child)
            return
        child.started_at = self.clock()

    def _backoff(self, child: Child) -> float:
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, child.failures - 1))

    def check(self) -> list[str]:
        """Restart what died (once its backoff has passed); the names restarted."""
        now = self.clock()
        restarted = []
        for child in self.children:
            process = child.process
            if process is not None and process.poll() is None:
                if now - child.started_at >= self.steady_after:
                    child.failures = 0
                continue
            if process is not None:  # just found dead: wait the backoff, then start
                log.warning("%s exited (code %s); restarting", child.name, process.returncode)
                child.process = None
                child.failures += 1
                child.next_start = now + self._backoff(child)
            if now >= child.next_start:
                self._start(child)
                if child.process is not None:
                    child.restarts += 1
                    restarted.append(child.name)
        return restarted

    def run(self, interval: float = 1.0) -> None:
        while not self._stop.wait(interval):
            try:
                self.check()
            except Exception:  # the supervisor must outlive whatever it meets
                log.exception("supervision check failed")

    def start_thread(self, interval: float = 1.0) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(interval,), name="supervisor", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def alive(self, name_prefix: str) -> int:
        return sum(
            1
            for child in self.children
            if child.name.startswith(name_prefix)
            and child.process is not None
            and child.process.poll() is None
        )
