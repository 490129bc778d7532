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

from collections.abc import Sequence
from typing import Any

from redis import Redis
from rq import Callback, Queue, Retry
from rq.job import Dependency, Job
from rq.serializers import JSONSerializer

from config import Settings

_JOBS = "workers.jobs"
SPLIT_SCAN = f"{_JOBS}.split_scan"
PROCESS_PAGES = f"{_JOBS}.process_pages"
ASSEMBLE_SCAN = f"{_JOBS}.assemble_scan"
DELIVER_WEBHOOK = f"{_JOBS}.deliver_webhook"
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
