"""Command-line interface: a thin click layer over the library.

Each command parses options, calls one library function and formats the result: data on stdout
(``--json``), messages for people on stderr. Library errors become one clear line and the exit code
their class carries (:mod:`glamupload.errors`, :class:`glamupload.exitcodes.ExitStatus`); a user
mistake never shows a traceback.
"""

from __future__ import annotations

from typing import Any

import click

from glamupload import __version__
from glamupload.cli.dry_run import dry_run_command
from glamupload.cli.init import init_command
from glamupload.cli.inspect import license_command, values_command
from glamupload.cli.pages import pages_command
from glamupload.cli.review import review_command
from glamupload.cli.sandbox import sandbox_group
from glamupload.cli.sdc import sdc_command
from glamupload.cli.update import update_command
from glamupload.cli.upload import status_command, upload_command
from glamupload.cli.whoami import whoami_command
from glamupload.errors import GlamuploadError
from glamupload.exitcodes import ExitStatus


class GlamuploadGroup(click.Group):
    """Turns library errors and Ctrl-C into one message on stderr and a documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GlamuploadError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            ctx.exit(int(exc.exit_status))
        except KeyboardInterrupt:
            click.secho("Interrupted.", fg="yellow", err=True)
            ctx.exit(int(ExitStatus.INTERRUPTED))


@click.group(cls=GlamuploadGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="glamupload")
def cli() -> None:
    """Publish a GLAM collection's openly licensed media on Wikimedia Commons.

    A typical session: rehearse on the local sandbox wiki, read the dry-run report, then upload.

    \b
      glamupload sandbox start
    """


for command in (
    init_command,
    sandbox_group,
    license_command,
    values_command,
    dry_run_command,
    pages_command,
    sdc_command,
    upload_command,
    status_command,
    update_command,
    review_command,
    whoami_command,
):
    cli.add_command(command)
