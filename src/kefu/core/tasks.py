"""Background work a service asks for itself: `run_later(service, **kwargs)`.

A service that wants one piece of work done in the worker after its transaction commits (send this
reply, deliver that webhook) hands over the service function itself, not a task: importing its app's
tasks module, which imports the services it runs, would tie services and tasks in a cycle. The
worker runs the service by its dotted name, with the same keyword arguments, so a job is exactly a
service call made later — and, like every task, must be safe to run twice.

An app's own tasks.py keeps its periodic work (sweeps), which nothing else calls.
"""

import logging

from django.db import transaction
from django.utils.module_loading import import_string
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_task()
def run_service(path: str, kwargs: dict):
    return import_string(path)(**kwargs)


@db_task(retries=3, retry_delay=60)
def run_service_with_retries(path: str, kwargs: dict):
    """For work against a server that may be away for a while (the mail server)."""
    return import_string(path)(**kwargs)


def run_later(service, *, retries: bool = False, **kwargs) -> None:
    """Run `service(**kwargs)` in the worker once the current transaction commits (at once outside one).

    `service` must be a module-level function (the worker imports it by name); `kwargs` must be
    plain values (ids, not rows): they wait in the queue. `retries`: the worker tries a failed run
    three more times, a minute apart.

    The caller's work is committed by then, so a queue that cannot take the job (SqliteHuey's own
    database locked, Redis unreachable) must neither turn the request into a 500 nor lose the job
    silently: it is logged, and each kind of job has a periodic sweep that finds what is due but
    was never done (the notice sweep, the message retry, the webhook sweep).
    """
    path = f"{service.__module__}.{service.__qualname__}"
    task = run_service_with_retries if retries else run_service

    def enqueue():
        try:
            task(path, kwargs)
        except Exception:
            log.exception("%s(%s) not queued; its periodic sweep will make it good", path, kwargs)

    transaction.on_commit(enqueue)


@db_periodic_task(crontab(minute="23"))
def forget_expired_idempotency_keys():
    """Hourly: forget create requests' keys older than 24 hours (core/idempotency.py)."""
    from kefu.core.idempotency import forget_expired

    return forget_expired()
