"""Allow ``python -m glamupload``."""

from glamupload.cli import cli

cli()
