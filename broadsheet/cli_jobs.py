"""`broadsheet jobs`: the job engine's queues per kind of job; retry or cancel jobs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

jobs_app = typer.Typer(
    help="Queued, running, failed and retried jobs (job_engine procrastinate).", invoke_without_command=True
)


@jobs_app.callback()
def jobs_show(ctx: typer.Context) -> None:
    """Show jobs per kind (queued, running, failed, retried, cancelled) and every failed job."""
    if ctx.invoked_subcommand is not None:
        return
    from broadsheet.jobs.admin import failed_jobs, job_counts
    from broadsheet.terminal import out, state

    config = state.config()
    table = Table("kind", "queued", "running", "failed", "retried", "cancelled", title="Jobs")
    for row in job_counts(config):
        table.add_row(
            row.kind, str(row.queued), str(row.running), str(row.failed), str(row.retried), str(row.cancelled)
        )
    out.print(table)
    failed = failed_jobs(config)
    if failed:
        listing = Table("id", "kind", "arguments", "attempts", title="Failed jobs (`broadsheet jobs retry ID`)")
        for job in failed:
            listing.add_row(str(job.id), job.kind, str(job.args), str(job.attempts))
        out.print(listing)


@jobs_app.command("retry")
def jobs_retry(
    job_id: Annotated[int | None, typer.Argument(help="A failed job's id (see `broadsheet jobs`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Retry every failed job.")] = False,
) -> None:
    """Queue a failed job again (or all of them)."""
    from broadsheet.jobs.admin import retry
    from broadsheet.terminal import out, state

    count = retry(state.config(), job_id, all_failed)
    out.print(f"Queued {count} failed job{'s' if count != 1 else ''} again.")


@jobs_app.command("cancel")
def jobs_cancel(job_id: Annotated[int, typer.Argument(help="A queued or running job's id.")]) -> None:
    """Cancel a queued job, or ask a running one to stop."""
    from broadsheet.jobs.admin import cancel
    from broadsheet.terminal import out, state

    out.print(f"Job {job_id} {cancel(state.config(), job_id)}.")
