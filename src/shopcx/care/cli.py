"""`shopcx care run|send|report`: today's care moments and call rules, sending what is due, and a campaign's or
moment's uplift report, with progress bars on the long work."""

from __future__ import annotations

import json

import typer
from rich.console import Console


def _progress(err: Console, label: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn(f"{label:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err)


def register(app: typer.Typer) -> None:
    """Add `shopcx care` to the command line."""
    care = typer.Typer(help="Care moments, campaigns and their uplift (issue 16).", no_args_is_help=True)
    app.add_typer(care, name="care")

    @care.command("run")
    def run(pairs: bool = typer.Option(False, "--pairs", help="Also recompute the bought-together pairs."),
            as_json: bool = typer.Option(False, "--json")):
        """Queue today's care moments and create today's call tasks in every shop (nobody is queued twice)."""
        from ..core.db import get_engine
        from ..core.errors import command_errors
        from .jobs import recompute_pairs, run_daily

        err = Console(stderr=True)
        get_engine()
        with command_errors(err), _progress(err, "shops") as bar:
            task = bar.add_task("shops", total=None)
            results = run_daily(progress=lambda done, total: bar.update(task, completed=done, total=total))
            if pairs:
                results += [(code, {"pairs": r}) for code, r in recompute_pairs()]
        if as_json:
            print(json.dumps(dict(results), ensure_ascii=False, default=str))
            return
        for code, result in results:
            Console().print(f"[bold]{code}[/bold] {result}")

    @care.command("send")
    def send(batch: int = typer.Option(500, "--batch", min=1, max=10_000),
             limit: int = typer.Option(0, "--limit", min=0, help="Stop after this many (0 = everything due)."),
             dry_run: bool = typer.Option(False, "--dry-run", help="Render into the sandbox only (no messaging).")):
        """Send every queued message that is due, through the messaging domain, in batches."""
        from ..core import db
        from ..core.db import get_engine
        from ..core.errors import command_errors
        from .jobs import send_pending
        from .service.delivery import messaging_deliverer, sandbox_deliverer

        err = Console(stderr=True)
        get_engine()
        deliver = sandbox_deliverer() if dry_run else messaging_deliverer()
        if deliver is None:
            err.print("[red]error:[/red] the messaging domain is not installed; messages stay queued "
                      "(use --dry-run to render them into the sandbox)")
            raise typer.Exit(1)
        with db.session_scope() as session:
            from . import repository

            total = repository.count_due(session)
        if limit:
            total = min(total, limit)
        counts: dict[str, int] = {}
        with command_errors(err), _progress(err, "send") as bar:
            task = bar.add_task("send", total=total)
            done = 0
            while done < total:
                got = send_pending(limit=min(batch, total - done), deliver=deliver)
                step = sum(got.values())
                if not step:
                    break
                for key, value in got.items():
                    counts[key] = counts.get(key, 0) + value
                done += step
                bar.update(task, completed=done)
        print(json.dumps(counts))

    @care.command("report")
    def report(campaign: int = typer.Option(0, "--campaign", help="A campaign id."),
               moment: str = typer.Option("", "--moment", help="A moment kind (with --shop)."),
               shop: str = typer.Option("", "--shop"), window: int = typer.Option(14, "--window", min=1, max=365)):
        """A campaign's (or moment's) uplift against its random control group, with 95% intervals, as JSON."""
        from ..core import db
        from ..core.db import get_engine
        from ..core.errors import command_errors
        from .service import get_campaign, results, shop_of
        from .service.moments import get_moment, moment_results

        err = Console(stderr=True)
        get_engine()
        with command_errors(err), db.session_scope() as session:
            if campaign:
                out = results(session, get_campaign(session, campaign))
            elif moment:
                out = {"moment": moment, "uplift": moment_results(session, get_moment(session, shop_of(
                    session, shop or None), moment), window_days=window)}
            else:
                err.print("[red]error:[/red] give --campaign ID or --moment KIND")
                raise typer.Exit(2)
        print(json.dumps(out, ensure_ascii=False, default=str, indent=1))
