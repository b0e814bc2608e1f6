"""Command-line interface: a thin click layer over the library."""
import click
from glamupload import __version__

@click.group()
@click.version_option(__version__, prog_name="glamupload")
def cli() -> None:
    """glamupload."""
