"""The queue's overhead: a stack pushed through the API to two workers, beside
`digitize process` on the same file on the same machine.

    .venv/bin/python bench/service.py --dossiers 20 --rounds 2     # about 100 pages

Each round runs both, alternating which goes first:

- `digitize process STACK --out DIR --quiet` (default settings: one process, pages
  side by side on threads);
- the service: a fresh data folder and SQLite, a Redis server of its own, `digitize
  serve` and two `digitize worker` processes, all started before the clock; then the
  stack is uploaded through POST /api/v1/batches and the clock stops when
  GET /api/v1/batches/{id} says it is done (upload, queue, workers, assembly, storage).

Printed: pages per minute, peak memory (PSS of each process tree, summed; Redis
included) and the overhead, 1 - service/process. The target is under 10 %. For the
service, the peak of each process (Redis, API, each worker, with the children a worker
forks for its jobs) is printed too, so a peak that grows says where.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.memory import measure
from bench.stack import make_stack

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
DIGITIZE = Path(sys.executable).parent / "digitize"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tree_pss(root: psutil.Process) -> float:
    """PSS (MB) of a process and its children (a worker's job runs in a forked child)."""
    try:
        family = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in family:
        try:
            total += process.memory_full_info().pss
        except psutil.Error:
            continue
    return total / 2**20


class Peaks:
    """Peak PSS of the whole service and of each of its processes (with children), so a
    figure that grows says which process grows."""

    def __init__(self, roots: dict[str, psutil.Process]) -> None:
        self.roots = roots
        self.total = 0.0
        self.each = dict.fromkeys(roots, 0.0)

    def sample(self) -> None:
        now = {name: _tree_pss(root) for name, root in self.roots.items()}
        self.total = max(self.total, sum(now.values()))
        for name, mb in now.items():
            self.each[name] = max(self.each[name], mb)

    def __str__(self) -> str:
        return ", ".join(f"{name} {mb:.0f}" for name, mb in self.each.items())


def run_service(
    stack: Path, workers: int, timeout: float, keep: Path | None = None
) -> tuple[float, Peaks, int]:
    """Seconds from upload to done, peak PSS (MB), and pages, for one fresh service
    (its data folder left in `keep` if given, to look into or assemble again)."""
    data = Path(tempfile.mkdtemp(prefix="bench-service-", dir=keep))
    redis_port, api_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "DIGITIZE_DATA_DIR": str(data),
        "DIGITIZE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DIGITIZE_API_PORT": str(api_port),
    }
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(data)],
            stdout=subprocess.DEVNULL,
        ))  # fmt: skip
        subprocess.run([str(DIGITIZE), "db", "upgrade"], env=env, check=True, capture_output=True)
        key = subprocess.run(
            [str(DIGITIZE), "apikey", "create", "--name", "bench", "--role", "archive", "--quiet"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        started.append(subprocess.Popen([str(DIGITIZE), "serve"], env=env))
        started += [
            subprocess.Popen([str(DIGITIZE), "worker", "--name", f"bench-{n}"], env=env)
            for n in range(workers)
        ]
        base = f"http://127.0.0.1:{api_port}/api/v1"
        client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=600
        )
        _wait_for(lambda: _answers(client), 60)
        time.sleep(3)  # the workers finish loading the catalogue and model
        names = ["redis", "api", *(f"worker-{n}" for n in range(workers))]
        peaks = Peaks({name: psutil.Process(p.pid) for name, p in zip(names, started, strict=True)})
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peaks.sample()
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        begin = time.perf_counter()
        with stack.open("rb") as handle:
            batch = client.post("/batches", files=[("files", (stack.name, handle))]).json()
        while batch["status"] not in ("done", "partial", "failed"):
            if time.perf_counter() - begin > timeout:
                raise TimeoutError(f"the batch was not done within {timeout:.0f} s")
            time.sleep(0.25)
            batch = client.get(f"/batches/{batch['id']}").json()
        seconds = time.perf_counter() - begin
        stop.set()
        sampler.join()
        if batch["status"] != "done":
            print(f"  ! batch {batch['status']}: {batch['files'][0]['error']}")
        return seconds, peaks, batch["progress"]["pages_total"]
    finally:
        # The API and the workers first, Redis (started first) once they are gone.
        for group in (started[1:], started[:1]):
            for process in group:
                process.send_signal(signal.SIGTERM)
            for process in group:
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
        if keep is None:
            shutil.rmtree(data, ignore_errors=True)
        else:
            print(f"  data kept in {data}")


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the service did not start")
        time.sleep(0.25)


def run_process(stack: Path, timeout: float) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="bench-process-"))
    env = {**os.environ, "DIGITIZE_DATA_DIR": str(out / "data")}
    try:
        figures = measure(
            [str(DIGITIZE), "process", str(stack), "--out", str(out), "--quiet"],
            timeout=timeout, env=env,
        )  # fmt: skip
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return figures.seconds, figures.peak_pss_mb


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dossiers", type=int, default=20, help="dossiers in the stack (default 20)"
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed (default 7)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="service workers (default 2)")
    parser.add_argument("--timeout", type=float, default=3600, help="per run, seconds")
    parser.add_argument(
        "--only", choices=["process", "service"], help="run one of the two (no overhead figure)"
    )
    parser.add_argument(
        "--keep", type=Path, help="keep each service run's data folder in this folder"
    )
    args = parser.parse_args()

    stack = make_stack(args.dossiers, args.seed)
    runs: dict[str, list[dict[str, float]]] = {"process": [], "service": []}
    for round_number in range(args.rounds):
        order = ("process", "service") if round_number % 2 == 0 else ("service", "process")
        for which in order:
            if args.only not in (None, which):
                continue
            load = os.getloadavg()[0]
            each = ""
            if which == "process":
                seconds, peak = run_process(stack, args.timeout)
                pages = _pages(stack)
            else:
                seconds, peaks, pages = run_service(stack, args.workers, args.timeout, args.keep)
                peak, each = peaks.total, f"\n  peak per process (MB, with its children): {peaks}"
            ppm = pages / seconds * 60
            runs[which].append({"seconds": seconds, "pages_per_minute": ppm, "peak_pss_mb": peak,
                                "load_before": load, "load_after": os.getloadavg()[0]})  # fmt: skip
            print(f"round {round_number + 1} {which:<8} {pages} pages in {seconds:6.1f} s: "
                  f"{ppm:6.1f} pages/min, peak {peak:5.0f} MB "
                  f"(load {load:.2f} -> {os.getloadavg()[0]:.2f}){each}", flush=True)  # fmt: skip
    if args.only:
        return 0
    process = statistics.median(r["pages_per_minute"] for r in runs["process"])
    service = statistics.median(r["pages_per_minute"] for r in runs["service"])
    overhead = 1 - service / process
    print(
        f"\nmedian pages/min: digitize process {process:.1f}, service with "
        f"{args.workers} workers {service:.1f}; overhead {overhead:.1%} (target < 10 %)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"service-{stamp}.json").write_text(
        json.dumps({"stack": stack.name, "runs": runs, "overhead": overhead}, indent=1)
    )
    return 0


def _pages(stack: Path) -> int:
    from digitize.inputs import ReadLimits, count_pages

    return count_pages(stack, ReadLimits())


if __name__ == "__main__":
    sys.exit(main())
