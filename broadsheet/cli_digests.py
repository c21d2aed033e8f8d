"""`broadsheet digests`: send the readers' digest emails that are due, from the command line (cron,
or a desk whose refresh loop is off)."""

from __future__ import annotations

import typer

digests_app = typer.Typer(help="Readers' daily and weekly digests.", no_args_is_help=True)


@digests_app.command("send")
def digests_send() -> None:
    """Send every digest email that is due now (each reader at most once per day or week)."""
    from broadsheet.pipeline.mailing import can_send, send_due_digests
    from broadsheet.terminal import out, state

    config = state.config()
    reason = can_send(config)
    if reason:
        out.print(f"No digest emails can be sent: {reason}.", highlight=False)
        raise typer.Exit(1)
    report = send_due_digests(state.engine(), config)
    out.print(
        f"Sent {report.sent} digest email{'s' if report.sent != 1 else ''}; "
        f"{report.empty} had nothing new; {report.failed} failed.",
        highlight=False,
    )
    for error in report.errors:
        out.print(error, highlight=False, markup=False)
    if report.failed:
        raise typer.Exit(1)
