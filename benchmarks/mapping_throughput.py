"""Figure 1 — mapping throughput: a dry run (mapping, licences, titles, wikitext, records.jsonl, the report)
against merely reading the same export, in one process and on every core.

Synthetic exports are built from the real rows (see _common.build_smm / build_kenom): the SMM CSV (every
copy with a new Identifikationsnr and Dimukode, its image a hard link to the real placeholder; with
--vary its free-text columns distinct too) and the KENOM LIDO records (new lidoRecIDs; images are IIIF
URLs, never fetched by a dry run). Each step runs in a fresh process, which reports its time (imports
excluded), its CPU time and that of its worker processes, and the peak resident memory of itself and of
its largest worker:

- baseline: pandas.read_csv of the CSV (pipe-delimited, all text), or lxml iterparse over the LIDO records
  (each cleared after use), doing nothing else;
- reader: glamupload's own reader, iterated (to split reading from mapping);
- plan: the planner alone, records.jsonl written (workers.run), in one process;
- dry run --jobs N: what `glamupload dry-run` does (dryrun.dry_run): records.jsonl, summary.json and
  report.html with its parts, thumbnails on, for each N of --jobs.

Target: the dry run within 3x of the baseline's time; peak memory that does not grow with the records.

Usage: .venv/bin/python benchmarks/mapping_throughput.py [--csv N ...] [--lido N ...] [--jobs N ...]
       [--rounds N] [--vary] [--workdir DIR] [--json FILE]
       .venv/bin/python benchmarks/mapping_throughput.py --profile N   (cProfile of a dry run of N SMM rows)
Defaults (about 4 minutes on 2 cores): --csv 4000 16000 --lido 400 1600 --jobs 1 <cores>.
Figures in benchmarks/README.md: see there (the million-record run: --csv 1000000 --lido 1000 --jobs 1 2).
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import _common

T = TypeVar("T")

LIDO_NS = "{http://www.lido-schema.org}lido"
GLAMUPLOAD = ("glamupload.config", "glamupload.plan", "glamupload.readers", "glamupload.dryrun")
PRELOAD = {
    "baseline_csv": ("pandas",),
    "baseline_lido": ("lxml.etree",),
    "reader_only": GLAMUPLOAD,
    "plan_only": GLAMUPLOAD,
    "dry_run": GLAMUPLOAD,
}


# -- steps (each called in a child process through _common.in_child) -----------------------------------


def baseline_csv(export: str) -> dict[str, Any]:
    import pandas

    frame = pandas.read_csv(
        export, sep="|", dtype=str, encoding="utf-8", quoting=csv.QUOTE_NONE, keep_default_na=False
    )
    return {"records": len(frame)}


def baseline_lido(export: str) -> dict[str, Any]:
    from lxml import etree

    records = 0
    for _, element in etree.iterparse(
        export, events=("end",), tag=LIDO_NS, resolve_entities=False, load_dtd=False, no_network=True
    ):
        records += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return {"records": records}


def reader_only(batch_file: str) -> dict[str, Any]:
    from glamupload.config import load_batch
    from glamupload.readers import open_export

    batch = load_batch(batch_file)
    return {"records": sum(1 for _ in open_export(batch.export_path, **batch.reader_options))}


def _lines(shard: int, records: int, files: Any) -> str:
    return "".join(item.to_json() + "\n" for item, _ in files)


def plan_only(batch_file: str, out_dir: str) -> dict[str, Any]:
    """The planner alone, in one process: records.jsonl, no report."""
    from glamupload import workers
    from glamupload.config import load_batch
    from glamupload.plan import Planner

    Path(out_dir).mkdir(parents=True, exist_ok=True)
    files = 0
    with (Path(out_dir) / "records.jsonl").open("w", encoding="utf-8") as fh:
        for shard in workers.run(Planner.open(load_batch(batch_file)), _lines):
            fh.write(shard.result)
            files += shard.files
    return {"files": files}


def dry_run(batch_file: str, out_dir: str, jobs: int) -> dict[str, Any]:
    """What `glamupload dry-run --jobs N` does, with the report (thumbnails on)."""
    from glamupload import dryrun
    from glamupload.config import load_batch

    summary = dryrun.dry_run(load_batch(batch_file), out_dir, jobs=jobs)
    out = Path(out_dir)
    parts = out / "report-parts"
    report_bytes = summary.html_path.stat().st_size + sum(p.stat().st_size for p in parts.glob("*"))
    return {
        "files": summary.data["planned_files"],
        "records_mb": (out / "records.jsonl").stat().st_size / 1e6,
        "report_mb": report_bytes / 1e6,
    }


# -- the figure ------------------------------------------------------------------------------------------


def _median(items: list[T], key: Callable[[T], float]) -> T:
    """The item of median ``key`` (the upper one of an even count): a measured run, not an average."""
    return sorted(items, key=key)[len(items) // 2]


def step(function: str, *args: Any) -> dict[str, Any]:
    return _common.in_child("mapping_throughput", function, *args, preload=PRELOAD[function])


def measure(
    kind: str,
    size: int,
    workdir: Path,
    jobs: list[int],
    vary: bool,
    plan_only_step: bool = True,
    rounds: int = 1,
) -> list[dict[str, Any]]:
    """Each step's figures. With ``rounds`` > 1 the baseline and the dry runs are measured that many
    times, each dry run right after its round's baseline, and a dry run's row is the round of median
    ratio (a shared VM's speed drifts by tens of percent within minutes: a ratio of neighbours is the
    steadier figure); ``ratios`` holds every round's."""
    folder = workdir / f"{kind}-{size}"
    if kind == "csv":
        batch = _common.build_smm(folder, size, vary=vary)
    else:
        batch = _common.build_kenom(folder, size)
    export = str(folder / ("export.csv" if kind == "csv" else "export.xml"))
    baseline = "baseline: " + ("pandas.read_csv" if kind == "csv" else "lxml iterparse")
    rows = [{"step": "glamupload reader only", **step("reader_only", str(batch))}]
    if plan_only_step:
        plan = step("plan_only", str(batch), str(folder / "out"))
        rows.append({"step": "plan (report off), 1 job", **plan})
        shutil.rmtree(folder / "out", ignore_errors=True)
    bases: list[dict[str, Any]] = []
    measured: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for _ in range(rounds):
        base = {"step": baseline, **step(f"baseline_{kind}", export)}
        bases.append(base)
        for n in jobs:
            out = folder / f"out-{n}"
            label = f"dry run + report, {n} job{'s' * (n > 1)}"
            measured.setdefault(label, []).append((step("dry_run", str(batch), str(out), n), base))
            shutil.rmtree(out, ignore_errors=True)
    median_base = _median(bases, key=lambda b: b["seconds"])
    rows.insert(0, median_base)
    for label, runs in measured.items():
        ratios = [run["seconds"] / base["seconds"] for run, base in runs]
        run, base = _median(runs, key=lambda pair: pair[0]["seconds"] / pair[1]["seconds"])
        rows.append({"step": label, **run, "base": base, "ratios": ratios})
    records = median_base["result"]["records"]
    for row in rows:
        base = row.get("base", median_base)
        row.update(
            kind=kind + ("*" if vary and kind == "csv" else ""),
            records=records,
            file_mb=Path(export).stat().st_size / 1e6,
            ratio=row["seconds"] / base["seconds"],
            records_per_s=records / row["seconds"],
            cpu_ratio=row["cpu_seconds"] / base["cpu_seconds"],
            records_per_cpu_s=records / row["cpu_seconds"],
        )
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def profile(records: int, workdir: Path | None, top: int = 25) -> None:
    """Where a dry run's time goes: cProfile over ``records`` synthetic SMM rows, the heaviest functions."""
    import cProfile
    import pstats

    from glamupload import dryrun
    from glamupload.config import load_batch

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        batch = load_batch(_common.build_smm(Path(tmp) / "csv", records))
        profiler = cProfile.Profile()
        profiler.runcall(lambda: dryrun.dry_run(batch, Path(tmp) / "out", jobs=1))
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def print_rows(rows: list[dict[str, Any]]) -> None:
    """Wall clock and CPU time (the steadier figure on a shared machine), each with its ratio."""
    print(
        f"{'export':<7}{'records':>9}{'MB':>6}  {'step':<27}{'wall s':>8}{'cpu s':>8}{'rec/cpu s':>10}"
        f"{'rec/s':>8}{'x cpu':>7}{'x wall':>8}{'peak RSS':>10}{'worker':>9}"
    )
    for row in rows:
        result = row["result"]
        worker = row.get("child_peak_rss", 0) if "job" in row["step"] and "1 job" not in row["step"] else 0
        print(
            f"{row['kind']:<7}{row['records']:>9}{row['file_mb']:>6.0f}  {row['step']:<27}"
            f"{row['seconds']:>8.1f}{row['cpu_seconds']:>8.1f}{row['records_per_cpu_s']:>10,.0f}"
            f"{row['records_per_s']:>8,.0f}{row['cpu_ratio']:>7.1f}{row['ratio']:>8.1f}"
            f"{_common.mib(row['peak_rss']):>10}{_common.mib(worker) if worker else '':>9}"
            + (f"   report {result['report_mb']:.0f} MB" if "report_mb" in result else "")
        )
        if len(row.get("ratios", [])) > 1:
            print(f"{'':<24}x wall in each round: {', '.join(f'{r:.2f}' for r in row['ratios'])}")


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", type=int, nargs="*", default=[4000, 16000], help="SMM CSV sizes (records)")
    parser.add_argument("--lido", type=int, nargs="*", default=[400, 1600], help="KENOM LIDO sizes (records)")
    parser.add_argument(
        "--jobs", type=int, nargs="*", help="dry runs with these --jobs (default: 1 and the cores)"
    )
    parser.add_argument("--vary", action="store_true", help="SMM free-text columns distinct in every copy")
    parser.add_argument("--workdir", type=Path, help="where to build the exports")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("--profile", type=int, metavar="N", help="profile a dry run of N SMM rows")
    parser.add_argument(
        "--no-plan-only",
        action="store_true",
        help="leave out the 1-job plan without the report (9 minutes of a million-row run)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the baseline and the dry runs this many times, interleaved (rows: the median ratio)",
    )
    args = parser.parse_args(argv)
    info = _common.print_machine()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    if args.profile:
        profile(args.profile, args.workdir)
        return []
    from glamupload.workers import available_cores

    jobs = args.jobs or sorted({1, available_cores()})
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for kind, sizes in (("csv", args.csv), ("lido", args.lido)):
            for size in sizes:
                measured = measure(kind, size, Path(tmp), jobs, args.vary, not args.no_plan_only, args.rounds)
                rows += measured
                print_rows(measured)
                print(f"load average after: {os.getloadavg()[0]:.1f}")
                sys.stdout.flush()
    print("\nsummary")
    print_rows(rows)
    if args.json:
        _common.write_json(args.json, {"machine": info, "rows": rows})
    return rows


if __name__ == "__main__":
    main()
