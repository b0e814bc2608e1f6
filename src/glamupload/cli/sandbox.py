"""``glamupload sandbox start / stop / status / reset``: the click commands over sandbox.py."""

from __future__ import annotations

from pathlib import Path

import click

from glamupload import sandbox
from glamupload.cli.options import SANDBOX_DIR_HELP, F, confirm, emit_json, json_option


def sandbox_dir_option(func: F) -> F:
    """``--dir``: which sandbox folder."""
    return click.option(
        "--dir",
        "directory",
        type=click.Path(path_type=Path, file_okay=False),
        help=SANDBOX_DIR_HELP,
    )(func)


@click.group("sandbox")
def sandbox_group() -> None:
    """Run a local MediaWiki to rehearse uploads on (never Commons).

    The sandbox is Debian's MediaWiki 1.39 with SQLite, served by PHP on 127.0.0.1. It has an
    administrator and an ordinary uploader account; their generated passwords are kept in the
    sandbox folder, readable only by you.
    """


def _print_sandbox(info: sandbox.SandboxInfo, as_json: bool, verb: str) -> None:
    if as_json:
        data = info.public()
        data["password"] = info.password
        emit_json(data)
        return
    click.echo(f"Sandbox wiki {verb}: {info.url}", err=True)
    click.echo(f"  API:      {info.api}", err=True)
    click.echo(f"  folder:   {info.dir}", err=True)
    click.echo(f"  uploader: {info.username} (password in {info.dir}/credentials.json)", err=True)


@sandbox_group.command("start")
@sandbox_dir_option
@click.option(
    "--port", type=click.IntRange(1, 65535), help=f"Port on 127.0.0.1 (default {sandbox.DEFAULT_PORT})."
)
@json_option()
def sandbox_start(directory: Path | None, port: int | None, as_json: bool) -> None:
    """Create the sandbox wiki on first use and start it.

    With --json, prints the API URL, the uploader's username and password and the folder, for
    scripts and tests. Starting a running sandbox changes nothing but glamupload's stand-ins for
    Commons' templates, when glamupload's own have changed; it keeps its port (stop it first to move it).
    """
    info = sandbox.start(directory, port)
    if port is not None and info.port != port:
        click.secho(
            f"The sandbox already runs on port {info.port}, not {port}: it was left where it is. "
            f"To move it: glamupload sandbox stop, then glamupload sandbox start --port {port}.",
            fg="yellow",
            err=True,
        )
    _print_sandbox(info, as_json, "running")


@sandbox_group.command("stop")
@sandbox_dir_option
def sandbox_stop(directory: Path | None) -> None:
    """Stop the sandbox wiki (its files and database are kept)."""
    was_running = sandbox.stop(directory)
    click.echo("Sandbox stopped." if was_running else "The sandbox was not running.", err=True)


@sandbox_group.command("status")
@sandbox_dir_option
@json_option()
def sandbox_status(directory: Path | None, as_json: bool) -> None:
    """Show whether the sandbox runs, its URL and how many files it holds."""
    info = sandbox.status(directory)
    if info is None:
        if as_json:
            emit_json({"exists": False, "running": False})
        else:
            click.echo("No sandbox yet: run `glamupload sandbox start`.", err=True)
        return
    if as_json:
        emit_json(dict(info.public(), exists=True))
        return
    state = "running" if info.running else "stopped"
    files = f", {info.files} files" if info.files is not None else ""
    click.echo(f"Sandbox {state}: {info.url}{files} (folder {info.dir})", err=True)


@sandbox_group.command("reset")
@sandbox_dir_option
@click.option("--port", type=click.IntRange(1, 65535), help="Port for the new sandbox.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option()
def sandbox_reset(directory: Path | None, port: int | None, yes: bool, as_json: bool) -> None:
    """Wipe the sandbox (pages, files, accounts) and create it anew.

    Asks first; without a terminal to ask on, only --yes wipes it.
    """
    folder = (directory or sandbox.default_dir()).resolve()
    confirm(f"Delete everything in the sandbox wiki in {folder}?", yes)
    _print_sandbox(sandbox.reset(directory, port), as_json, "recreated")
