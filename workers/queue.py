"""The work queue (RQ on Redis): how work is put on it, split and chained.

    split_scan(scan) --> process_pages(scan, pages 1-4) --\
                     --> process_pages(scan, pages 5-8) ---+--> assemble_scan(scan)
                     --> ...                            --/        --> deliver_webhook(...)

Page jobs of all scans run side by side on every worker; the assembly of a scan waits,
through an RQ dependency, for all its page jobs, including those that failed for good
(it then records the scan's failure with each page's reason). Jobs take ids only, and
are stored as JSON, never pickled: whoever can write to Redis must not be able to make
a worker run code (RQ's default pickle would).

Jobs are named here by their import path, not imported: `workers.jobs` imports this
module to queue what follows each job.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Dependency, Job
from rq.serializers import JSONSerializer

from config import Settings

_JOBS = "workers.jobs"
SPLIT_SCAN = f"{_JOBS}.split_scan"
PROCESS_PAGES = f"{_JOBS}.process_pages"
ASSEMBLE_SCAN = f"{_JOBS}.assemble_scan"
DELIVER_WEBHOOK = f"{_JOBS}.deliver_webhook"
RETRAIN = f"{_JOBS}.retrain_classifier"
ON_FAILURE = f"{_JOBS}.on_failure"
SERIALIZER = JSONSerializer  # queue, jobs and workers all read and write with it


def connect(settings: Settings) -> Redis:
    return Redis.from_url(settings.redis_url)


def work_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    return Queue(
        settings.queue_name, connection=connection or connect(settings), serializer=SERIALIZER
    )


def _retry(settings: Settings, which: str = "job") -> Retry | None:
    retries = settings.webhook_retries if which == "webhook" else settings.job_retries
    return Retry(max=retries, interval=settings.backoff(which)) if retries else None


def _job_options(settings: Settings) -> dict[str, Any]:
    return {
        "job_timeout": int(settings.job_timeout),
        "retry": _retry(settings),
        "on_failure": Callback(ON_FAILURE),
        "result_ttl": 24 * 3600,
        "failure_ttl": 30 * 24 * 3600,
    }


def queued_scans_key(settings: Settings) -> str:
    """The Redis set of scans with work on the queue, written after their jobs: if Redis
    loses the jobs (a crash past its last sync, a Redis without persistence, a flush), it
    loses this too, and `workers.reconcile` queues the scan again."""
    return f"digitize:{settings.queue_name}:queued-scans"


def enqueue_scans(settings: Settings, scan_ids: Sequence[int], queue: Queue | None = None) -> None:
    """Start digitising stored scans."""
    queue = queue or work_queue(settings)
    for scan_id in scan_ids:
        queue.enqueue(SPLIT_SCAN, scan_id, **_job_options(settings))
        queue.connection.sadd(queued_scans_key(settings), scan_id)


def enqueue_pages_and_assembly(
    settings: Settings, queue: Queue, scan_id: int, chunks: Sequence[Sequence[int]]
) -> Job:
    """The page jobs of a scan, and its assembly after them."""
    options = _job_options(settings)
    page_jobs = [queue.enqueue(PROCESS_PAGES, scan_id, list(chunk), **options) for chunk in chunks]
    depends = Dependency(jobs=page_jobs, allow_failure=True) if page_jobs else None
    assembly = queue.enqueue(ASSEMBLE_SCAN, scan_id, depends_on=depends, **options)
    queue.connection.sadd(queued_scans_key(settings), scan_id)
    return assembly


def enqueue_deliveries(settings: Settings, queue: Queue, delivery_ids: Sequence[int]) -> None:
    for delivery_id in delivery_ids:
        queue.enqueue(
            DELIVER_WEBHOOK,
            delivery_id,
            job_timeout=int(settings.webhook_timeout * 3) + 10,
            retry=_retry(settings, "webhook"),
            on_failure=Callback(ON_FAILURE),
            result_ttl=24 * 3600,
            failure_ttl=30 * 24 * 3600,
        )


# --- retraining the classifier (one at a time) ----------------------------------------

RETRAIN_TIMEOUT = 3600
# Compare-and-delete: the lock is released only by (or for) the job that holds it.
_RELEASE = (
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
)
_UNFINISHED = {"queued", "started", "deferred", "scheduled"}


def _retrain_keys(settings: Settings) -> tuple[str, str]:
    base = f"digitize:{settings.queue_name}:retrain"
    return f"{base}:running", f"{base}:last"


def enqueue_retrain(
    settings: Settings, actor: str, connection: Redis | None = None
) -> tuple[Job, bool]:
    """Queue a retraining of the classifier, unless one is queued or running already:
    (the job, True if it was queued now). A lock in Redis (SET NX) makes two presses at
    once queue one job; a lock left by a job that ended without releasing it (its
    worker died) is taken over."""
    connection = connection or connect(settings)
    running, last = _retrain_keys(settings)
    queue = work_queue(settings, connection)
    for _ in range(2):
        job_id = f"retrain-{uuid.uuid4().hex}"
        if connection.set(running, job_id, nx=True, ex=RETRAIN_TIMEOUT + 60):
            connection.set(last, job_id)
            job = queue.enqueue(
                RETRAIN, actor, job_id=job_id, job_timeout=RETRAIN_TIMEOUT,
                result_ttl=30 * 24 * 3600, failure_ttl=30 * 24 * 3600,
            )  # fmt: skip
            return job, True
        holder = connection.get(running)
        if holder is None:
            continue
        held = _fetch(connection, holder.decode())
        if held is not None and held.get_status(refresh=True) in _UNFINISHED:
            return held, False
        release_retrain(settings, holder.decode(), connection)  # stale: its job ended
    raise RuntimeError("the retraining lock could not be taken")


def release_retrain(settings: Settings, job_id: str, connection: Redis | None = None) -> None:
    connection = connection or connect(settings)
    connection.eval(_RELEASE, 1, _retrain_keys(settings)[0], job_id)


def last_retrain(settings: Settings, connection: Redis | None = None) -> Job | None:
    """The latest retraining job (queued, running or ended), None if none is known."""
    connection = connection or connect(settings)
    job_id = connection.get(_retrain_keys(settings)[1])
    return _fetch(connection, job_id.decode()) if job_id else None


def _fetch(connection: Redis, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=connection, serializer=SERIALIZER)
    except NoSuchJobError:
        return None
