"""The retry policy of every Celery task: transient errors (the database or the broker going away)
are retried with exponential backoff and jitter, a few times."""

from django.db import InterfaceError, OperationalError

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 600, "retry_jitter": True,
         "max_retries": 5}
