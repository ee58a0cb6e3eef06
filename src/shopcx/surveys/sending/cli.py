"""`shopcx surveys send`: a wave to the customers listed in a file, an RFM segment or a lifecycle stage of the latest
analysis (or a seeded sample of them), reminders to non-responders, then the messaging queue drained with a
progress bar."""

from __future__ import annotations

from pathlib import Path

import typer


def register_send(surveys_app: typer.Typer, err) -> None:
    """Add `send` to `shopcx surveys`."""

    @surveys_app.command("send")
    def send(survey: int = typer.Option(..., help="The survey's number."),
             wave: str = typer.Option("", help="The wave's name, e.g. 2026-12 (with --customers)."),
             customers: Path | None = typer.Option(None, help="A file of customer ids, one per line (the segment)."),
             segment: str = typer.Option("", help="Or an RFM segment of the latest analysis: champions, at_risk, …"),
             stage: str = typer.Option("", help="Or a lifecycle stage of the latest analysis: repeat, at_risk, …"),
             sample: int = typer.Option(0, help="Invite a seeded random sample of this size (0: everyone)."),
             seed: int = typer.Option(1, help="The sample's seed: the same seed draws the same people."),
             remind: bool = typer.Option(True, help="Also queue reminders to non-responders that are due."),
             deliver: bool = typer.Option(True, help="Send the queued messages now (else the worker sends them).")):
        """Invite a wave and remind non-responders through messaging, with progress."""
        from ...core import db
        from ...core.errors import InvalidInput, command_errors
        from ...messaging.sender import send_due
        from ...shops import service as shops
        from ...staff.service import SYSTEM
        from .. import service as surveys
        from ..pages.surveys import customer_ids
        from . import service

        with command_errors(err):
            with db.session_scope() as session:
                found = surveys.get_survey(session, [s.id for s in shops.list_shops(session)], survey)
                if customers is not None or segment or stage:
                    if customers is not None and not customers.is_file():
                        raise InvalidInput("invalid_customer_list", f"customers: no file {customers}",
                                           field="customers")
                    people, audience = service.wave_audience(session, found, segment=segment, stage=stage,
                                                             customer_ids=customer_ids(customers.read_text())
                                                             if customers is not None else None)
                    result = service.send_wave(session, found, people, wave=wave, sample=sample or None, seed=seed,
                                               audience=audience, actor=SYSTEM)
                    err.print(f"wave {result.wave}: {result.queued:,} invitations queued; left out: "
                              f"{result.reasons() or 'none'}", soft_wrap=True, highlight=False)
                if remind:
                    err.print(f"{service.send_reminders(session, found):,} reminders queued", highlight=False)
            if deliver:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                with Progress(TextColumn("send"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                              console=err, transient=False) as bar:
                    task = bar.add_task("send", total=None)
                    report = send_due(on_progress=lambda done, total: bar.update(task, completed=done, total=total))
                err.print(f"{report.sent:,} sent, {report.retried:,} to retry, {report.skipped:,} skipped, "
                          f"{report.deferred:,} deferred (quiet hours, caps)", highlight=False)
