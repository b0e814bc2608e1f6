"""Figure 2 — upload overhead: glamupload's uploader against a bare loop of mwclient upload calls, over the
same files and the same wikitext, on a fresh sandbox wiki.

The files are the first N uploadable files of the SMM example (real wikitext, placeholder JPEGs). Each
side uploads its own copy of every image, made unique by a JPEG comment (the wiki would otherwise refuse
the second side's uploads as duplicates), under its own file names. Each side runs in a fresh process:

- bare loop: mwclient login, one CSRF token, then one ``action=upload`` request per file (the least any
  client can send);
- glamupload: ``Wiki.connect``, ``UploadRun.prepare`` (plans the batch into the state database), then
  ``Uploader.run`` (reconcile, preflight, upload, verify) for the same N records.

Requests are counted at the wiki (its PHP server's access log, login included) and in the client (by
kind). Targets: throughput ratio glamupload / bare >= 0.9; requests per file <= 1 + 1/25 (+ a constant).
glamupload's default looks every file up by SHA-1 before sending it (``--sha1-check all``; MediaWiki takes
one SHA-1 per request), which adds one read per file on top of that budget, overlapped with the previous
upload; ``--sha1-check chunked`` measures the mode that keeps within it. The figure prints both counts.

The files are uploaded in rounds (``--rounds``), the two sides taking turns to go first, and the times
added up: the sandbox's speed drifts with the machine's load, by 2x within minutes on a shared machine.

``--realistic MIN MAX`` replaces the placeholders (7.7 kB) by photographs' sizes: JPEGs of MIN to MAX MB
(spread evenly over the files; camera noise, which JPEG cannot squeeze), the same bytes for both sides
but for their comment. With placeholders the figure measures per-request costs (the SHA-1 lookup is a
whole PHP request on the same two cores as the upload it overlaps); with real sizes it measures what a
batch of photographs costs.

Usage: .venv/bin/python benchmarks/upload_overhead.py [--files N] [--rounds R] [--sha1-check all|chunked]
                                                     [--realistic MIN MAX] [--workdir DIR] [--json FILE]
Default: --files 100 --rounds 4 (1-4 minutes on 2 cores, depending on the load).
Realistic: --files 24 --rounds 4 --realistic 2 20 (about 5 minutes).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

COMMENT = "Batch upload {batch} with glamupload (benchmark)"


# -- the two sides (each called in a child process) ---------------------------------------------------


def bare_loop(wiki: dict[str, Any], items: list[list[str]]) -> dict[str, Any]:
    """mwclient: log in, fetch one token, one upload request per (path, filename, wikitext)."""
    from urllib.parse import urlsplit

    import mwclient

    start = time.perf_counter()
    parts = urlsplit(wiki["api"])
    site = mwclient.Site(parts.netloc, path=parts.path[: -len("api.php")], scheme=parts.scheme)
    site.login(wiki["username"], wiki["password"])
    log = _common.RequestLog()
    log.attach(site.connection)
    token = site.get_token("csrf")
    connected = time.perf_counter()
    results: dict[str, int] = {}
    for path, filename, text in items:
        data = {
            "action": "upload",
            "format": "json",
            "filename": filename,
            "text": text,
            "comment": COMMENT.format(batch="bare"),
            "token": token,
        }
        reply = json.loads(site.raw_call("api", data, {"file": (filename, Path(path).read_bytes())}))
        result = reply.get("upload", {}).get("result") or reply.get("error", {}).get("code", "?")
        results[result] = results.get(result, 0) + 1
    done = time.perf_counter()
    return {
        "connect_s": connected - start,
        "upload_s": done - connected,
        "total_s": done - start,
        "results": results,
        "requests": log.counts(),
    }


def glamupload_run(batch_file: str, sandbox_dir: str, only: list[str], sha1_check: str) -> dict[str, Any]:
    """glamupload: connect, plan into the state database, upload the given records."""
    from glamupload.config import load_batch
    from glamupload.upload.options import UploadOptions
    from glamupload.upload.pipeline import Uploader
    from glamupload.upload.run import UploadRun
    from glamupload.wiki import Wiki

    start = time.perf_counter()
    batch = load_batch(batch_file)
    wiki = Wiki.connect("sandbox", sandbox_dir=Path(sandbox_dir))
    log = _common.RequestLog()
    log.attach(wiki.session)
    connected = time.perf_counter()
    with UploadRun(batch, wiki) as upload_run:
        upload_run.prepare()
        planned = time.perf_counter()
        options = UploadOptions(only=only, comment=COMMENT)
        if sha1_check == "chunked":
            options.sha1_check_from = options.chunk_threshold
        estimates: list[tuple[float, int, int | None, float | None]] = []
        summary = Uploader(
            upload_run.db,
            wiki,
            batch_name=batch.name,
            image_roots=batch.image_roots,
            options=options,
            progress=lambda e: estimates.append((time.perf_counter(), e.files_done, e.files_total, e.eta)),
        ).run()
    done = time.perf_counter()
    return {
        "eta_ratios": eta_ratios(estimates, done),
        "connect_s": connected - start,
        "plan_s": planned - connected,
        "upload_s": done - planned,
        "total_s": done - start,
        "results": summary.this_run,
        "requests": log.counts(),
    }


def eta_ratios(estimates: list[tuple[float, int, int | None, float | None]], end: float) -> dict[str, float]:
    """The uploader's estimate of the time left against the time that was really left, when a quarter,
    half and three quarters of the files were done (1.0: exact; 2.0: twice too long)."""
    ratios = {}
    for share in (0.25, 0.5, 0.75):
        for at, done, total, eta in estimates:
            if eta is not None and total and done >= share * total and end - at > 0:
                ratios[f"{share:.0%}"] = eta / (end - at)
                break
    return ratios


# -- the figure ------------------------------------------------------------------------------------------


def photograph(path: Path, megabytes: float, seed: int) -> Path:
    """A JPEG of about ``megabytes`` MB: noise (as a camera's, it does not compress), quality 90."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    pixels = int(megabytes * 1e6 / 1.05)  # noise at quality 90: ~1.05 bytes per pixel
    width = int((pixels * 4 / 3) ** 0.5)
    height = max(1, pixels // width)
    image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    image.save(path, "JPEG", quality=90)
    return path


def prepare(
    folder: Path, count: int, realistic: tuple[float, float] | None = None
) -> tuple[list[dict[str, Any]], list[list[str]], Path]:
    """The planned files, the bare loop's (path, filename, wikitext) items and glamupload's batch file."""
    planned = _common.smm_uploadable(count)
    bare, glam = folder / "bare", folder / "glamupload" / "images"
    bare.mkdir(parents=True)
    glam.mkdir(parents=True)
    (folder / "originals").mkdir()
    items = []
    for number, item in enumerate(planned):
        source = Path(item["source"])
        if realistic is not None:
            low, high = realistic
            size = low + (high - low) * number / max(1, count - 1)
            source = photograph(folder / "originals" / source.name, size, number)
        _common.stamp_jpeg(source, glam / source.name, "glamupload")
        path = _common.stamp_jpeg(source, bare / source.name, "bare")
        items.append([str(path), "Bare " + item["filename"], item["wikitext"]])
    batch = _common.write_batch(
        _common.SMM_BATCH,
        folder / "glamupload",
        _common.SMM_CSV,
        {"images": {"root": "."}, "state": "state.sqlite"},
    )
    return planned, items, batch


def side(wiki: dict[str, Any], function: str, *args: Any) -> dict[str, Any]:
    before = _common.wiki_requests(wiki)
    preload = ("mwclient",) if function == "bare_loop" else ("glamupload.upload.run", "glamupload.plan")
    run = _common.in_child("upload_overhead", function, *args, preload=preload)
    requests = _common.wiki_requests(wiki) - before
    return {**run["result"], "peak_rss": run["peak_rss"], "wiki_requests": requests}


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The rounds of one side added up (times, requests, outcomes); the highest peak memory."""
    total: dict[str, Any] = {"rounds": runs}
    for key in ("upload_s", "total_s", "connect_s", "plan_s", "wiki_requests"):
        if key in runs[0]:
            total[key] = sum(run[key] for run in runs)
    for key in ("results", "requests"):
        counts: dict[str, int] = {}
        for run in runs:
            for name, n in run[key].items():
                counts[name] = counts.get(name, 0) + n
        total[key] = counts
    total["peak_rss"] = max(run["peak_rss"] for run in runs)
    total["eta_ratios"] = [run["eta_ratios"] for run in runs if "eta_ratios" in run]
    return total


def report(name: str, run: dict[str, Any], files: int) -> None:
    extra = f", planning {run['plan_s']:.1f} s" if "plan_s" in run else ""
    after_login = sum(run["requests"].values())
    print(
        f"{name:<11} {run['upload_s']:7.1f} s uploading ({files / run['upload_s']:.2f} files/s), "
        f"{run['total_s']:.1f} s in all (logins {run['connect_s']:.1f} s{extra}); peak RSS "
        f"{_common.mib(run['peak_rss'])}"
    )
    print(
        f"{'':<11} API requests at the wiki: {run['wiki_requests']} = {after_login} after logging in "
        f"({after_login / files:.3f} per file) + {run['wiki_requests'] - after_login} for the logins"
    )
    print(f"{'':<11} outcomes {run['results']}; requests after login {run['requests']}")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100, help="files to upload on each side")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="split the files into rounds, the two sides taking turns to go first "
        "(the machine's speed drifts; this spreads the drift over both)",
    )
    parser.add_argument(
        "--sha1-check",
        choices=["all", "chunked"],
        default="all",
        help="glamupload's SHA-1 lookup before sending: every file (default) or chunked ones",
    )
    parser.add_argument(
        "--realistic",
        type=float,
        nargs=2,
        metavar=("MIN", "MAX"),
        help="JPEGs of MIN to MAX MB instead of the 7.7 kB placeholders",
    )
    parser.add_argument("--workdir", type=Path, help="where to put the sandbox and files")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    args.rounds = max(1, min(args.rounds, args.files))
    info = _common.print_machine()
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "glamupload": []}
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        planned, items, batch = prepare(folder, args.files, tuple(args.realistic) if args.realistic else None)
        size = sum(Path(item[0]).stat().st_size for item in items) / args.files
        wiki = _common.start_sandbox(folder / "sandbox")
        try:
            _common.warm_up(wiki, folder, planned)
            for number in range(args.rounds):
                part = slice(number * args.files // args.rounds, (number + 1) * args.files // args.rounds)
                sides = {
                    "bare": ("bare_loop", wiki, items[part]),
                    "glamupload": (
                        "glamupload_run",
                        str(batch),
                        wiki["dir"],
                        [p["record_id"] for p in planned[part]],
                        args.sha1_check,
                    ),
                }
                for name in ("bare", "glamupload") if number % 2 == 0 else ("glamupload", "bare"):
                    runs[name].append(side(wiki, *sides[name]))
        finally:
            _common.stop_sandbox(wiki)
    bare, glam = merge(runs["bare"]), merge(runs["glamupload"])
    files = args.files
    kind = "photograph-sized JPEGs" if args.realistic else "files of the SMM example"
    print(
        f"\n{files} {kind} ({size / 1024:,.1f} kB each on average, wikitext from the "
        f"plan) in {args.rounds} rounds, on the sandbox wiki (warmed up by {_common.WARM_UP} uploads)"
    )
    report("bare loop", bare, files)
    report("glamupload", glam, files)
    ratio = bare["upload_s"] / glam["upload_s"]
    whole = bare["total_s"] / glam["total_s"]
    rounds = ", ".join(
        f"{b['upload_s'] / g['upload_s']:.2f}" for b, g in zip(runs["bare"], runs["glamupload"], strict=True)
    )
    print(
        f"\nthroughput ratio glamupload / bare loop: {ratio:.2f} uploading (target >= 0.9; rounds: "
        f"{rounds}), {whole:.2f} for the whole runs including logins and planning"
    )
    if glam["eta_ratios"]:
        shown = "; ".join(", ".join(f"{k} {v:.2f}" for k, v in r.items()) for r in glam["eta_ratios"])
        print(f"the uploader's time left / the time really left, per round (1.0 exact): {shown}")
    lookups = glam["requests"].get("query list=allimages", 0)
    extra = sum(glam["requests"].values()) - files - lookups
    print(
        f"glamupload (--sha1-check {args.sha1_check}): {lookups} SHA-1 lookups ({lookups / files:.3f} per "
        f"file); {extra} other requests after logging in beyond one upload per file = {extra / files:.3f} "
        f"per file (target <= 1/25 = 0.04)"
    )
    result = {
        "machine": info,
        "files": files,
        "rounds": args.rounds,
        "sha1_check": args.sha1_check,
        "realistic": args.realistic,
        "mean_size": size,
        "bare": bare,
        "glamupload": glam,
        "ratio_upload": ratio,
        "ratio_whole": whole,
        "sha1_lookups_per_file": lookups / files,
        "preflight_per_file": extra / files,
    }
    if args.json:
        _common.write_json(args.json, result)
    return result


if __name__ == "__main__":
    main()
