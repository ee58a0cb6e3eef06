"""`shopcx shops …`: list the shops, enter the key a platform signs its webhooks with, set a shop's country."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from ..core.db import session_scope
from ..core.errors import ShopCXError
from ..staff.service import Actor

err = Console(stderr=True, soft_wrap=True)
CLI_ACTOR = Actor(label="cli", role="owner")


def _fail(exc: ShopCXError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.message}")
    zh = getattr(exc, "message_zh", None)
    if zh:
        err.print(f"[red]错误：[/red]{zh}")
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `shopcx shops` to the command line."""
    shops_app = typer.Typer(help="Shops: their webhook key and country.", no_args_is_help=True)
    app.add_typer(shops_app, name="shops")

    @shops_app.command("list")
    def list_shops():
        """The shops with platform, currency, timezone, country and whether a webhook key is set."""
        from . import service

        with session_scope() as session:
            for shop in service.list_shops(session):
                typer.echo(f"{shop.code}\t{shop.platform}\t{shop.currency}\t{shop.timezone}\t{shop.country}\t"
                           f"{'key set' if shop.webhook_secret else 'no key'}")

    @shops_app.command("webhook-key")
    def webhook_key(shop: str = typer.Argument(..., help="The shop's code"),
                    random: bool = typer.Option(False, "--random", help="Make a random key instead (for ShopCX's "
                                                "own X-ShopCX-Signature senders)"),
                    stdin: bool = typer.Option(False, "--stdin", help="Read the key from standard input")):
        """Enter the key the platform signs webhooks with (Shopify: Settings → Notifications → Webhooks; WooCommerce:
        the webhook's Secret). It is asked for without echo, stored encrypted, and the old key stops working."""
        from . import service, webhooks

        key = None
        if not random:
            key = sys.stdin.readline().strip() if stdin else typer.prompt("Webhook key", hide_input=True, err=True)
        try:
            with session_scope() as session:
                found = service.get_shop(session, shop)
                if random:
                    key = webhooks.rotate_secret(session, found, actor=CLI_ACTOR)
                    typer.echo(key)  # shown once, to paste into the sender
                else:
                    webhooks.set_secret(session, found, key, actor=CLI_ACTOR)
        except ShopCXError as exc:
            raise _fail(exc) from None
        err.print(f"[green]webhook key stored for {shop}[/green]; deliveries go to /api/v1/webhooks/{shop}/orders")

    @shops_app.command("country")
    def country(shop: str = typer.Argument(..., help="The shop's code"),
                code: str = typer.Argument(..., help="ISO country code, e.g. CN, US, TR")):
        """Set the country whose phone numbers the shop's buyers write without a country code."""
        from . import service

        try:
            with session_scope() as session:
                service.set_country(session, service.get_shop(session, shop), code, actor=CLI_ACTOR)
        except ShopCXError as exc:
            raise _fail(exc) from None
        err.print(f"[green]{shop}: country {code.upper()}[/green]")
