"""Planning in worker processes (``--jobs``): the same bytes as one process, whatever the shards.

Shards are made small here (a few records) so that a small export spreads over many shards and every
worker, and names collide and ids repeat across shards: the one namer must decide them exactly as one
process does.
"""

from __future__ import annotations

import csv
import errno
import json
import shutil
import traceback
from pathlib import Path

import pytest

from glamupload import dryrun, plan, workers
from glamupload.config import load_batch
from glamupload.errors import (
    ConfigError,
    GlamuploadError,
    InputError,
    LocalFileError,
    WikiError,
    WikiUnavailable,
)
from glamupload.plan import Planner, plan_batch
from glamupload.problems import ProblemCode
from glamupload.report.parts import PARTS_DIR

ROOT = Path(__file__).resolve().parent.parent
GENERIC = Path(__file__).resolve().parent / "golden" / "generic-csv"


@pytest.fixture
def small_shards(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "SHARD_RECORDS", 7)
    monkeypatch.setattr(workers, "SHARD_FILES", 1)


def colliding_batch(tmp_path: Path, rows: int = 120) -> Path:
    """The generic CSV example repeated: every title and creator recurs, some ids recur (duplicate ids),
    and ids are short enough that names collide (``(2)``, ``(3)``…) across shards."""
    folder = tmp_path / "batch"
    shutil.copytree(GENERIC, folder)
    with (GENERIC / "export.csv").open(encoding="utf-8", newline="") as fh:
        header, *originals = list(csv.reader(fh))
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        for n in range(rows):
            row = list(originals[n % len(originals)])
            row[0] = f"EX-{n % 40}"  # every id three times: duplicates in later shards
            out.writerow(row)
    return folder / "batch.yaml"


def plan_lines(batch: Path, jobs: int) -> list[str]:
    planner = Planner.open(load_batch(batch))
    return [item.to_json() for item in workers.planned_files(planner, jobs=jobs)]


@pytest.mark.usefixtures("small_shards")
def test_names_and_duplicate_ids_across_shards_are_those_of_one_process(tmp_path: Path) -> None:
    batch = colliding_batch(tmp_path)
    one = [item.to_json() for item in plan_batch(load_batch(batch))]
    assert plan_lines(batch, 1) == one
    for jobs in (2, 3):
        assert plan_lines(batch, jobs) == one
    items = [json.loads(line) for line in one]
    codes = {p["code"] for item in items for p in item["errors"] + item["warnings"]}
    assert {ProblemCode.DUPLICATE_ID.value, ProblemCode.COLLISION.value} <= codes  # the case is there
    assert len({item["filename"] for item in items if item["filename"]}) == len(
        [item for item in items if item["filename"]]
    )


@pytest.mark.usefixtures("small_shards")
@pytest.mark.parametrize(
    "batch",
    [
        ROOT / "examples" / "smm" / "batch.yaml",  # CSV, local images
        ROOT / "examples" / "kenom" / "batch.yaml",  # LIDO, two images a record, IIIF
        ROOT / "tests" / "golden" / "lido" / "batch.yaml",
        ROOT / "tests" / "golden" / "dublin-core" / "batch.yaml",
    ],
    ids=lambda path: path.parent.name,
)
def test_a_parallel_dry_run_writes_the_same_records_and_summary(batch: Path, tmp_path: Path) -> None:
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        summary = dryrun.dry_run(load_batch(batch), out, jobs=jobs, thumbnails=False)
        data = dict(summary.data)
        data.pop("generated")
        results[jobs] = ((out / "records.jsonl").read_bytes(), data, (out / "report.html").stat().st_size > 0)
    assert results[2] == results[1]


def test_one_process_reads_the_export_whole_not_as_a_share(monkeypatch: pytest.MonkeyPatch) -> None:
    """A share is what a worker of several reads; one process wants every record, and cutting a share
    that holds them all would only cost the scan of the file (readers/xmlshare.py)."""
    planner = Planner.open(load_batch(ROOT / "examples" / "kenom" / "batch.yaml"))
    monkeypatch.setattr(type(planner.reader), "select", lambda self, keep: pytest.fail("select asked"))
    assert sum(len(list(records)) for _, records in workers._own_shards(planner, 0, 1)) == 20


def test_a_folder_export_is_shared_out_by_files(small_shards: None, tmp_path: Path) -> None:
    folder = tmp_path / "batch"
    shutil.copytree(GENERIC, folder)
    with (GENERIC / "export.csv").open(encoding="utf-8", newline="") as fh:
        header, *originals = list(csv.reader(fh))
    (folder / "export").mkdir()
    for n in range(9):  # nine CSV files of three rows: nine one-file shards
        with (folder / "export" / f"part_{n}.csv").open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(header)
            for k, row in enumerate(originals):
                out.writerow([f"EX-{n}-{k}", *row[1:]])
    batch = folder / "batch.yaml"
    batch.write_text(batch.read_text(encoding="utf-8").replace("export.csv", "export"), encoding="utf-8")
    one = [item.to_json() for item in plan_batch(load_batch(batch))]
    assert len(one) == 27 and plan_lines(batch, 2) == one
    assert [json.loads(line)["position"] for line in one[:2]] == ["part_0.csv line 2", "part_0.csv line 4"]


@pytest.mark.usefixtures("small_shards")
def test_a_large_dry_run_keeps_its_parts_beside_the_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("glamupload.report.INLINE_FILES", 10)
    out = tmp_path / "out"
    summary = dryrun.dry_run(load_batch(colliding_batch(tmp_path, rows=30)), out, jobs=2, thumbnails=False)
    parts = sorted(p.name for p in (out / PARTS_DIR).iterdir())
    assert parts == sorted(f"{kind}{n:06d}.js" for n in range(5) for kind in "di")  # 30 records, 7 a shard
    html = summary.html_path.read_text(encoding="utf-8")
    assert "'self'" in html and "x-glamupload-part" not in html


def test_a_mistake_found_in_a_worker_stops_the_run_with_its_own_error(tmp_path: Path) -> None:
    batch = colliding_batch(tmp_path, rows=5)
    crosswalk = tmp_path / "crosswalk.yaml"
    text = (ROOT / "mappings" / "generic-csv.yaml").read_text(encoding="utf-8")
    # an XPath on a CSV export: a ConfigError only when a record is mapped
    crosswalk.write_text(text.replace("    id: id\n", "    id: 'xpath:string(.)'\n", 1), encoding="utf-8")
    for path in (GENERIC / "images").iterdir():
        shutil.copy(path, tmp_path / path.name)
    batch.write_text(
        batch.read_text(encoding="utf-8").replace("crosswalk: generic-csv", f"crosswalk: {crosswalk}"),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="XML exports") as caught:
        dryrun.dry_run(load_batch(batch), out, jobs=2)
    assert isinstance(caught.value, GlamuploadError) and caught.value.exit_status == ConfigError.exit_status
    assert not (out / "records.jsonl").exists() and not (out / PARTS_DIR).exists()
    assert not list(out.glob("*.part"))


def test_a_stopped_run_leaves_no_summary_of_an_earlier_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in a second dry run into the same folder removed records.jsonl and the report but kept
    the first run's summary.json, whose figures then stood for a run that never finished."""
    batch = load_batch(colliding_batch(tmp_path, rows=5))
    out = tmp_path / "out"
    dryrun.dry_run(batch, out)
    assert (out / "summary.json").exists() and (out / "report.html").exists()

    def stopped(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(plan.Planner, "draft", stopped)
    with pytest.raises(KeyboardInterrupt):
        dryrun.dry_run(batch, out)
    assert sorted(p.name for p in out.iterdir()) == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_export_of_a_header_row_alone_is_an_error(tmp_path: Path, jobs: int) -> None:
    """An export saved before its query ran (a header row, no records) planned nothing and exited 0, so
    a pipeline's guard passed: now it is an input error (exit 2), and no report is left."""
    batch = colliding_batch(tmp_path, rows=0)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="the export holds no records"):
        dryrun.dry_run(load_batch(batch), out, jobs=jobs)
    assert not (out / "records.jsonl").exists() and not (out / "summary.json").exists()


def test_a_bug_in_a_worker_keeps_where_it_was_for_the_crash_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pickling drops a traceback: the crash file of a --jobs 2 run ended in the parent's frames."""

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(plan.Planner, "draft", broken)  # the workers are forked: they inherit it
    with pytest.raises(ZeroDivisionError) as caught:
        dryrun.dry_run(load_batch(colliding_batch(tmp_path, rows=5)), tmp_path / "out", jobs=2)
    shown = "".join(traceback.format_exception(caught.value))
    assert "in a planning worker process" in shown and "in broken" in shown


@pytest.mark.parametrize(
    "error",
    [
        WikiError("not-mediawiki", "http://x/api.php is not a MediaWiki API", hint="the api.php URL"),
        WikiUnavailable("network", "ConnectionError (gave up after 2 attempts)"),
        LocalFileError.from_os(OSError(errno.ENOSPC, "No space left on device", "/out"), "cannot write"),
    ],
)
def test_an_error_crosses_from_a_worker_as_itself(error: GlamuploadError) -> None:
    """A worker's error is pickled to the parent: its class (so its exit status) and where it happened
    must survive, whatever arguments its constructor takes (a WikiError's are code and info)."""
    crossed = workers._picklable(error)
    assert type(crossed) is type(error) and crossed.exit_status == error.exit_status
    assert str(crossed) == str(error) and crossed.__dict__ == error.__dict__


def test_progress_is_told_from_the_start_and_fits_a_terminal(small_shards: None, tmp_path: Path) -> None:
    events: list[dryrun.PlanProgress] = []
    dryrun.dry_run(load_batch(colliding_batch(tmp_path)), tmp_path / "out", jobs=2, progress=events.append)
    assert events[0].phase == "reading" and events[-1].phase == "report"
    planning = [e for e in events if e.phase == "planning"]
    assert [e.records for e in planning] == list(range(7, 120, 7)) + [120]
    assert all(e.rate and e.rate > 0 for e in planning)
    assert any(e.done is not None and e.left is not None for e in planning)  # a CSV tells its share read
    assert all(len(e.line()) <= 80 for e in events)
    assert events[-1].records == 120 and events[-1].files == 120


@pytest.mark.usefixtures("small_shards")
def test_a_lido_dry_run_on_every_core_tells_the_time_left(tmp_path: Path) -> None:
    """Each worker reads its own share of the file and tells how far into it it is (xmlsafe.ReadPosition)."""
    events: list[dryrun.PlanProgress] = []
    batch = load_batch(ROOT / "examples" / "kenom" / "batch.yaml")
    dryrun.dry_run(batch, tmp_path / "out", jobs=2, progress=events.append, thumbnails=False)
    planning = [e for e in events if e.phase == "planning"]
    assert [e.records for e in planning] == [7, 14, 20]
    done = [e.done for e in planning]
    assert done == sorted(done) and 0.25 < done[0] < 0.45 and done[-1] == 1  # type: ignore[type-var]
    assert planning[0].left is not None
