"""`digitize worker`: an RQ worker for the digitising jobs.

Jobs run in the worker's own process (RQ's SimpleWorker), not in a process forked per
job: the catalogue, the classifier and the Tesseract children (with the Vietnamese
model loaded) stay ready from one job to the next, where a fork per job would start
Tesseract again each time. A job's time limit still holds (RQ's alarm), OCR runs in
child processes with deadlines of their own, and a heartbeat thread keeps the job
marked alive while it runs.

If the worker dies (SIGKILL, out of memory, a machine lost), its heartbeat stops; once
it is `DIGITIZE_WORKER_GRACE` seconds late the next worker to look (every
`DIGITIZE_WORKER_MAINTENANCE` seconds) gives the job to the queue again.

Asked to stop (SIGTERM, SIGINT), a worker gives its current job
`DIGITIZE_WORKER_STOP_SECONDS` to finish; then it hands the job back to the queue (a
retry that does not count against the job's retries: every step is idempotent) and
goes. RQ alone would wait for the job however long it runs.

In its upkeep a worker also queues again the files whose work Redis lost (see
`workers.reconcile`).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from rq import Queue, SimpleWorker
from rq.exceptions import StopRequested
from rq.executions import Execution
from rq.job import Job
from rq.worker import WorkerStatus

from config import Settings
from digitize.imaging.common import use_one_opencv_thread
from service.context import Services
from workers import jobs
from workers.queue import SERIALIZER, connect, work_queue
from workers.reconcile import reconcile_once
from workers.redis_server import claim, redacted

log = logging.getLogger(__name__)


_HAND_BACK_SIGNAL = signal.SIGUSR2  # SIGALRM is RQ's, for job time limits


class ForeignRedisError(Exception):
    """The Redis holds another instance's id for this queue: its jobs are not ours."""


class HandedBackError(Exception):
    """The worker was asked to stop: its job goes back to the queue, to run again."""


class DigitizeWorker(SimpleWorker):
    """RQ's in-process worker, with heartbeats while a job runs, a settable grace, and a
    bounded stop."""

    grace: int = 60
    stop_seconds: int = 5
    reconcile: Callable[[], object] | None = None  # run in the upkeep (see build_worker)
    instance: str = ""  # DIGITIZE_INSTANCE_ID: the queue must be this instance's
    _running: Job | None = None
    _hand_back_timer: threading.Timer | None = None

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        super().request_stop(signum, frame)  # raises StopRequested when idle
        if self._running is not None and self._hand_back_timer is None:
            signal.signal(_HAND_BACK_SIGNAL, self._hand_back)
            timer = threading.Timer(
                self.stop_seconds, os.kill, args=(os.getpid(), _HAND_BACK_SIGNAL)
            )
            timer.daemon = True
            timer.start()
            self._hand_back_timer = timer

    def stop_scheduler(self) -> None:
        """Stop the retry scheduler's process, within `stop_seconds`: RQ waits for it
        however long it takes, and a forked process can be stuck for good (a lock held
        by a thread of the parent at the fork), which left the worker unable to stop.
        The scheduler holds no job, so killing it loses nothing."""
        process = self.scheduler._process if self.scheduler else None
        if process is None or not process.pid:
            return
        with contextlib.suppress(OSError):  # gone already
            os.kill(process.pid, signal.SIGTERM)
        process.join(timeout=self.stop_seconds)
        if process.is_alive():
            log.warning("the retry scheduler did not stop in %s s: killed", self.stop_seconds)
            process.kill()
            process.join(timeout=self.stop_seconds)

    def _hand_back(self, _signum: int, _frame: FrameType | None) -> None:
        job = self._running
        if job is None:
            return
        # One more try than it had: being stopped is not the job's failure. The failure
        # callback sees retries left, and RQ queues the job again.
        job.retries_left = (job.retries_left or 0) + 1
        log.warning("job %s handed back to the queue: the worker is stopping", job.id)
        raise HandedBackError(f"handed back: worker {self.name} was stopped")

    def execute_job(self, job: Job, queue: Queue) -> None:
        self._running = job
        try:
            self._execute_job(job, queue)
        finally:
            self._running = None

    def _execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        stop = threading.Event()
        beat = threading.Thread(
            target=self._beat, args=(job, execution, stop), name="heartbeat", daemon=True
        )
        beat.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            beat.join()
        self.set_state(WorkerStatus.IDLE)

    def _beat(self, job: Job, execution: Execution, stop: threading.Event) -> None:
        # Past its time limit and the grace, a job that has not ended is stuck where the
        # alarm cannot reach it: the heartbeat stops, so another worker takes it over.
        limit = time.monotonic() + (job.timeout or 0) + self.grace
        while not stop.wait(self.job_monitoring_interval):
            if job.timeout and time.monotonic() > limit:
                log.warning("job %s is past its time limit; no more heartbeats", job.id)
                return
            try:
                self.maintain_heartbeats(job, execution)
            except Exception:  # Redis briefly away: the next beat tries again
                log.warning("heartbeat of job %s failed", job.id, exc_info=True)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return int(self.job_monitoring_interval) + self.grace

    def check_instance(self) -> None:
        """Raise ForeignRedisError if the queue is another instance's (see `claim`)."""
        if not self.instance:
            return
        queue = self.queues[0]
        other = claim(self.connection, queue.name, self.instance)
        if other is not None:
            raise ForeignRedisError(
                f"the queue {queue.name!r} in this Redis belongs to another digitize "
                f"instance ({other}), not this one ({self.instance})"
            )

    def run_maintenance_tasks(self) -> None:
        super().run_maintenance_tasks()
        # StopRequested (SIGTERM while idle) must reach RQ's loop, not be taken for a
        # failure of ours: swallowed, the worker would never stop.
        try:
            self.check_instance()
        except ForeignRedisError:
            log.exception("stopping: not our queue")
            self._stop_requested = True
            return
        except StopRequested:
            raise
        except Exception:  # Redis briefly away: the next upkeep looks again
            log.warning("checking the queue's instance failed", exc_info=True)
        if self.reconcile is None:
            return
        try:
            self.reconcile()
        except StopRequested:
            raise
        except Exception:  # Redis or the database briefly away: the next upkeep tries again
            log.warning("reconciling the queue with the database failed", exc_info=True)


def build_worker(
    settings: Settings, *, name: str | None = None, reconcile_with: Services | None = None
) -> DigitizeWorker:
    connection = connect(settings)
    maintenance = settings.worker_maintenance
    worker = DigitizeWorker(
        [work_queue(settings, connection)],
        connection=connection,
        name=name,
        serializer=SERIALIZER,
        maintenance_interval=maintenance,
        # An idle worker waits on the queue this long (less 15 s) before its upkeep.
        worker_ttl=maintenance + 15,
        job_monitoring_interval=max(1, min(30, settings.worker_grace // 3)),
    )
    worker.grace = settings.worker_grace
    worker.stop_seconds = settings.worker_stop_seconds
    worker.instance = settings.instance_id
    if reconcile_with is not None:
        queue = worker.queues[0]
        worker.reconcile = functools.partial(
            reconcile_once, reconcile_with, queue, worker.name, maintenance
        )
    return worker


def run_worker(settings: Settings, *, burst: bool = False, name: str | None = None) -> bool:
    """Work until stopped (or, with `burst`, until the queue is empty)."""
    use_one_opencv_thread()  # a worker per core runs pages side by side already
    services = jobs.services()  # migrate and load once, before the first job
    services.knowledge  # noqa: B018 - loads the catalogue and model now
    worker = build_worker(settings, name=name, reconcile_with=services)
    where = redacted(settings.redis_url)
    log.info("worker %s on %s, queue %s", worker.name, where, settings.queue_name)
    try:
        worker.check_instance()  # before taking any job
        return worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
    finally:
        jobs.close()
