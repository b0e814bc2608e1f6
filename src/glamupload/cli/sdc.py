"""``glamupload sdc``: write the uploaded files' planned structured data (captions and statements)."""

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
from glamupload.sdc.write import SdcOptions, write_batch


@click.command("sdc", epilog=CREDENTIALS_EPILOG)
@batch_argument
@wiki_options()
@click.option("--limit", type=click.IntRange(min=1), help="Write at most N entities in this run.")
@click.option("--only", multiple=True, metavar="ID", help="Only this record id (repeatable).")
@click.option("--retry-failed", is_flag=True, help="Try failed entities again (after fixing their cause).")
@click.option(
    "--replan", is_flag=True, help="Take the new plan when the export, crosswalk or config changed."
)
@state_option
@click.option(
    "--yes",
    is_flag=True,
    help="Answer yes when asked to write to a wiki other than the sandbox (without a terminal the "
    "question is refused unless --yes is given).",
)
@json_option("Print the summary as one JSON object on stdout.")
def sdc_command(
    batch_file: Path,
    wiki: str,
    sandbox_dir: Path | None,
    limit: int | None,
    only: tuple[str, ...],
    retry_failed: bool,
    replan: bool,
    state_file: Path | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Write the structured data of BATCH_FILE's uploaded files to their MediaInfo entities.

    One edit per file with all its captions and statements; what the entity already holds is not sent
    again, and nothing others added is removed or changed: a property they gave another value is reported
    as a conflict. Files uploaded earlier get their structured data the same way (after --replan when the
    crosswalk changed). Ctrl-C stops cleanly; the same command resumes.

    Exit status: 0 all written, 1 some entities conflict, failed or their file is gone, 2 config error
    (or an unknown --only id), 3 login failed, 4 wiki unreachable, 130 interrupted.
    """
    batch = load_batch(batch_file, state=state_file)
    site = connect(wiki, sandbox_dir)
    click.echo(account_line(site), err=True)
    if site.target.sandbox_dir is None:
        confirm(f"Write structured data on {site.target.api} as {site.username}?", yes)
    options = SdcOptions(limit=limit, only=list(only) or None, retry_failed=retry_failed)
    summary = write_batch(batch, site, options, replan=replan, notify=lambda m: click.echo(m, err=True))
    this_run = ", ".join(f"{n} {s}" for s, n in summary.this_run.items()) or "nothing to do"
    click.echo(f"This run: {this_run}", err=True)
    click.echo("Entities: " + ", ".join(f"{n} {s}" for s, n in summary.counts.items() if n), err=True)
    for problem in summary.problems:
        click.echo(f"  {problem.record_id} ({problem.title}): {problem.status} — {problem.message}", err=True)
    if summary.interrupted:
        click.secho("Interrupted; the state is saved. Run the same command to resume.", fg="yellow", err=True)
    if as_json:
        emit_json(summary.to_dict())
    exit_with(summary.exit_status)
