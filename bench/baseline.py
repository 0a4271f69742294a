"""The raw Temporal baselines the product is compared with, in the same run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from temporalio import activity, workflow


@workflow.defn
class Noop:
    """The cheapest workflow there is: what a bare start_workflow costs."""

    @workflow.run
    async def run(self) -> None:
        return None


@activity.defn
async def stamp(_label: str) -> str:
    """Records when the timer fired and the activity ran (wall clock, UTC)."""
    return datetime.now(UTC).isoformat()


@workflow.defn
class SleepThenActivity:
    """Sleeps until an instant, then runs one activity: a breach with nothing around it."""

    @workflow.run
    async def run(self, due_iso: str) -> str:
        due = datetime.fromisoformat(due_iso)
        await workflow.sleep(max(due - workflow.now(), timedelta(0)))
        result: str = await workflow.execute_activity(
            stamp, "due", start_to_close_timeout=timedelta(seconds=30))
        return result
