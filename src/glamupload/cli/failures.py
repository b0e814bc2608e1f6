"""How a command ends when something goes wrong: one line on stderr, the documented exit status, and for
``--json`` one JSON object on stdout (``{"error": …, "exit": N}``), whatever failed.

A library error (:class:`~glamupload.errors.GlamuploadError`) says what and where itself. An ``OSError``
that no layer explained (a full disk, a read-only folder) is still one line naming the file. Anything
else is a bug: the user gets one line, exit status ``INTERNAL`` and the path of a crash report holding the
full traceback — never a traceback on the terminal, never silence.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import traceback
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import click
import requests

from glamupload import __version__
from glamupload.cli.options import JSON_ASKED, JSON_PRINTED, emit_json
from glamupload.errors import GlamuploadError, LocalFileError, WikiUnavailable
from glamupload.exitcodes import ExitStatus
from glamupload.resources import user_state_dir

#: A user name and password inside a URL, kept out of crash reports.
_CREDENTIALS_IN_URL = re.compile(r"(?<=//)[^/@\s]+@")


def end(ctx: click.Context, message: str, status: ExitStatus, *, hint: str | None = None) -> None:
    """Print the message (and the hint) on stderr, the JSON object when --json asked for one, and exit."""
    if status == ExitStatus.INTERRUPTED:
        click.secho(message, fg="yellow", err=True)
    else:
        click.secho(f"Error: {message}", fg="red", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)
    answer_json(ctx, message, int(status), hint)
    ctx.exit(int(status))


def answer_json(ctx: click.Context, message: str, status: int, hint: str | None = None) -> None:
    """The one JSON object of a command that failed, unless it printed its own already."""
    if ctx.meta.get(JSON_ASKED) and not ctx.meta.get(JSON_PRINTED):
        emit_json({"error": message, "exit": status, **({"hint": hint} if hint else {})})


def glamupload_error(ctx: click.Context, exc: GlamuploadError) -> None:
    end(ctx, exc.located, exc.exit_status, hint=exc.hint)


def os_error(ctx: click.Context, exc: OSError) -> None:
    """An OS failure no layer explained: the network's is the wiki's or a source's, the rest local files."""
    if isinstance(exc, BrokenPipeError) and exc.filename is None:
        # `glamupload values … | head`: the reader has what it wanted; nothing more can be printed, and
        # the interpreter's last flush must not fail on the closed pipe either
        with suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        ctx.exit(int(ExitStatus.OUTPUT_CLOSED))
    if isinstance(exc, requests.RequestException):
        error: GlamuploadError = WikiUnavailable("network", f"{type(exc).__name__}: {exc}")
    else:
        error = LocalFileError.from_os(exc, "cannot read or write a file")
    glamupload_error(ctx, error)


def internal_error(ctx: click.Context, exc: BaseException) -> None:
    """A bug: one line, exit status INTERNAL, the traceback in a crash report (or on stderr when even
    that cannot be written)."""
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
    report = crash_report(exc)
    if report is None:
        traceback.print_exception(exc, file=sys.stderr)
        where = "the traceback is above"
    else:
        where = f"the full traceback is in {report}"
    end(
        ctx,
        f"an unexpected error, a bug in glamupload ({summary}); {where}",
        ExitStatus.INTERNAL,
        hint="please report it with that file; the upload state is consistent, the same command resumes",
    )


def crash_report(exc: BaseException) -> Path | None:
    """Write the traceback, the command line (credentials in URLs removed) and the versions to
    ``$XDG_STATE_HOME/glamupload/crashes/``; its path, or None when it cannot be written."""
    now = datetime.now(UTC)
    command = " ".join(_CREDENTIALS_IN_URL.sub("***@", arg) for arg in sys.argv)
    text = (
        f"glamupload {__version__}, Python {platform.python_version()}, {platform.platform(terse=True)}\n"
        f"time: {now.isoformat(timespec='seconds')}\ncommand: {command}\n\n"
        + "".join(traceback.format_exception(exc))
    )
    folder = user_state_dir() / "crashes"
    path = folder / f"crash-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="backslashreplace")  # an argument not UTF-8: \udcff
    except OSError:
        return None
    return path
