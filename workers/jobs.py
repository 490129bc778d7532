"""RQ jobs: thin. Each takes ids, calls one service step, and queues what follows.

Every step is idempotent (see `service.processing`), so RQ's retries, and the re-run
of a job whose worker died, never count a page or a document twice.
"""

from __future__ import annotations

import functools
import logging
from types import TracebackType
from typing import Any

from redis import Redis
from rq import get_current_job
from rq.job import Job

from config import Settings
from digitize.ocr.engine import OcrEngine
from service import processing, staffreview, usecases, webhooks
from service.context import Services
from service.errors import ServiceError
from workers import queue as work

log = logging.getLogger(__name__)


@functools.cache
def services() -> Services:
    """This process's services, built from the environment on first use and kept: the
    worker runs its jobs in its own process, so each job finds the catalogue and the
    classifier loaded."""
    return Services.from_settings(Settings())


@functools.cache
def engine() -> OcrEngine:
    """The OCR engine, kept across jobs: its Tesseract children keep the model loaded."""
    return processing.ocr_engine(services().settings)


def close() -> None:
    """End what this process holds: Tesseract children, database connections."""
    if engine.cache_info().currsize:
        close_engine = getattr(engine(), "close", None)
        if close_engine is not None:
            close_engine()
        engine.cache_clear()
    if services.cache_info().currsize:
        services().close()
        services.cache_clear()


def _queue() -> Any:
    job = get_current_job()
    settings = services().settings
    return work.work_queue(settings, job.connection if job else None)


def split_scan(scan_id: int) -> int:
    """Count the scan's pages; queue their jobs and the assembly. Returns page jobs queued."""
    chunks = processing.split_scan(services(), scan_id)
    if chunks is None:
        return 0
    work.enqueue_pages_and_assembly(services().settings, _queue(), scan_id, chunks)
    return len(chunks)


def process_pages(scan_id: int, numbers: list[int]) -> int:
    return processing.process_pages(services(), scan_id, numbers, engine())


def assemble_scan(scan_id: int) -> int:
    deliveries = processing.assemble_scan(services(), scan_id)
    work.enqueue_deliveries(services().settings, _queue(), deliveries)
    return len(deliveries)


def deliver_webhook(delivery_id: int) -> None:
    failure = usecases.deliver_webhook(services(), delivery_id)
    if failure is not None:  # the attempt is on record; the queue tries again later
        raise webhooks.DeliveryFailedError(failure)


def retrain_classifier(actor: str) -> dict[str, Any]:
    """Retrain the classifier (the admin page's button); the outcome is the job's result,
    which the page shows. A refusal (nothing to learn from) is a result, not a failure."""
    job = get_current_job()
    settings = services().settings
    try:
        used = staffreview.retrain(services(), actor=actor)
    except ServiceError as exc:
        return {"error": exc.detail}
    finally:
        if job is not None:
            work.release_retrain(settings, job.id, job.connection)
    # This worker classifies with the new model from its next job on; others when they
    # restart (their model is loaded once per process).
    close()
    return {"examples": used}


def on_failure(
    job: Job,
    connection: Redis,
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    traceback: TracebackType | None,
) -> None:
    """Called by RQ when a job raised or its worker died; records it once RQ gives up."""
    if job.retries_left:
        return  # RQ tries again
    reason = f"{exc_type.__name__ if exc_type else 'failure'}: {exc}" if exc else "worker died"
    if exc_type is not None and exc_type.__name__ == "AbandonedJobError":
        reason = "its worker died each time it was tried"
    name = job.func_name.rsplit(".", 1)[-1]
    args = job.args
    log.warning("job %s %s%r gave up: %s", job.id, name, tuple(args), reason)
    try:
        if name == "process_pages":
            processing.give_up_pages(services(), args[0], args[1], f"not digitised ({reason})")
        elif name in ("split_scan", "assemble_scan"):
            processing.fail_scan(services(), args[0], f"{name.replace('_', ' ')} failed ({reason})")
        elif name == "deliver_webhook":
            usecases.give_up_delivery(services(), args[0], reason)
    except Exception:  # a callback must not take the worker down with it
        log.exception("recording the failure of job %s failed", job.id)
