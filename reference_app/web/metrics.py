"""``/api/webhook-metrics``: the report's debugging endpoints, for admins.

``GET /api/webhook-metrics/queue-health``: jobs and inbox events by status, the age of the oldest
pending work, the last worker heartbeat. ``GET /api/webhook-metrics/recent-failures?limit=20``:
failed events and refused deliveries, newest first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from reference_app import pipeline_metrics
from reference_app.runtime import Runtime
from reference_app.web.identity import AdminIdentity
from reference_app.web.request_input import whole_number

router = APIRouter()


@router.get("/api/webhook-metrics/queue-health")
async def queue_health(request: Request, admin: AdminIdentity) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime

    def read() -> pipeline_metrics.QueueHealth:
        with runtime.pool.connection() as conn:
            return pipeline_metrics.queue_health(conn)

    health = await run_in_threadpool(read)
    return JSONResponse(
        {
            "jobs": health.jobs_by_status,
            "inbox": health.inbox_by_status,
            "oldest_pending_seconds": health.oldest_pending_seconds,
            "oldest_queued_event_seconds": health.oldest_queued_event_seconds,
            "oldest_todo_job_seconds": health.oldest_todo_job_seconds,
            "last_heartbeat": {
                "worker": health.last_heartbeat_worker,
                "at": _iso(health.last_heartbeat_at),
                "age_seconds": health.last_heartbeat_seconds,
            },
        }
    )


@router.get("/api/webhook-metrics/recent-failures")
async def recent_failures(
    request: Request, admin: AdminIdentity, limit: str = "20"
) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    top = pipeline_metrics.MAX_FAILURES
    count = whole_number(limit, max_digits=len(str(top)))
    if count is None or not 1 <= count <= top:
        return JSONResponse(
            {"error": f"limit must be a whole number from 1 to {top}, got {limit!r}"},
            status_code=400,
        )
    wanted: int = count

    def read() -> list[pipeline_metrics.PipelineFailure]:
        with runtime.pool.connection() as conn:
            return pipeline_metrics.recent_failures(conn, wanted)

    failures = await run_in_threadpool(read)
    return JSONResponse({"failures": [_failure_json(f) for f in failures]})


def _failure_json(failure: pipeline_metrics.PipelineFailure) -> dict[str, Any]:
    return {
        "kind": failure.kind,
        "at": _iso(failure.at),
        "event_id": failure.event_id,
        "event_type": failure.event_type,
        "object_id": failure.object_id,
        "stage": failure.stage,
        "error": failure.error,
        "attempts": failure.attempts,
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
