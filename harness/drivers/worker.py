"""The app's queue worker, as operations sees it: stopped, started again, and what waits in the
queue for one payment (the app's event inbox and the queue's jobs, read-only), or, for an app
whose jobs live outside its database, how many jobs wait and failed (its queue probe)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.stack.wallet_stack import WalletStack


@dataclass(frozen=True)
class QueuedEvent:
    """One Stripe event the app stored for a payment, and the jobs that would handle it."""

    event_id: str
    event_type: str
    inbox_status: str  # queued | processed | ignored | failed
    job_statuses: tuple[str, ...]  # todo | doing | succeeded | failed | cancelled | aborted
    job_attempts: tuple[int, ...] = ()  # how many times each job ran
    last_error: str | None = None

    def __str__(self) -> str:
        jobs = (
            ", ".join(
                f"{status} after {attempts} attempt(s)"
                for status, attempts in zip(self.job_statuses, self.job_attempts, strict=False)
            )
            or "no job"
        )
        return f"{self.event_type} {self.event_id}: inbox {self.inbox_status}, jobs: {jobs}"


class Worker:
    def __init__(self, stack: WalletStack) -> None:
        self.stack = stack

    def stop(self) -> None:
        """Stop the worker process (the stack's reset starts one again for the next scenario)."""
        self.stack.stop_worker()

    def start(self) -> None:
        """Start a worker and wait for its first heartbeat (one that never beats is left
        running, with a warning: the scenario's later steps show what that costs)."""
        self.stack.start_worker()

    @property
    def running(self) -> bool:
        return self.stack.worker.running

    @property
    def shows_events(self) -> bool:
        """Whether the profile shows the stored events and their jobs (else only the queue
        probe's counts)."""
        records = self.stack.records
        return records.has("events_sql") and records.has("jobs_sql")

    def queue_counts(self) -> tuple[int, int]:
        """(waiting, failed) jobs, as the profile's queue probe counts them now."""
        with self.stack.connect() as conn:
            return self.stack.records.queue_counts(conn)

    def events_for(self, session_id: str) -> list[QueuedEvent]:
        """The events the app stored for the session, oldest first, with their jobs."""
        with self.stack.connect() as conn:
            events = self.stack.records.inbox_events(conn, session_id)
            jobs = self.stack.records.jobs_for_events(conn, [event.event_id for event in events])
        return [
            QueuedEvent(
                event.event_id,
                event.event_type,
                event.status,
                tuple(job.status for job in jobs if job.event_id == event.event_id),
                tuple(job.attempts for job in jobs if job.event_id == event.event_id),
                event.last_error,
            )
            for event in events
        ]
