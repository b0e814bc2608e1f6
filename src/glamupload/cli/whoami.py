"""``glamupload whoami``: which account a batch would run as, and what limits it will meet (library:
accounts.py, wiki.py)."""

from __future__ import annotations

from pathlib import Path

import click

from glamupload.accounts import RateLimit
from glamupload.cli.options import (
    CREDENTIALS_EPILOG,
    SESSION_LABELS,
    connect,
    emit_json,
    json_option,
    wiki_options,
)


@click.command("whoami", epilog=CREDENTIALS_EPILOG)
@wiki_options()
@json_option()
def whoami_command(wiki: str, sandbox_dir: Path | None, as_json: bool) -> None:
    """Show the account glamupload logs in with: where its credentials came from, its groups (bot,
    autopatrolled), its upload and edit rate limits, and whether Commons' bot policy applies.

    It reuses the session an earlier run saved and logs in only when the wiki no longer accepts it.
    """
    info = connect(wiki, sandbox_dir).account_info()
    if as_json:
        emit_json(info.to_dict())
        return
    unlimited = "none (the account may exceed rate limits)" if info.unlimited else None
    lines = [
        f"account:      {info.name} on {info.wiki} ({info.api})",
        f"credentials:  {info.credentials.describe()}",
        f"session:      {SESSION_LABELS[info.session]}",
        f"groups:       {', '.join(info.groups) or 'none'}"
        f" (bot: {_yes(info.bot)}, autopatrolled: {_yes(info.autopatrolled)})",
        f"edits:        {info.editcount if info.editcount is not None else 'unknown'}",
        f"upload limit: {unlimited or _limits(info.upload_limits)}",
        f"edit limit:   {unlimited or _limits(info.edit_limits)}",
        f"bot policy:   {info.bot_policy}",
    ]
    click.echo("\n".join(lines), err=True)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _limits(limits: tuple[RateLimit, ...]) -> str:
    return "; ".join(str(limit) for limit in limits) or "none set for this account"
