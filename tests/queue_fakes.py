"""A queue task's job that runs a real child process (``test_jobs_workers:count``) and stores one
segment per item it sends, so the queue tests can watch cancels and parallel runs in seconds
instead of real transcriptions. It records, in the parent, when its messages came and how many
of the queue's tasks were running at that moment."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar

from focusdesk.core.model import Segment, Word
from focusdesk.jobs.session_job import JobKind, JobOutcome, JobSpec
from focusdesk.store import transcripts
from focusdesk.store.queue import Task
from focusdesk.store.workspace import Workspace


@dataclass
class Seen:
    """What every fake job of one test saw: (time, task id, what) and the most tasks running."""

    events: list[tuple[float, int, str]] = field(default_factory=list)
    most_running: int = 0

    def span(self, task_id: int) -> tuple[float, float]:
        times = [t for t, tid, _ in self.events if tid == task_id]
        return min(times), max(times)


@dataclass
class FakeJob:
    worker: ClassVar[str] = "test_jobs_workers:count"

    ws: Workspace
    task: Task
    seen: Seen
    n: int = 5
    sleep: float = 0.1
    stored: int = 0
    pid: int | None = None

    @property
    def spec(self) -> JobSpec:
        return JobSpec(JobKind(self.task.step.value), self.task.session_id, f"Fake {self.task.id}")

    def params(self) -> dict:
        return {"n": self.n, "sleep": self.sleep}

    def handle(self, message: dict) -> None:
        running = self.ws.db.execute(
            "SELECT COUNT(*) FROM queue_tasks WHERE state = 'running'").fetchone()[0]
        self.seen.most_running = max(self.seen.most_running, running)
        self.seen.events.append((time.monotonic(), self.task.id, message["type"]))
        if message["type"] == "started":
            self.pid = int(message["pid"])
        elif message["type"] == "item":
            ms = 10_000 * self.task.id + 1000 * message["i"]
            transcripts.add_segment(self.ws.db, Segment(
                session_id=self.task.session_id, start_ms=ms, end_ms=ms + 500, text=f"item {self.task.id}",
                source="manual", words=[Word(ms, ms + 500, "item")]))
            self.stored += 1

    def progress_note(self) -> str:
        return ""

    def finish(self, outcome: JobOutcome = JobOutcome.DONE, error: BaseException | None = None) -> str:
        return f"{outcome.value}: {self.stored} stored"
