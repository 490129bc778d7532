"""Run a command and watch its whole process tree: wall time and peak memory.

Memory is the sum over the tree of each process's proportional set size (PSS):
pages shared between processes are split between them rather than counted twice,
which is what the machine actually spends. RSS is kept too for comparison.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

_INTERVAL_S = 0.05


@dataclass(frozen=True)
class RunFigures:
    seconds: float
    peak_pss_mb: float
    peak_rss_mb: float
    returncode: int


def _tree_memory(root: psutil.Process) -> tuple[float, float]:
    pss = rss = 0.0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0, 0.0
    for process in processes:
        found = _rollup(process.pid)
        if found is not None:
            pss += found[0]
            rss += found[1]
    return pss / 2**20, rss / 2**20


def _rollup(pid: int) -> tuple[float, float] | None:
    """PSS and RSS in bytes from /proc/PID/smaps_rollup: the kernel sums the mappings
    itself, a small fraction of the CPU that reading all of smaps (psutil's
    memory_full_info) takes, which at 20 samples a second slowed the runs it watched."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return None
    figures = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            figures[name] = float(rest.split()[0]) * 1024
    if "Rss" not in figures:
        return None
    return figures.get("Pss", figures["Rss"]), figures["Rss"]


def measure(
    command: Sequence[str], *, timeout: float, env: dict[str, str] | None = None
) -> RunFigures:
    """Run `command` to completion (killed past `timeout`), sampling memory every 50 ms."""
    peaks = [0.0, 0.0]
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    root = psutil.Process(proc.pid)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            pss, rss = _tree_memory(root)
            peaks[0], peaks[1] = max(peaks[0], pss), max(peaks[1], rss)
            stop.wait(_INTERVAL_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        stop.set()
        sampler.join()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
        print(f"  ! {command[0]} exited {proc.returncode}: " + " | ".join(tail))
    return RunFigures(seconds, peaks[0], peaks[1], proc.returncode)
