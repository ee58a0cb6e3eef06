"""`shopcx messages ...`: `send` drains the queue now with a progress bar; `test --to ADDRESS` sends one test
message through the configured channel. Exit codes: 0 done, 2 bad input, 1 the work failed."""

from __future__ import annotations

import typer
from rich.console import Console

from ..core.errors import command_errors

messages_app = typer.Typer(no_args_is_help=True, help="Messages to buyers: send the queue, test a channel.")
err = Console(stderr=True)


@messages_app.command("send")
def send(limit: int = typer.Option(0, help="Stop after this many messages (0: all that are due)."),
         batch: int = typer.Option(0, help="Messages per batch (0: SHOPCX_SEND_BATCH).")) -> None:
    """Send the queued messages that are due now, in batches, with a progress bar."""
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .reasons import reason_words
    from .sender import send_due

    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with command_errors(err), Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("send", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = send_due(limit=limit or None, batch=batch or None, on_progress=progress)
    seconds = time.perf_counter() - started
    err.print(f"{report.sent:,} sent, {report.retried:,} to retry, {report.failed:,} failed, {report.bounced:,} "
              f"bounced, {report.skipped:,} skipped, {report.deferred:,} deferred in {seconds:.1f} s",
              soft_wrap=True, highlight=False)
    for reason, count in sorted(report.reasons.items()):
        err.print(f"  {reason}: {count:,} ({reason_words(reason, 'en')})", soft_wrap=True, highlight=False)


@messages_app.command("test")
def test(to: str = typer.Option(..., "--to", help="The address (e-mail, mobile) to send the test to."),
         channel: str = typer.Option("email", help="email | sms | wechat"),
         shop: str = typer.Option("", help="The shop code whose settings apply (sandbox).")) -> None:
    """Send one test message now and say what the server answered."""
    from ..core import db
    from ..shops import service as shops
    from ..staff.service import SYSTEM
    from . import service

    with command_errors(err), db.session_scope() as session:
        chosen = shops.get_shop(session, shop) if shop else None
        sandbox = service.current(session, chosen.id)["sandbox"] if chosen else False
        message = service.send_test(session, shop_id=chosen.id if chosen else None, channel=channel, address=to,
                                    subject="ShopCX test", body="ShopCX test message / 测试消息", sandbox=sandbox,
                                    actor=SYSTEM)
        status, provider, reason = message.status, message.provider, message.reason
    err.print(f"{status} via {provider}" + (f": {reason}" if reason else ""), soft_wrap=True, highlight=False)
    if status != "sent":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `shopcx messages` to the command line."""
    app.add_typer(messages_app, name="messages", help="Messages to buyers: send the queue, test a channel.")
