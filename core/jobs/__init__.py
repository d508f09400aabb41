"""Background jobs: JobRun rows (the outbox), RQ when ``REDIS_URL`` is set, inline otherwise.

Public surface (used by core and, through ``core.plugins.api``, by plugins):

* :func:`enqueue` writes a :class:`~core.jobs.models.JobRun` in the caller's transaction; after
  that transaction commits it is handed to RQ (or run inline when there is no Redis);
* :func:`progress` reports how far a running job got (and raises :class:`JobCancelled` when
  someone pressed cancel);
* :class:`JobResult` lets a job return data plus a downloadable file;
* :class:`JobError` is a failure whose message is shown to people as it is.
"""

from __future__ import annotations

from core.jobs.runner import JobCancelled, JobError, JobResult, progress
from core.jobs.services import cancel, dispatch, enqueue

__all__ = ["JobCancelled", "JobError", "JobResult", "cancel", "dispatch", "enqueue", "progress"]
