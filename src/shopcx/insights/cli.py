"""`shopcx analyze`: compute and store a customer-value snapshot with a progress bar, then print its headline."""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.console import Console

from .tables import AnalysisRun


def headline(run: AnalysisRun) -> dict:
    """The figures a seller looks at first: 20/80/30, stage counts, repurchase rate and the fitted models."""
    f = run.figures or {}
    pareto = f.get("pareto") or {}
    model = f.get("model") or {}
    return {"run_id": run.id, "status": run.status, "as_of": run.as_of_on.isoformat(), "currency": run.currency,
            "customers": run.customers, "top20_share": pareto.get("top20_share"),
            "bottom30_share": pareto.get("bottom30_share"), "stages": f.get("stages"),
            "repurchase_rate": (f.get("repurchase") or {}).get("rate"),
            "repurchase_rate_365": (f.get("repurchase") or {}).get("rate_365"),
            "clv_amount": (f.get("totals") or {}).get("clv_amount"),
            "bgnbd": model.get("bgnbd"), "gammagamma": model.get("gammagamma"), "error": run.error}


def _print(out: Console, h: dict) -> None:
    from rich.table import Table

    from ..core.money import format_minor

    def pct(value):
        return "—" if value is None else f"{100 * value:.1f}%"

    out.print(f"[bold]Customer value as of {h['as_of']}[/bold] (run {h['run_id']}, {h['customers']:,} customers "
              f"with a paid order, {h['currency']})")
    table = Table(show_header=False, box=None)
    table.add_row("revenue from the top 20%", pct(h["top20_share"]))
    table.add_row("revenue from the bottom 30%", pct(h["bottom30_share"]))
    table.add_row("repurchase rate (all / last 365 days)", f"{pct(h['repurchase_rate'])} / "
                  f"{pct(h['repurchase_rate_365'])}")
    if h["clv_amount"] is not None:
        table.add_row("12-month CLV, all customers", format_minor(h["clv_amount"], h["currency"]))
    for stage, count in (h["stages"] or {}).items():
        table.add_row(f"stage {stage}", f"{count:,}")
    if h["bgnbd"]:
        b = h["bgnbd"]
        table.add_row("BG/NBD r, α, a, b (days)", f"{b['r']:.4f}, {b['alpha']:.4f}, {b['a']:.4f}, {b['b']:.4f}  "
                      f"LL {b['log_likelihood']:.2f}")
    if h["gammagamma"]:
        g = h["gammagamma"]
        table.add_row("Gamma-Gamma p, q, γ", f"{g['p']:.4f}, {g['q']:.4f}, {g['gamma']:.2f}  "
                      f"LL {g['log_likelihood']:.2f}")
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add `shopcx analyze` to the command line."""

    @app.command()
    def analyze(as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD; default yesterday (the last "
                                                 "complete day) in the shop's timezone."),
                shop: str | None = typer.Option(None, "--shop", help="Only this shop's code; default all shops."),
                as_json: bool = typer.Option(False, "--json", help="Print the headline as one JSON object.")):
        """Score every customer (RFM, lifecycle stage, P(alive), CLV) and store a dated snapshot."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        from ..core.db import get_engine as engine
        from ..core.errors import ShopCXError
        from .service.analysis import STEPS, run_analysis

        err = Console(stderr=True)
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            err.print(f"[red]--as-of: '{as_of}' is not a date (YYYY-MM-DD)[/red]")
            raise typer.Exit(2) from None
        engine()
        columns = (TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        try:
            with Progress(*columns, console=err, transient=False) as bar:
                task = bar.add_task("analyze", total=len(STEPS))

                def tick(step: str, done: int, total: int) -> None:
                    bar.update(task, description=step, completed=done, total=total)

                run = run_analysis(as_of=day, shop_code=shop, progress=tick)
        except ShopCXError as exc:
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from None
        h = headline(run)
        if as_json:
            print(json.dumps(h, ensure_ascii=False))
        else:
            _print(Console(soft_wrap=True), h)
        if run.status != "done":
            err.print(f"[red]the analysis failed: {run.error}[/red]")
            raise typer.Exit(1)
