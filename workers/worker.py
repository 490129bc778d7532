"""`digitize worker`: an RQ worker for the digitising jobs.

Each job runs in a process forked from the worker (RQ's default): a job that crashes,
leaks or times out takes only that process with it, and the worker carries on.

If the worker itself dies (SIGKILL, a machine lost), its job stays marked as started
until its heartbeat runs out (`DIGITIZE_WORKER_GRACE` seconds); then the next worker
to look (every `DIGITIZE_WORKER_MAINTENANCE` seconds) gives it to the queue again.
"""

from __future__ import annotations

import logging
import os

from rq import Worker
from rq.job import Job

from digitize.settings import Settings
from workers import jobs
from workers.queue import connect, work_queue

log = logging.getLogger(__name__)


class DigitizeWorker(Worker):
    """RQ's worker, with the time a silent job is given before it counts as abandoned
    taken from the settings (RQ adds a fixed minute)."""

    grace: int = 60

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = min(interval, max(1, int(job.timeout - working_time)))
        return int(interval) + self.grace


def build_worker(settings: Settings, *, name: str | None = None) -> DigitizeWorker:
    connection = connect(settings)
    maintenance = settings.worker_maintenance
    worker = DigitizeWorker(
        [work_queue(settings, connection)],
        connection=connection,
        name=name,
        maintenance_interval=maintenance,
        # An idle worker waits on the queue this long (less 15 s) before its upkeep.
        worker_ttl=maintenance + 15,
        job_monitoring_interval=max(1, min(30, settings.worker_grace // 3)),
    )
    worker.grace = settings.worker_grace
    return worker


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> bool:
    """Work until stopped (or, with `burst`, until the queue is empty)."""
    services = jobs.services()  # migrate and load once, before any job forks
    services.knowledge  # noqa: B018 - loads the catalogue and model now
    # A forked job must not share the parent's database connections.
    os.register_at_fork(after_in_child=lambda: services.engine.dispose(close=False))
    worker = build_worker(settings, name=name)
    log.info("worker %s on %s, queue %s", worker.name, settings.redis_url, settings.queue_name)
    return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
