"""The console entry point (``glamupload``, ``python -m glamupload``).

Loading the command-line interface takes about half a second (pandas, lxml, openpyxl, mwclient). A Ctrl-C
then would end in Python's KeyboardInterrupt traceback, before the CLI's own handler exists; here it ends
as any interrupt does: "Interrupted." and exit status 130. Nothing has been opened yet, so nothing is lost.
"""

from __future__ import annotations

import sys

from glamupload.exitcodes import ExitStatus


def main() -> None:
    try:
        from glamupload.cli import cli
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(ExitStatus.INTERRUPTED)
    cli()
