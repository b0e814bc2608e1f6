"""``glamupload dry-run``: plan a batch and write the report a curator reviews (plan.py, the report package).

It parses options, plans the batch into
``records.jsonl``, builds ``summary.json`` and ``report.html``, prints a short table and the report's path
on stderr, and exits 1 when files reach the ``--fail-on`` threshold, so a dry run can guard a pipeline.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from glamupload import pages, plan, planned, report
from glamupload.cli.options import batch_argument, connect, emit_json, exit_with, json_option, wiki_options
from glamupload.config import load_batch
from glamupload.report.tally import VERDICTS


@click.command("dry-run")
@batch_argument
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for records.jsonl, summary.json and report.html (created if needed).",
)
@wiki_options(
    default=None,
    help="Also ask this wiki ('sandbox', 'commons' or an api.php URL) which files and categories it "
    "has, and how it renders each page. Only reads: no login, no credentials needed.",
)
@click.option(
    "--render-limit",
    type=click.IntRange(0),
    default=report.RENDER_LIMIT,
    show_default=True,
    help="With --wiki, how many pages to have the wiki render (one request each).",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "never"]),
    default="error",
    show_default=True,
    help="Exit 1 when some file has an error (or, with 'warning', a warning too); 'never' always exits 0.",
)
@click.option(
    "--no-thumbnails", is_flag=True, help="Leave image thumbnails out of report.html (a smaller file)."
)
@json_option("Also print summary.json on stdout.")
def dry_run_command(
    batch_file: Path,
    out_dir: Path,
    wiki: str | None,
    sandbox_dir: Path | None,
    render_limit: int,
    fail_on: report.FailOn,
    no_thumbnails: bool,
    as_json: bool,
) -> None:
    """Plan BATCH_FILE without uploading and write a report to review.

    \b
    OUT/records.jsonl  one planned file per line (file name, page, license verdict, problems)
    OUT/summary.json   counts, verdicts, problems, field coverage, categories, wiki checks
    OUT/report.html    one self-contained page to read or share (works offline)
    """
    batch = load_batch(batch_file)
    site = connect(wiki, sandbox_dir, read_only=True) if wiki else None
    records = planned.write_records(plan.plan_batch(batch), out_dir)
    summary = report.build_report(
        records,
        out_dir,
        wiki=site,
        thumbnails=not no_thumbnails,
        title=batch.name,
        image_roots=batch.image_roots,
        allow_outside_root=batch.model.images.allow_outside_root,
        render_limit=render_limit,
        creatable=pages.creatable_categories(batch) if site else (),
    )
    if as_json:
        emit_json(summary.data)
    Console(stderr=True).print(summary_table(summary))
    click.echo(f"Report: {summary.html_path}", err=True)
    exit_with(summary.exit_status(fail_on))


def summary_table(summary: report.ReportSummary) -> Table:
    """The few figures a person at a terminal needs (the CLI prints it on stderr)."""
    data = summary.data
    table = Table(title=f"Dry run: {data['title']}", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("records", str(data["records"]))
    table.add_row("planned files", str(data["planned_files"]))
    for verdict in VERDICTS:
        table.add_row(f"  license {verdict}", str(data["verdicts"][verdict]["count"]))
    table.add_row("files with errors", str(data["errors"]["files"]))
    table.add_row("files with warnings", str(data["warnings"]["files"]))
    table.add_row("missing images", str(data["missing_images"]["count"]))
    table.add_row("file names made unique", str(data["collisions"]["count"]))
    table.add_row("uploadable", str(data["uploadable"]))
    for kind, n in data["licence_flags"].items():  # licences that rest on a person's word
        table.add_row(f"  licence: {kind}", str(n))
    table.add_row("Commons check: files with findings", str(data["commons_check"]["files"]))
    table.add_row("  no topical category", str(data["categories"]["needs_categories"]))
    wiki = data["wiki"]
    if wiki["checked"]:
        table.add_row("  in maintenance categories", str(wiki["maintenance"]["count"]))
        table.add_row("already on the wiki (title)", str(wiki["by_title"]["count"]))
        table.add_row("already on the wiki (SHA-1)", str(wiki["by_sha1"]["count"]))
        table.add_row("categories missing on the wiki", str(len(wiki["categories"]["missing"])))
        table.add_row("  will be created by `pages`", str(len(wiki["categories"]["will_be_created"])))
        table.add_row("  unknown (a person creates)", str(len(wiki["categories"]["unknown"])))
    return table
