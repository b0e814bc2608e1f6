"""What every command shares: its options (declared once, so they read and behave the same everywhere),
the one way to print JSON and the one way to exit with a documented status."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from glamupload import sandbox
from glamupload.accounts import SOURCES_HELP
from glamupload.errors import NotConfirmed
from glamupload.exitcodes import ExitStatus
from glamupload.wiki import Wiki

F = TypeVar("F", bound=Callable[..., Any])

WIKI_HELP = (
    "'sandbox' (the local rehearsal wiki), 'commons', or the URL of an api.php (without a password in it)."
)
#: The ``--help`` epilog of commands that log in: where credentials come from, in order.
CREDENTIALS_EPILOG = (
    SOURCES_HELP[0].upper()
    + SOURCES_HELP[1:]
    + ". A login's session is kept in ~/.local/share/glamupload/sessions and reused by later runs."
)
#: How a command got its session, for people (keys: wiki.SessionOrigin).
SESSION_LABELS = {
    "token": "none needed (an OAuth 2 token goes with every request)",
    "reused": "reused the session an earlier run saved (no login)",
    "pywikibot": "reused pywikibot's saved session (no login)",
    "login": "logged in now (the session is saved for later runs)",
    "anonymous": "none, reading without a login",
}


def account_line(site: Wiki) -> str:
    """``Account: Museum@glam (bot password from the environment …); session: reused …`` for stderr."""
    if site.credentials is None:
        return f"Account: {SESSION_LABELS['anonymous']} on {site.target.name}"
    return (
        f"Account: {site.username} on {site.target.name}, {site.credentials.describe()}; "
        f"session: {SESSION_LABELS[site.session_origin]}"
    )


SANDBOX_DIR_HELP = (
    # not the resolved folder: help (and docs/cli-reference.md) must not show this user's home
    f"Sandbox folder (default: ${sandbox.DIR_VARIABLE} if set, else ~/.local/share/glamupload/sandbox, "
    "or under $XDG_DATA_HOME)."
)


def batch_argument(func: F) -> F:
    """``BATCH_FILE``: the batch configuration (YAML)."""
    return click.argument("batch_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))(func)


def wiki_options(default: str | None = "sandbox", help: str = WIKI_HELP) -> Callable[[F], F]:
    """``--wiki`` and ``--sandbox-dir``: which wiki a command talks to."""

    def decorate(func: F) -> F:
        func = click.option(
            "--sandbox-dir",
            type=click.Path(path_type=Path, file_okay=False),
            help=SANDBOX_DIR_HELP,
        )(func)
        return click.option("--wiki", default=default, show_default=default is not None, help=help)(func)

    return decorate


#: ``ctx.meta`` keys (shared by every context of one command line): --json was given; JSON was printed.
JSON_ASKED, JSON_PRINTED = "glamupload.json", "glamupload.json-printed"


def _remember_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta[JSON_ASKED] = value
    return value


def json_option(help: str = "Print one JSON object on stdout.") -> Callable[[F], F]:
    """``--json``: data for scripts on stdout (people's messages stay on stderr). Read before the other
    options (eager), so even a usage error is answered with one JSON object (cli.failures)."""
    return click.option("--json", "as_json", is_flag=True, is_eager=True, callback=_remember_json, help=help)


def state_option(func: F) -> F:
    """``--state``: which state database to use (each wiki needs its own)."""
    return click.option(
        "--state",
        "state_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help="The batch's state database (default: the config's `state`, else BATCH.state.sqlite beside "
        "the batch file). Each wiki needs its own.",
    )(func)


def emit_json(data: Any) -> None:
    """Write one JSON document to stdout (people's messages stay on stderr)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[JSON_PRINTED] = True


def show_wait(seconds: float, reason: str) -> None:
    """A wait of the wiki layer, on stderr: a command never sits silent while it retries."""
    click.secho(f"Waiting {seconds:.0f} s: {reason}", fg="yellow", err=True)


def connect(wiki: str, sandbox_dir: Path | None, *, read_only: bool = False) -> Wiki:
    """``Wiki.connect`` with every wait shown on stderr, the first requests' included (an unreachable
    wiki is retried for a minute or two before the command fails; Ctrl-C stops at once)."""
    return Wiki.connect(wiki, sandbox_dir, read_only=read_only, on_wait=show_wait)


def exit_with(status: ExitStatus) -> None:
    """End the command with a documented exit status (0 returns normally)."""
    if status != ExitStatus.OK:
        raise click.exceptions.Exit(int(status))


def confirm(question: str, yes: bool, *, hint: str = "pass --yes to answer yes") -> None:
    """Ask ``question`` on the terminal; without one, refuse (a question is never answered yes by default).

    ``yes`` (the command's ``--yes``) answers it without asking. A "no" aborts the command (exit 1).
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise NotConfirmed(f"{question} There is no terminal to answer on, so nothing was done.", hint=hint)
    click.confirm(question, abort=True, err=True)
