"""``glamupload pages``: the click command for the Institution and category pages (library: pages.py).

It only parses options, calls
``pages.plan_pages`` / ``pages.apply_pages`` and formats the result (data on stdout with ``--json``,
people's text on stderr).
"""

from __future__ import annotations

from pathlib import Path

import click

from glamupload import pages
from glamupload.cli.options import (
    CREDENTIALS_EPILOG,
    account_line,
    batch_argument,
    connect,
    emit_json,
    exit_with,
    json_option,
    wiki_options,
)
from glamupload.config import load_batch
from glamupload.exitcodes import ExitStatus

LABELS = {
    "create": "create",
    "unchanged": "unchanged",
    "update": "would update",
    "blocked": "blocked",
    "manual": "needs a person",
    "created": "created",
    "updated": "updated",
    "skipped": "kept (--update)",
    "unchecked": "unchecked",
    None: "unchecked",
}


@click.command("pages", epilog=CREDENTIALS_EPILOG)
@batch_argument
@wiki_options()
@click.option(
    "--dry-run",
    is_flag=True,
    help="Only show what would be created or updated, with text and diffs. Reads without logging in (no "
    "credentials needed), so a page glamupload wrote last counts as its own whoever ran it.",
)
@click.option(
    "--update", is_flag=True, help="Also rewrite pages glamupload wrote last (never others' edits)."
)
@json_option()
def pages_command(
    batch_file: Path, wiki: str, sandbox_dir: Path | None, dry_run: bool, update: bool, as_json: bool
) -> None:
    """Create the Institution: page and the categories BATCH_FILE's files use.

    Creates missing pages; leaves existing ones alone unless --update, and even then never overwrites
    a page someone else edited after glamupload wrote it (it is shown as blocked, with the editor and a
    diff). Running it twice makes no edit the second time. Exits 1 when a page is blocked.
    """
    batch = load_batch(batch_file)
    site = connect(wiki, sandbox_dir, read_only=dry_run)
    click.echo(account_line(site), err=True)
    planned = pages.plan_pages(batch, site)
    result = planned if dry_run else pages.apply_pages(planned, site, update=update, batch_id=batch.batch_id)
    if as_json:
        emit_json(
            {
                "batch": str(batch.path),
                "wiki": site.target.name,
                "dry_run": dry_run,
                "update": update,
                "summary": pages.summary(result),
                "pages": [page.to_dict() for page in result],
            }
        )
    else:
        for page in result:
            _describe(page, dry_run)
        counts = pages.summary(result)
        click.echo(", ".join(f"{n} {LABELS[key]}" for key, n in counts.items()), err=True)
    if any(page.status == "blocked" or page.outcome == "blocked" for page in result):
        exit_with(ExitStatus.RECORD_ERRORS)


def _describe(page: pages.PlannedPage, dry_run: bool) -> None:
    label = LABELS[page.status if dry_run else page.outcome]
    click.echo(f"{label:>14}  {page.title}", err=True)
    for line in (page.note, page.error, f"last edited by {page.editor}" if page.status == "blocked" else ""):
        if line:
            click.echo(f"{'':>16}{line}", err=True)
    if dry_run and page.status == "create" and page.text:
        click.echo("".join(f"{'':>16}{line}\n" for line in page.text.splitlines()), err=True, nl=False)
    if dry_run or page.outcome == "blocked":
        click.echo(
            "".join(f"{'':>16}{line}" for line in page.diff.splitlines(keepends=True)), err=True, nl=False
        )
