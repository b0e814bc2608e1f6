"""``glamupload update``: the click command over the update package (library: glamupload.update).

It parses options, opens an ``UpdateRun`` and formats the result: one line per file that changed or needs
a person on stderr, the report file for a dry run, ``--json`` data on stdout, the exit status from the
result.
"""

from __future__ import annotations

from pathlib import Path

import click

from glamupload.cli.options import (
    CREDENTIALS_EPILOG,
    account_line,
    batch_argument,
    confirm,
    connect,
    emit_json,
    exit_with,
    json_option,
    state_option,
    wiki_options,
)
from glamupload.config import load_batch
from glamupload.update import FileUpdate, UpdateOptions, UpdateOutcome, UpdateRun, default_report_path
from glamupload.update.report import entity_lines, outcome_lines, tally, write_report


@click.command("update", epilog=CREDENTIALS_EPILOG)
@batch_argument
@wiki_options()
@click.option("--only", multiple=True, metavar="ID", help="Only this record id (repeatable).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write nothing: report per file the edit that would be saved (a diff), the conflicts and what "
    "is left alone. Reads without logging in.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where --dry-run writes its Markdown report (default: beside the state database, named after it).",
)
@state_option
@click.option(
    "--yes",
    is_flag=True,
    help="Answer yes when asked to edit a wiki other than the sandbox (without a terminal the "
    "question is refused unless --yes is given).",
)
@json_option("Print the result (every file, the batch's status) as one JSON object on stdout.")
def update_command(
    batch_file: Path,
    wiki: str,
    sandbox_dir: Path | None,
    only: tuple[str, ...],
    dry_run: bool,
    report_path: Path | None,
    state_file: Path | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Correct the pages of BATCH_FILE's uploaded files after the export, crosswalk or licences changed.

    Only glamupload's own parts of each page change: the file-page template's parameters, the licence
    and the crosswalk's categories, each where no one else changed it since glamupload wrote it.
    Everything others added stays. A parameter someone else changed that the new plan changes too is a
    conflict: kept as the wiki has it and listed (`glamupload review` can take the new value). A
    licence that is no longer accepted is never applied. Deleted, moved and tagged pages are recorded
    (`glamupload status` lists them); a deleted page is never recreated. One edit per page; a killed
    run resumes with the same command and edits no page twice for the same change. Structured data that
    `glamupload sdc` wrote is then updated by the same rule, one edit per entity.

    Exit status: 0 done, 1 some page needs a person or another run, 2 config error (or an unknown
    --only id), 3 login failed, 4 wiki unreachable, 130 interrupted.
    """
    batch = load_batch(batch_file, state=state_file)
    site = connect(wiki, sandbox_dir, read_only=dry_run)
    click.echo(account_line(site), err=True)
    if not dry_run and site.target.sandbox_dir is None:
        confirm(f"Edit file pages on {site.target.api} as {site.username}?", yes)

    def shown(item: FileUpdate) -> None:
        if item.outcome not in (UpdateOutcome.UNCHANGED, UpdateOutcome.NOT_PLANNED):
            click.echo("\n".join(outcome_lines([item])), err=True)
            if item.reason:
                click.echo(f"{'':>21}{item.reason}", err=True)
            for conflict in item.conflicts:
                click.echo(f"{'':>21}conflict: {conflict.part}", err=True)

    with UpdateRun(batch, site) as run:
        run.on_wait = lambda seconds, reason: click.secho(
            f"waiting {seconds:.0f} s: {reason}", fg="yellow", err=True
        )
        result = run.run(UpdateOptions(only=list(only) or None, dry_run=dry_run), on_file=shown)
    click.echo(f"{len(result.files)} uploaded files: {tally(result.counts) or 'none'}", err=True)
    if result.in_conflict:
        click.secho(
            f"{result.in_conflict} left with a conflict (someone's edit kept): glamupload review decides",
            fg="yellow",
            err=True,
        )
    if result.entities:
        click.echo("\n".join(entity_lines(result.entities)), err=True)
        counts = tally(result.entity_counts)
        click.echo(f"{len(result.entities)} entities with changed structured data: {counts}", err=True)
    if dry_run:
        written = write_report(result, report_path or default_report_path(batch))
        click.echo(f"Report: {written}", err=True)
    if result.interrupted:
        click.secho("Interrupted; the state is saved. The same command resumes.", fg="yellow", err=True)
    if as_json:
        emit_json(result.to_dict())
    exit_with(result.exit_status)
