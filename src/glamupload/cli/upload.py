"""``glamupload upload`` and ``status``: the click commands over the upload package.

They parse options, call ``UploadRun.upload`` / ``batch_status`` and format the result:
a progress bar and the summary on stderr, ``--json`` data on stdout, the exit status from the summary.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TextColumn
from rich.progress import Progress as Bar
from rich.table import Column
from rich.text import Text

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
from glamupload.maintenance import MaintenancePage
from glamupload.state import BatchStatus, FileStatus, RowProblem
from glamupload.upload.options import MIB, Progress, UploadOptions
from glamupload.upload.run import PlanChanged, UploadRun, batch_status
from glamupload.wiki import RATE_LIMIT_WAIT

#: How many problems the summary lists on stderr (``status`` lists them all).
SHOWN_PROBLEMS = 20


def _size(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "ETA -:--"
    minutes, rest = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"ETA {hours}:{minutes:02d}:{rest:02d}" if hours else f"ETA {minutes}:{rest:02d}"


class EtaColumn(ProgressColumn):
    """The time left, or during a wait its countdown (rate limits can last an hour; the wait's reason is
    printed as a line of its own), in the same few columns."""

    def __init__(self) -> None:
        super().__init__(table_column=Column(no_wrap=True))

    def render(self, task: Task) -> Text:
        left = float(task.fields.get("until", 0.0)) - time.monotonic()
        if left > 0:
            return Text(f"wait {left:.0f} s", style="yellow")
        return Text(str(task.fields.get("eta", "")))


class ProgressBar:
    """Draws upload progress events on stderr in one line of at most 80 columns: the current file, a bar,
    files, bytes, rate and the time left as the uploader estimates it (from the uploads so far, not the
    checks before them), counting down a wait; waits and warnings also as lines of their own."""

    NAME = 14  #: columns of the current file's name

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Bar(
            TextColumn("{task.description}"),
            BarColumn(bar_width=14),
            TextColumn("{task.fields[files]}"),
            TextColumn("{task.fields[bytes]}"),
            TextColumn("{task.fields[rate]}"),
            EtaColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("preflight", total=None, files="", bytes="", rate="", eta="", until=0.0)

    def __enter__(self) -> ProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, event: Progress) -> None:
        if event.kind == "wait" and event.message:
            self.console.print(f"[yellow]{event.message}[/yellow]")
            self.bar.update(self.task, until=time.monotonic() + (event.wait or 0.0))
        if event.kind == "warning" and event.message:
            self.console.print(f"[yellow]Warning: {event.message}[/yellow]")
        current = event.current or ("done" if event.kind == "done" else "uploading")
        if len(current) > self.NAME:
            current = current[: self.NAME - 1] + "…"
        self.bar.update(
            self.task,
            description=current.ljust(self.NAME),
            total=event.files_total or None,
            completed=event.files_done,
            files=f"{event.files_done}/{event.files_total if event.files_total is not None else '…'}",
            bytes=f"{_size(event.bytes_done)}/{_size(event.bytes_total)}",
            rate=f"{_size(event.rate)}/s",
            eta=_clock(event.eta),
        )


def _print_problems(problems: list[RowProblem], limit: int | None) -> None:
    for problem in problems[:limit]:
        reason = f"{problem.code}: {problem.message}" if problem.code else problem.message
        click.echo(f"  {problem.status:>12}  {problem.record_id}  {problem.filename}", err=True)
        click.echo(f"{'':>16}{reason}", err=True)
    if limit is not None and len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more: see `glamupload status --json`", err=True)


def _review_hint(counts: Mapping[str, int], batch_file: Path) -> None:
    if counts.get(FileStatus.NEEDS_REVIEW):
        click.echo(
            f"  {counts[FileStatus.NEEDS_REVIEW]} need review: "
            f"`{shlex.join(['glamupload', 'review', str(batch_file)])}` says what each decision does",
            err=True,
        )


def _counts_line(counts: Mapping[str, int]) -> str:
    shown = [f"{counts[s]} {s.replace('_', ' ')}" for s in FileStatus if counts.get(s)]
    return f"{counts.get('total', 0)} files: " + (", ".join(shown) or "nothing planned")


def _resume_command(
    batch_file: Path, wiki: str, sandbox_dir: Path | None, workers: int, state_file: Path | None
) -> str:
    """The command that continues this upload (selections like --limit are the user's to repeat)."""
    args = ["glamupload", "upload", str(batch_file)]
    if state_file is not None:
        args += ["--state", str(state_file)]
    if wiki != "sandbox":
        args += ["--wiki", wiki]
    if sandbox_dir is not None:
        args += ["--sandbox-dir", str(sandbox_dir)]
    if workers > 1:
        args += ["--workers", str(workers)]
    return shlex.join(args)


@click.command("upload", epilog=CREDENTIALS_EPILOG)
@batch_argument
@wiki_options()
@click.option(
    "--limit", type=click.IntRange(min=1), help="Upload at most N files in this run (e.g. a test run)."
)
@click.option("--only", multiple=True, metavar="ID", help="Only this record id (repeatable).")
@click.option("--retry-failed", is_flag=True, help="Try failed files again (after fixing their cause).")
@click.option(
    "--replan", is_flag=True, help="Take the new plan when the export, crosswalk or config changed."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Parallel uploads; above 1 only on the sandbox (Wikimedia asks for serial writes).",
)
@click.option(
    "--chunk-threshold",
    type=click.IntRange(min=1, max=100),
    default=20,
    show_default=True,
    metavar="MiB",
    help="Files this large or larger go by chunked upload.",
)
@click.option(
    "--sha1-check",
    type=click.Choice(["all", "chunked"]),
    default="all",
    show_default=True,
    help="Which files are looked up on the wiki by SHA-1 before their bytes are sent: all (one "
    "read request per file), or only those sent in chunks (the upload's own duplicate "
    "warning catches the others, after sending them once; nothing is published).",
)
@click.option(
    "--rate-limit-wait",
    type=click.FloatRange(min=0),
    default=RATE_LIMIT_WAIT / 60,
    show_default=True,
    metavar="MINUTES",
    help="How long the run keeps waiting when the wiki refuses a request for its rate limit (each wait as "
    "long as the wiki says) before it ends with exit status 5.",
)
@state_option
@click.option(
    "--yes",
    is_flag=True,
    help="Answer yes when asked to upload to a wiki other than the sandbox, or from a changed plan "
    "(without a terminal these questions are refused unless --yes is given).",
)
@json_option("Print the summary (or the error) as one JSON object on stdout.")
def upload_command(
    batch_file: Path,
    wiki: str,
    sandbox_dir: Path | None,
    limit: int | None,
    only: tuple[str, ...],
    retry_failed: bool,
    replan: bool,
    workers: int,
    chunk_threshold: int,
    sha1_check: str,
    rate_limit_wait: float,
    state_file: Path | None,
    yes: bool,
    as_json: bool,
) -> None:
    """Upload BATCH_FILE's files, or resume where the last run stopped.

    Checks every file first (license accepted, file readable and inside the batch's folders, type
    matching the name, title free on the wiki), then uploads each file exactly once: duplicates on
    the wiki are recorded, not uploaded again; failures are recorded with the wiki's reason and the
    batch goes on. Ctrl-C stops within a second or two; the same command resumes. One process at a
    time uses a state (a second one is refused, naming the first).

    Exit status: 0 all done, 1 some files failed or need review, 2 config error (or an unknown --only
    id), 3 login failed, 4 wiki unreachable or not a MediaWiki, 5 the wiki refused (also: still rate
    limited after --rate-limit-wait), 6 a local file or the state cannot be written (disk full,
    permissions) or the state is damaged, 7 the state is in use by another run, 130 interrupted.
    """
    batch = load_batch(batch_file, state=state_file)
    site = connect(wiki, sandbox_dir)
    click.echo(account_line(site), err=True)
    if site.target.sandbox_dir is None:
        confirm(f"Upload to {site.target.api} as {site.username}?", yes)
    threshold = chunk_threshold * MIB
    options = UploadOptions(
        limit=limit,
        only=list(only) or None,
        retry_failed=retry_failed,
        workers=workers,
        chunk_threshold=threshold,
        sha1_check_from=0 if sha1_check == "all" else threshold,
        rate_limit_wait=rate_limit_wait * 60,
    )
    with UploadRun(batch, site) as run:
        if run.plan_changes and not replan:
            changed = PlanChanged(run.plan_changes, batch.path)
            confirm(
                f"{changed.message}. Upload from the new plan?", yes, hint=f"{changed.hint}; or pass --yes"
            )
            replan = True
        with ProgressBar(Console(stderr=True)) as bar:
            summary = run.upload(options, replan=replan, progress=bar)
    this_run = ", ".join(f"{n} {s}" for s, n in summary.this_run.items()) or "nothing to do"
    if summary.this_run:  # what --limit counts: the files found on the wiki were not sent
        found = summary.sent < summary.this_run.get(FileStatus.UPLOADED, 0)
        this_run += f" ({summary.sent} sent{', the others found on the wiki' if found else ''})"
    click.echo(f"This run: {this_run}", err=True)
    click.echo(_counts_line(summary.counts), err=True)
    _print_problems([p for p in summary.problems if p.status != FileStatus.SKIPPED], SHOWN_PROBLEMS)
    if summary.counts.get(FileStatus.SKIPPED):
        click.echo(
            f"  {summary.counts[FileStatus.SKIPPED]} skipped (license not accepted, or by a reviewer): "
            "`glamupload status` lists them with reasons",
            err=True,
        )
    _review_hint(summary.counts, batch_file)
    _print_maintenance(summary.maintenance)
    if summary.interrupted:
        click.secho("Interrupted; the state is saved. Resume with:", fg="yellow", err=True)
        click.echo("  " + _resume_command(batch_file, wiki, sandbox_dir, workers, state_file), err=True)
    if as_json:
        emit_json(summary.to_dict())
    exit_with(summary.exit_status)


def _print_maintenance(found: tuple[MaintenancePage, ...]) -> None:
    """The uploaded files the wiki files into maintenance categories, as Commons' patrollers will see them."""
    if not found:
        return
    click.secho(f"{len(found)} uploaded page(s) are in maintenance categories:", fg="yellow", err=True)
    for page in found[:SHOWN_PROBLEMS]:
        for finding in page.findings:
            click.echo(f"  {page.title} (record {page.record_id}): {finding.message}", err=True)
    if len(found) > SHOWN_PROBLEMS:
        click.echo(f"  … and {len(found) - SHOWN_PROBLEMS} more (upload --json lists them all)", err=True)


@click.command("status")
@batch_argument
@state_option
@json_option("Print the status as one JSON object on stdout (the same schema as `upload --json`).")
def status_command(batch_file: Path, state_file: Path | None, as_json: bool) -> None:
    """Where BATCH_FILE's upload stands: files per status, and the failures with their reasons.

    Reads the batch's state database only; it never contacts the wiki.
    """
    status = batch_status(load_batch(batch_file, state=state_file))
    if as_json:
        emit_json(status.to_dict())
        return
    if not status.planned:
        click.echo("Nothing uploaded yet: run `glamupload upload` first.", err=True)
        return
    click.echo(_counts_line(status.counts), err=True)
    for kind, n in status.licence_flags.items():
        click.echo(f"  {n} file(s) whose licence rests on a person's word: {kind}", err=True)
    _print_problems(list(status.problems), None)
    _review_hint(status.counts, batch_file)
    _print_pages(status)


def _print_pages(status: BatchStatus) -> None:
    """The uploaded files' pages as `glamupload update` last saw them, and those that need attention."""
    shown = [f"{n} {name.replace('_', ' ')}" for name, n in status.pages.items() if n]
    if not shown:
        return
    click.echo("Pages (glamupload update): " + ", ".join(shown), err=True)
    for page in status.page_problems:
        tag = f" [tagged for deletion: {page.deletion_tag}]" if page.deletion_tag else ""
        click.echo(f"  {page.status:>12}  {page.record_id}  {page.title}{tag}", err=True)
        if page.message:
            click.echo(f"{'':>16}{page.message}", err=True)
        for conflict in page.conflicts:
            click.echo(f"{'':>16}conflict on {conflict.part}: `glamupload review` lists it", err=True)
