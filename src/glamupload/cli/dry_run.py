"""``glamupload dry-run``: plan a batch and write the report a curator reviews (``glamupload.dryrun``).

It parses options, plans the batch into ``records.jsonl`` on every core while writing ``summary.json`` and
``report.html``, shows the progress and then a short table and the report's path on stderr, and exits 1
when files reach the ``--fail-on`` threshold, so a dry run can guard a pipeline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

import click
from rich.console import Console
from rich.table import Table

from glamupload import dryrun, pages, report, wikitext, workers
from glamupload.cli.options import batch_argument, connect, emit_json, exit_with, json_option, wiki_options
from glamupload.config import load_batch
from glamupload.report.tally import VERDICTS


class ProgressLine:
    """The dry run's progress on stderr: rewritten in place on a terminal (at most every 0.2 s), else a
    line every ``EVERY`` seconds; each line fits 80 columns."""

    EVERY = 10.0

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.shown = 0.0
        self.width = 0

    def __call__(self, event: dryrun.PlanProgress) -> None:
        now = time.monotonic()
        if event.phase == "planning" and now - self.shown < (0.2 if self.live else self.EVERY):
            return
        self.shown = now
        line = event.line()[:80]
        if self.live:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
            if event.phase == "report":
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


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
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=workers.available_cores,
    show_default="the cores available",
    help="Plan in this many processes (records.jsonl is the same whatever the number).",
)
@click.option(
    "--check",
    type=click.Choice(wikitext.PAGE_CHECKS),
    default="construction",
    show_default=True,
    help="How pages are checked: 'construction' proves them sound by how they are built and parses "
    "only what it cannot vouch for; 'full' parses every page whole (slower, the same verdicts).",
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
    jobs: int,
    check: wikitext.PageCheck,
    as_json: bool,
) -> None:
    """Plan BATCH_FILE without uploading and write a report to review.

    \b
    OUT/records.jsonl  one planned file per line (file name, page, license verdict, problems)
    OUT/summary.json   counts, verdicts, problems, field coverage, categories, wiki checks
    OUT/report.html    the page to read or share (works offline; a batch of more than 20,000 files
                       keeps its rows in OUT/report-parts/ beside it: copy both)
    """
    batch = load_batch(batch_file)
    site = connect(wiki, sandbox_dir, read_only=True) if wiki else None
    summary = dryrun.dry_run(
        batch,
        out_dir,
        jobs=jobs,
        check=check,
        wiki=site,
        connect=(lambda: connect(wiki, sandbox_dir, read_only=True)) if wiki else None,
        thumbnails=not no_thumbnails,
        render_limit=render_limit,
        creatable=pages.creatable_categories(batch) if site else (),
        progress=ProgressLine(sys.stderr),
    )
    if as_json:
        emit_json(summary.data)
    Console(stderr=True).print(summary_table(summary))
    for note in summary.data.get("export_notes", []):
        click.echo(f"Warning: {note}", err=True)
    for key, what, why in UNUSED_DECISIONS:
        unused = summary.data.get(key, {}).get("unused", [])
        if unused:
            more = f" and {len(unused) - 5} more" if len(unused) > 5 else ""
            shown = ", ".join(map(repr, unused[:5])) + more
            listed = f"{shown} ({why}); summary.json lists them all"
            click.echo(f"Warning: {len(unused)} {what} decided nothing: {listed}", err=True)
    click.echo(f"Report: {summary.html_path}", err=True)
    exit_with(summary.exit_status(fail_on))


#: summary.json's lists of decisions that decided nothing: (key, what they are, why that happens)
UNUSED_DECISIONS = (
    (
        "overrides",
        "override(s)",
        "the dry run did not plan their record: a mistyped record id, or a record outside `limit:`",
    ),
    (
        "reviews",
        "review decision(s) for a record",
        "the dry run did not plan the record, or its licence is no longer for review",
    ),
)


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
