"""Work the database waits for but Redis no longer holds, queued again.

Redis is the queue, the database the record. If Redis loses jobs (it died past its last
sync, it runs without persistence, someone flushed it, or an upload found it down), the
database still says which files are waiting or under way. Each scan with work queued is
in a Redis set written after its jobs (`queued_scans_key`), so a Redis that lost the
jobs lost the entry too. A scan unfinished in the database, older than
DIGITIZE_QUEUE_RECONCILE_SECONDS and missing from the set, is queued again from its
first step, which is idempotent: pages already done are not done again, and results
land once.

Workers run this as part of their periodic upkeep, one at a time (a lock in Redis).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from rq import Queue
from sqlalchemy import select

from models import Scan, ScanStatus
from models.base import utcnow
from service.context import Services
from workers.queue import enqueue_scans, queued_scans_key

log = logging.getLogger(__name__)

_UNFINISHED = (ScanStatus.QUEUED, ScanStatus.PROCESSING, ScanStatus.ASSEMBLING)


def reconcile(services: Services, queue: Queue) -> list[int]:
    """Queue again the scans whose work Redis lost; the ids queued."""
    settings = services.settings
    key = queued_scans_key(settings)
    connection = queue.connection
    # Redis first, then the database: a scan queued in between is in the database as
    # unfinished and maybe not in what was read, and is at worst queued twice (harmless).
    members = {int(m) for m in connection.smembers(key)}
    cutoff = utcnow() - timedelta(seconds=settings.queue_reconcile_seconds)
    with services.sessions() as session:
        unfinished = dict(
            session.execute(select(Scan.id, Scan.created_at).where(Scan.status.in_(_UNFINISHED)))
            .tuples()
            .all()
        )
    finished = members - unfinished.keys()
    if finished:  # done with: the set keeps only what is still waited for
        connection.srem(key, *finished)
    lost = sorted(i for i, created in unfinished.items() if i not in members and created < cutoff)
    if lost:
        log.warning("queue lost the work of scans %s; queued again", lost)
        enqueue_scans(settings, lost, queue)
    return lost


def reconcile_once(services: Services, queue: Queue, owner: str, every: int) -> list[int]:
    """`reconcile`, if no other worker did in the last `every` seconds."""
    lock = f"digitize:{services.settings.queue_name}:reconciling"
    if not queue.connection.set(lock, owner, nx=True, ex=max(1, every)):
        return []
    return reconcile(services, queue)
