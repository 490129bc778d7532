"""Throughput through the queue with 1 and 2 workers, and with 2 workers on two "nodes"
(separate data folders), all on the production topology: PostgreSQL, Redis and S3
(SeaweedFS), each started here on loopback; and what a page costs in database and
storage, for sizing.

    .venv/bin/python bench/nodes.py --dossiers 4 --rounds 1

Each configuration gets a fresh database, queue and bucket prefix; the API
(`digitize serve`) runs on node A, workers as configured:

- `1 worker`: one `digitize worker` on node A;
- `2 workers`: two on node A;
- `2 nodes`: one on node A, one on node B (another data folder, same shared services).

The clock runs from the upload (POST /api/v1/batches) to the batch being done.
Printed per run: pages per minute, peak PSS of the busiest worker (its process tree,
Tesseract included), and the load average; at the end, database growth (pg_database_size
after the run, less the migrated empty database) and stored bytes (originals, pages,
documents) per page, scaled to 100,000 pages. The machine is shared: compare the
configurations within a run, and mind the load.
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
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import make_stack
from storage.s3 import S3Options, S3Store
from tests.s3_fixtures import ACCESS_KEY, BUCKET, SECRET_KEY, start_seaweedfs, stop_seaweedfs
from tests.service_fixtures import free_port, start_cluster

RESULTS = Path(__file__).resolve().parent / "results"
DIGITIZE = Path(sys.executable).parent / "digitize"
CONFIGS = {"1 worker": ["a"], "2 workers": ["a", "a"], "2 nodes": ["a", "b"]}


def _tree_pss(process: psutil.Process) -> float:
    total = 0.0
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    for member in family:
        try:
            total += member.memory_full_info().pss
        except psutil.Error:
            continue
    return total / 2**20


def _database(admin_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _database_bytes(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(size or 0)


def _stored_bytes(store: S3Store) -> dict[str, int]:
    sizes = {"originals": 0, "pages": 0, "documents": 0}
    paginator = store._client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=store.bucket, Prefix=store.prefix):
        for item in page.get("Contents", []):
            kind = item["Key"][len(store.prefix) :].split("/", 1)[0]
            sizes[kind] = sizes.get(kind, 0) + int(item["Size"])
    return sizes


def run_config(
    name: str, stack: Path, shared: dict[str, str], admin_url: str, endpoint: str, timeout: float
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-nodes-"))
    database = _database(admin_url)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    storage = {
        "DIGITIZE_STORAGE_URL": f"s3://{BUCKET}/{prefix}",
        "DIGITIZE_S3_ENDPOINT_URL": endpoint,
        "DIGITIZE_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "DIGITIZE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    api_port = free_port()
    envs = {}
    for node in ("a", "b"):
        (root / node).mkdir()
        envs[node] = {
            **os.environ,
            **shared,
            **storage,
            "DIGITIZE_DATA_DIR": str(root / node),
            "DIGITIZE_DATABASE_URL": database,
            "DIGITIZE_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}",
            "DIGITIZE_API_PORT": str(api_port),
        }
    envs["b"]["DIGITIZE_QUEUE_NAME"] = envs["a"]["DIGITIZE_QUEUE_NAME"]
    started: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([str(DIGITIZE), "db", "upgrade"], env=envs["a"], check=True,
                       capture_output=True)  # fmt: skip
        empty_db = _database_bytes(database)
        key = subprocess.run(
            [str(DIGITIZE), "apikey", "create", "--name", "bench", "--role", "archive", "--quiet"],
            env=envs["a"], check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        started.append(subprocess.Popen([str(DIGITIZE), "serve"], env=envs["a"]))
        workers = [
            subprocess.Popen(
                [str(DIGITIZE), "worker", "--name", f"bench-{node}-{n}"], env=envs[node]
            )
            for n, node in enumerate(CONFIGS[name])
        ]
        started += workers
        client = httpx.Client(
            base_url=f"http://127.0.0.1:{api_port}/api/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=600,
        )
        deadline = time.monotonic() + 120
        while not _answers(client):
            if time.monotonic() > deadline:
                raise TimeoutError("the API did not start")
            time.sleep(0.25)
        time.sleep(3)  # the workers load the catalogue and the model
        roots = [psutil.Process(w.pid) for w in workers]
        peak = [0.0]
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max([peak[0], *(_tree_pss(r) for r in roots)])
                stop.wait(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        load = os.getloadavg()[0]
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
        pages = batch["progress"]["pages_total"]
        store = S3Store(
            storage["DIGITIZE_STORAGE_URL"],
            S3Options(endpoint, access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY),
        )
        return {
            "config": name,
            "status": batch["status"],
            "pages": pages,
            "seconds": seconds,
            "pages_per_minute": pages / seconds * 60,
            "peak_worker_pss_mb": peak[0],
            "load_before": load,
            "load_after": os.getloadavg()[0],
            "database_bytes": _database_bytes(database) - empty_db,
            "stored_bytes": _stored_bytes(store),
        }
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            name_only = make_url(database).database
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name_only}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(root, ignore_errors=True)


def _answers(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=4, help="dossiers in the stack (4)")
    parser.add_argument("--seed", type=int, default=3, help="generator seed (default 3)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of all configs (1)")
    parser.add_argument("--configs", default=",".join(CONFIGS), help="which, ','-joined")
    parser.add_argument("--timeout", type=float, default=3600, help="per run, seconds")
    args = parser.parse_args()
    chosen = [c.strip() for c in args.configs.split(",") if c.strip()]

    stack = make_stack(args.dossiers, args.seed)
    root = Path(tempfile.mkdtemp(prefix="bench-nodes-services-"))
    postgres = start_cluster(durable=True)
    if postgres is None:
        print("PostgreSQL is not installed (bash scripts/setup.sh --tests)")
        return 1
    seaweed, endpoint = start_seaweedfs(root / "seaweedfs")
    redis_port = free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(root)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    shared = {"DIGITIZE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
    runs: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                Redis.from_url(shared["DIGITIZE_REDIS_URL"]).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for number in range(args.rounds):
            order = chosen if number % 2 == 0 else list(reversed(chosen))
            for name in order:
                run = run_config(name, stack, shared, postgres.admin_url, endpoint, args.timeout)
                runs.append(run)
                print(f"round {number + 1} {name:<10} {run['pages']} pages in "
                      f"{run['seconds']:6.1f} s: {run['pages_per_minute']:6.1f} pages/min, "
                      f"busiest worker {run['peak_worker_pss_mb']:4.0f} MB "
                      f"(load {run['load_before']:.2f} -> {run['load_after']:.2f}) "
                      f"[{run['status']}]", flush=True)  # fmt: skip
    finally:
        redis.terminate()
        redis.wait(timeout=30)
        stop_seaweedfs(seaweed)
        if postgres.stop:
            subprocess.run(postgres.stop, check=False, capture_output=True, timeout=120)
            shutil.rmtree(postgres.folder or "", ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)

    medians = {
        name: statistics.median(r["pages_per_minute"] for r in runs if r["config"] == name)
        for name in chosen
    }
    print("\nmedian pages/min:", ", ".join(f"{k} {v:.1f}" for k, v in medians.items()))
    per_page_db = statistics.median(r["database_bytes"] / r["pages"] for r in runs)
    per_page_store = {
        kind: statistics.median(r["stored_bytes"].get(kind, 0) / r["pages"] for r in runs)
        for kind in ("originals", "pages", "documents")
    }
    scale = 100_000 / 2**30
    print(f"per 100,000 pages: database {per_page_db * scale:.1f} GiB, storage "
          + ", ".join(f"{k} {v * scale:.1f} GiB" for k, v in per_page_store.items())
          + f" (total {sum(per_page_store.values()) * scale:.1f} GiB)")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"nodes-{stamp}.json").write_text(
        json.dumps({"stack": stack.name, "runs": runs}, indent=1)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
