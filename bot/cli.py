"""``clueguard bot``: run the Telegram bot by long polling (default) or behind a webhook."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit

import click
from telegram import Update

from bot.app import build_application
from models.store.config import Config, config_from_env
from models.store.runtime import open_runtime


def _config(ctx: click.Context) -> Config:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, Config) else config_from_env()


@click.command("bot")
@click.option("--webhook-url", default=None,
              help="Public HTTPS URL Telegram posts updates to (enables webhook mode), "
                   "e.g. https://bot.example.org/telegram/<random-path>.")
@click.option("--listen", default="127.0.0.1:8443", show_default=True,
              help="Address the webhook server binds to, host:port (put a TLS reverse proxy in front).")
@click.option("--secret-token", envvar="CLUEGUARD_TELEGRAM_WEBHOOK_SECRET", default=None,
              help="Secret Telegram sends with each webhook call (default: random per start).")
@click.option("--poll-interval", type=float, default=0.0, show_default=True,
              help="Seconds between polls; Telegram itself long-polls, so only local emulators need this.")
@click.pass_context
def bot_command(ctx: click.Context, webhook_url: str | None, listen: str, secret_token: str | None,
                poll_interval: float) -> None:
    """Run the Telegram bot (token from CLUEGUARD_TELEGRAM_TOKEN); public keys only."""
    config = _config(ctx)
    if not config.telegram_token:
        raise click.UsageError("set CLUEGUARD_TELEGRAM_TOKEN to the token BotFather gave you")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The bot faces the internet: it holds the intake public key only (R26).
    rt = open_runtime(config, staff_side=False)
    app = build_application(rt)
    if webhook_url is None:
        click.echo("bot running (long polling); Ctrl-C to stop")
        app.run_polling(poll_interval=poll_interval, allowed_updates=Update.ALL_TYPES)
        return
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise click.BadParameter("use host:port", param_hint="--listen")
    path = urlsplit(webhook_url).path.lstrip("/")
    click.echo(f"bot running (webhook on {listen}, path /{path})")
    app.run_webhook(listen=host, port=int(port), url_path=path, webhook_url=webhook_url,
                    secret_token=secret_token or secrets.token_urlsafe(32),
                    allowed_updates=Update.ALL_TYPES)
