"""Long work in a child process that streams plain-dict messages to the parent (see runner.py)."""

from focusdesk.jobs.runner import JobCancelled, JobCrashed, JobError, run_job

__all__ = ["JobCancelled", "JobCrashed", "JobError", "run_job"]
