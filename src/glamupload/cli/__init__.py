"""Command-line interface: a thin click layer over the library.

Each command parses options, calls one library function and formats the result: data on stdout
(``--json``), messages for people on stderr. Library errors become one clear line and the exit code
their class carries (:mod:`glamupload.errors`, :class:`glamupload.exitcodes.ExitStatus`); nothing ever
shows a traceback, a bug included (:mod:`glamupload.cli.failures`).
"""

from __future__ import annotations

from typing import Any

import click

from glamupload import __version__
from glamupload.cli import failures
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
from glamupload.errors import GlamuploadError, Stopped
from glamupload.exitcodes import ExitStatus


class GlamuploadGroup(click.Group):
    """Turns every failure into one message on stderr, a documented exit code and, with ``--json``, one
    JSON object on stdout: library errors, Ctrl-C, unexplained OS errors, and bugs (with a crash report)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:  # a usage error: click prints it, --json gets its object
            failures.answer_json(ctx, exc.format_message(), exc.exit_code)
            raise
        except GlamuploadError as exc:
            failures.glamupload_error(ctx, exc)
        except (KeyboardInterrupt, Stopped):
            failures.end(ctx, "Interrupted.", ExitStatus.INTERRUPTED)
        except OSError as exc:
            failures.os_error(ctx, exc)
        except Exception as exc:
            failures.internal_error(ctx, exc)


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
