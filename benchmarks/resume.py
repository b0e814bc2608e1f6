"""Figure 4 — resume: a batch of 100,000 planned files with 99% already uploaded; how long from the start of
the upload to the first new file on the wiki, and how many requests before it.

Setup (not timed): an SMM-shaped export of N records (_common.build_smm), its plan stored in the state
database (the 597 real planned files of the SMM example, copied with new record ids, file names and image
paths), then 99% of the rows marked uploaded (with a title and a SHA-1, as a real run leaves them).

Measured, in a fresh process, from the first line of the run: load the batch, connect (log in), open the
state and check the plan's fingerprint (the export is hashed), reconcile, preflight the pending rows, and
upload until the wiki answers the first new upload; the run is then stopped. Every request is counted.
Baseline: a bare mwclient script (log in, one token, upload the same file) — the least any client needs.

Target (issue 19): the first new upload within 0.5 s of the start plus the login, at a million rows and
any completion (--done 0, 0.5, 0.99), memory flat; no request per finished record.

Usage: .venv/bin/python benchmarks/resume.py [--files N] [--done FRACTION] [--workdir DIR] [--json FILE]
Default: --files 100000 --done 0.99 (about 3 minutes, mostly setup).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import _common

# -- the two sides (each called in a child process) ---------------------------------------------------


def resume_run(batch_file: str, sandbox_dir: str) -> dict[str, Any]:
    """glamupload, as `glamupload upload BATCH` does it, until the first new upload is answered."""
    from glamupload.config import load_batch
    from glamupload.upload.pipeline import Uploader
    from glamupload.upload.run import UploadRun
    from glamupload.wiki import Wiki

    marks: dict[str, float] = {}
    start = time.perf_counter()
    batch = load_batch(batch_file)
    wiki = Wiki.connect("sandbox", sandbox_dir=Path(sandbox_dir))
    marks["connected"] = time.perf_counter() - start
    log = _common.RequestLog()
    log.start = start
    log.attach(wiki.session)
    with UploadRun(batch, wiki) as upload_run:
        upload_run.prepare()
        db = upload_run.db
        marks["state open, plan checked"] = time.perf_counter() - start
        run = Uploader(db, wiki, batch_name=batch.name, image_roots=batch.image_roots)

        def first_upload(what: str) -> None:
            if what.startswith("upload") and "first upload answered" not in marks:
                marks["first upload answered"] = time.perf_counter() - start
                marks["requests before it"] = len(log.entries) - 1
                run.stop.set()

        log.on_request = first_upload
        summary = run.run()
        counts = db.counts()
    return {
        "marks": marks,
        "requests": [what for _, what in log.entries],
        "request_times": [round(at, 3) for at, _ in log.entries],
        "done": summary.this_run,
        "counts": counts,
    }


def bare_first_upload(wiki: dict[str, Any], path: str, filename: str, text: str) -> dict[str, Any]:
    """mwclient: log in, one token, one upload."""
    from urllib.parse import urlsplit

    import mwclient

    start = time.perf_counter()
    parts = urlsplit(wiki["api"])
    site = mwclient.Site(parts.netloc, path=parts.path[: -len("api.php")], scheme=parts.scheme)
    site.login(wiki["username"], wiki["password"])
    token = site.get_token("csrf")
    data = {
        "action": "upload",
        "format": "json",
        "filename": filename,
        "text": text,
        "comment": "bare",
        "token": token,
    }
    reply = json.loads(site.raw_call("api", data, {"file": (filename, Path(path).read_bytes())}))
    return {"seconds": time.perf_counter() - start, "result": reply.get("upload", {}).get("result")}


# -- setup -----------------------------------------------------------------------------------------------


def _copies(planned: list[dict[str, Any]], total: int, images: Path) -> Any:
    """``total`` planned files: copy c of the n-th example file gets record id ``<id>-<c>`` (as
    build_smm numbers them), a file name with the same suffix and the image build_smm linked for it."""
    for n in range(total):
        copy, original = divmod(n, len(planned))
        item = dict(planned[original])
        name = Path(item["filename"])
        item["record_id"] = f"{item['record_id']}-{copy}"
        item["filename"] = f"{name.stem} ({copy}){name.suffix}"
        item["source"] = str(images / f"{copy}-{Path(planned[original]['source']).name}")
        item["index"] = n
        yield item


def build_state(folder: Path, total: int, done: float) -> tuple[Path, dict[str, Any]]:
    """The batch file and the first pending uploadable planned file."""
    from glamupload.config import load_batch
    from glamupload.plan import plan_batch
    from glamupload.planned import PlannedFile
    from glamupload.state import BatchState
    from glamupload.upload.run import batch_fingerprint

    batch_file = _common.build_smm(folder, total, {"state": "state.sqlite"})
    batch = load_batch(batch_file)
    planned = [json.loads(p.to_json()) for p in plan_batch(load_batch(_common.SMM_BATCH))]
    with BatchState(batch.state_path) as db:
        copies = (PlannedFile.from_dict(item) for item in _copies(planned, total, folder / "images"))
        db.store_plan(copies, batch_fingerprint(batch, db))  # as the first run leaves it
    finished = int(total * done)
    with sqlite3.connect(batch.state_path) as con:
        con.executemany(
            "UPDATE files SET status = 'uploaded', wiki_title = 'File:' || filename, sha1 = ?, size = 7800 "
            "WHERE id = ?",
            ((hashlib.sha1(str(i).encode()).hexdigest(), i) for i in range(1, finished + 1)),
        )
        row = con.execute(
            "SELECT planned FROM files WHERE id > ? AND json_extract(planned, '$.uploadable')"
            " ORDER BY id LIMIT 1",
            (finished,),
        ).fetchone()
    return batch_file, json.loads(row[0])


# -- the figure ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100_000, help="planned files in the state database")
    parser.add_argument("--done", type=float, default=0.99, help="fraction already uploaded")
    parser.add_argument("--workdir", type=Path, help="where to put the batch, state and sandbox")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args(argv)
    info = _common.print_machine()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp)
        setup_start = time.perf_counter()
        batch_file, first = build_state(folder / "batch", args.files, args.done)
        state_mb = (folder / "batch" / "state.sqlite").stat().st_size / 1e6
        setup = time.perf_counter() - setup_start
        bare_image = _common.stamp_jpeg(Path(first["source"]), folder / "bare.jpg", "bare")
        wiki = _common.start_sandbox(folder / "sandbox")
        try:
            _common.warm_up(wiki, folder, [first])
            before = _common.wiki_requests(wiki)
            bare = _common.in_child(
                "resume",
                "bare_first_upload",
                wiki,
                str(bare_image),
                "Bare " + first["filename"],
                first["wikitext"],
                preload=("mwclient",),
            )["result"]
            bare["wiki_requests"] = _common.wiki_requests(wiki) - before
            before = _common.wiki_requests(wiki)
            measured = _common.in_child(
                "resume",
                "resume_run",
                str(batch_file),
                wiki["dir"],
                preload=("glamupload.upload.run", "glamupload.plan"),
            )
            glam = {**measured["result"], "peak_rss": measured["peak_rss"]}
            glam["wiki_requests_whole_run"] = _common.wiki_requests(wiki) - before
        finally:
            _common.stop_sandbox(wiki)
    marks = glam["marks"]
    before_first = glam["requests"][: marks["requests before it"]]
    login = glam["wiki_requests_whole_run"] - len(glam["requests"])
    print(
        f"\nstate: {args.files:,} planned files, {int(args.files * args.done):,} uploaded, "
        f"{state_mb:,.0f} MB database (setup {setup:.0f} s, not timed)"
    )
    for name, seconds in marks.items():
        if name != "requests before it":
            print(f"  {seconds:6.2f} s  {name}")
    first_s = marks["first upload answered"]
    print(
        f"glamupload: first new upload answered {first_s:.2f} s after the start "
        "(target: 0.5 s after the login); "
        f"{marks['requests before it'] + login} requests before it: {login} logging in, then "
        f"{_summarise(before_first)}"
    )
    times = glam["request_times"][: marks["requests before it"]]
    if times:
        print(
            f"  the {len(times)} requests after logging in were answered between {times[0]:.2f} s and "
            f"{times[-1]:.2f} s ({(times[-1] - marks['state open, plan checked']) / len(times):.2f} s each"
            " on average, local preflight work included)"
        )
    print(
        f"bare mwclient: first upload answered {bare['seconds']:.2f} s after the start, "
        f"{bare['wiki_requests'] - 1} requests before it"
    )
    print(
        f"ratio glamupload / bare: {first_s / bare['seconds']:.1f}x; the run then stopped with "
        f"{glam['counts']}; glamupload's peak memory {_common.mib(glam['peak_rss'])}"
    )
    result = {
        "machine": info,
        "files": args.files,
        "done": args.done,
        "glamupload": glam,
        "bare": bare,
        "login_requests": login,
        "ratio": first_s / bare["seconds"],
    }
    if args.json:
        _common.write_json(args.json, result)
    return result


def _summarise(requests: list[str]) -> str:
    counts: dict[str, int] = {}
    for what in requests:
        counts[what] = counts.get(what, 0) + 1
    return ", ".join(f"{n} x {what}" for what, n in counts.items()) or "none"


if __name__ == "__main__":
    main()
