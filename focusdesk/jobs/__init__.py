"""Long work in a child process that streams plain-dict messages to the parent (see runner.py),
in one shape for every kind of job (see session_job.py)."""

from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, run_job
from focusdesk.jobs.session_job import (
    JobKind,
    JobOutcome,
    JobResult,
    JobRun,
    JobSpec,
    Progress,
    SessionJob,
    run_session_job,
)

__all__ = ["JobCancelled", "JobCrashed", "JobError", "JobKind", "JobOutcome", "JobResult", "JobRun",
           "JobSpec", "Progress", "SessionJob", "run_job", "run_session_job"]
