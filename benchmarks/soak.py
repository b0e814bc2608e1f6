"""Soak (issue 16): the SMM example uploaded through a fault proxy that damages 20% of all requests, with
30 random SIGKILLs of the upload process, then checked against the wiki itself.

Setup: a fresh sandbox wiki of its own, a copy of examples/smm (597 records; after the licence rules of
issue 13 about a third are uploadable), and the fault proxy of the tests (tests/faultproxy.py) in front of
the wiki, drawing for each request, with probability ``--faults``, one of the faults a real network and
server give: a connection dropped before or after the wiki handled the request, 502, 503, maxlag, a slow
answer, a request body cut half-way, a reply cut half-way, a JSON reply cut short.

The soak: ``glamupload upload`` (the real command, as a process) is started again and again and killed
with SIGKILL at a random moment (0.3-4 s after its start) until ``--kills`` kills happened; then it runs to
the end (still through the faults). Verified, against the wiki directly (not through the proxy): every
uploadable file is there, with the local file's SHA-1 and the planned page text, one upload log entry and
one revision each, no other file on the wiki, and the state says uploaded for each of them.

Usage: .venv/bin/python benchmarks/soak.py [--faults 0.2] [--kills 30] [--seed S] [--records N]
       [--workdir DIR] [--json FILE]
Default: the real SMM example, 20% faults, 30 kills (about 3 minutes on 2 shared cores, half of it
the sandbox's start and the checks).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import _common

sys.path.insert(0, str(_common.REPO / "tests"))

from faultproxy import FaultProxy  # noqa: E402  (the tests' proxy)
from upload_support import history  # noqa: E402

#: Seconds after its start a run is killed (uniform).
KILL_AFTER = (0.3, 4.0)


def _batch(workdir: Path, records: int) -> Path:
    """A copy of the SMM example (or an SMM-shaped export of ``records`` rows), outside the repository."""
    if records:
        return _common.build_smm(workdir / "smm", records)
    shutil.copytree(
        _common.SMM_BATCH.parent, workdir / "smm", ignore=shutil.ignore_patterns("*.sqlite*", "*.cache")
    )
    return workdir / "smm" / "batch.yaml"


def _start(batch: Path, api: str, state: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "glamupload",
        "upload",
        str(batch),
        "--wiki",
        api,
        "--state",
        str(state),
        "--yes",
    ]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
    )


def _statuses(state: Path) -> dict[str, int]:
    with closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)) as db:
        return dict(db.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())


def soak(
    batch: Path, wiki: dict[str, Any], workdir: Path, faults: float, kills: int, seed: str
) -> dict[str, Any]:
    """The runs and kills through the proxy; what happened."""
    rng = random.Random(seed)
    state = workdir / "soak.state.sqlite"
    env = {
        **os.environ,
        "GLAMUPLOAD_USERNAME": wiki["username"],
        "GLAMUPLOAD_PASSWORD": wiki["password"],
        "XDG_DATA_HOME": str(workdir / "home" / "data"),
        "XDG_STATE_HOME": str(workdir / "home" / "state"),
    }
    ends: Counter[str] = Counter()
    problems: list[str] = []
    started = time.monotonic()
    with FaultProxy(wiki["api"], chance=faults, seed=seed, slow_seconds=1.5) as proxy:
        killed = kills_mid_batch = in_flight = 0
        finished = False
        while killed < kills or not finished:
            proc = _start(batch, proxy.api, state, env)
            if killed < kills:
                try:
                    proc.wait(timeout=rng.uniform(*KILL_AFTER))
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGKILL)
                    killed += 1
            proc.wait()
            stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
            ends["killed" if proc.returncode == -signal.SIGKILL else f"exit {proc.returncode}"] += 1
            if proc.returncode == -signal.SIGKILL and state.exists():
                left = _statuses(state)
                kills_mid_batch += bool(left.get("pending") or left.get("uploading"))
                in_flight += left.get("uploading", 0)
            if proc.returncode not in (0, -signal.SIGKILL):
                problems.append(f"exit {proc.returncode}: {stderr.strip().splitlines()[-1:] or ''}")
            if "Traceback" in stderr:
                problems.append("a traceback: " + stderr[-2000:])
            finished = proc.returncode == 0 and killed >= kills
            if len(ends) and sum(ends.values()) > kills + 20:
                problems.append("the batch did not finish in 20 runs after the kills")
                break
        seconds = time.monotonic() - started
        applied = dict(proxy.applied)
        lost_replies = sum(
            n
            for (fault, action), n in proxy.faulted.items()
            if action == "upload" and fault in ("drop-after", "cut-reply", "truncated")
        )
        passed = proxy.passed
    return {
        "seconds": round(seconds, 1),
        "runs": sum(ends.values()),
        "ends": dict(ends),
        "kills": ends["killed"],
        "kills_with_files_left": kills_mid_batch,
        "rows_left_uploading_by_kills": in_flight,
        "faults": applied,
        "faults_total": sum(applied.values()),
        "upload_replies_damaged": lost_replies,
        "requests_passed": passed,
        "problems": problems,
        "state": str(state),
    }


def verify(batch_file: Path, state: Path, wiki: dict[str, Any]) -> dict[str, Any]:
    """What the wiki holds, asked directly: files, SHA-1s, page texts, upload log, revisions."""
    from glamupload import sources
    from glamupload.config import load_batch
    from glamupload.plan import plan_batch
    from glamupload.upload.run import batch_status
    from glamupload.wiki import Wiki

    batch = load_batch(batch_file, state=state)
    uploadable = [p for p in plan_batch(batch) if p.uploadable]
    site = Wiki.connect("sandbox", Path(wiki["dir"]))
    names = [p.filename for p in uploadable]
    infos = site.file_info(names)
    pages = site.page_revisions(f"File:{n}" for n in names)
    seen = history(site, names)
    missing = [n for n in names if infos.get(n) is None]
    wrong_sha1 = [
        p.filename
        for p in uploadable
        if infos.get(p.filename)
        and infos[p.filename]["sha1"]
        != sources.hash_file(sources.local_path(p.source, batch.image_roots)).sha1
    ]
    wrong_text = [
        p.filename for p in uploadable if (pages.get(f"File:{p.filename}") or {}).get("text") != p.wikitext
    ]
    statistics = site.call({"action": "query", "meta": "siteinfo", "siprop": "statistics"})["query"][
        "statistics"
    ]
    counts = batch_status(batch).counts
    return {
        "uploadable": len(uploadable),
        "on_the_wiki": len(names) - len(missing),
        "files_on_the_wiki_in_all": int(statistics["images"]),
        "lost": len(missing),
        "duplicates": sum(1 for n in seen.uploads.values() if n > 1),
        "upload_log_entries": sum(seen.uploads.values()),
        "extra_revisions": sum(n - 1 for n in seen.revisions.values() if n > 1),
        "sha1_mismatches": len(wrong_sha1),
        "page_text_mismatches": len(wrong_text),
        "state": {k: v for k, v in counts.items() if v},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", type=float, default=0.2, help="share of requests that get a fault")
    parser.add_argument("--kills", type=int, default=30, help="SIGKILLs before the last run")
    parser.add_argument("--seed", default="glamupload soak", help="for the faults and the kill moments")
    parser.add_argument(
        "--records", type=int, default=0, help="an SMM-shaped export of N rows (0: the example)"
    )
    parser.add_argument("--workdir", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    machine = _common.print_machine()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="glamupload-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    batch = _batch(workdir, args.records)
    wiki = _common.start_sandbox(workdir / "wiki")
    try:
        ran = soak(batch, wiki, workdir, args.faults, args.kills, args.seed)
        checked = verify(batch, Path(ran["state"]), wiki)
    finally:
        _common.stop_sandbox(wiki)
    result = {
        "machine": machine,
        "faults_share": args.faults,
        "seed": args.seed,
        "soak": ran,
        "wiki": checked,
    }
    _print(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


def _print(result: dict[str, Any]) -> None:
    ran, checked = result["soak"], result["wiki"]
    faults = ", ".join(f"{n} {kind}" for kind, n in sorted(ran["faults"].items(), key=lambda kv: -kv[1]))
    ends = ", ".join(f"{n} {end}" for end, n in ran["ends"].items())
    print(f"runs: {ran['runs']} ({ends}) in {ran['seconds']} s")
    print(
        f"faults: {ran['faults_total']} of {ran['faults_total'] + ran['requests_passed']} requests ({faults})"
    )
    print(
        f"kills with files left to upload: {ran['kills_with_files_left']}; rows they left uploading "
        f"(reconciled by the next run): {ran['rows_left_uploading_by_kills']}"
    )
    print(
        f"upload replies lost or damaged after the wiki handled the upload: {ran['upload_replies_damaged']}"
    )
    print(
        f"wiki: {checked['on_the_wiki']} of {checked['uploadable']} uploadable files, "
        f"{checked['files_on_the_wiki_in_all']} files in all; lost {checked['lost']}, "
        f"duplicates {checked['duplicates']}, upload log entries {checked['upload_log_entries']}, "
        f"extra revisions {checked['extra_revisions']}, SHA-1 mismatches {checked['sha1_mismatches']}, "
        f"page text mismatches {checked['page_text_mismatches']}"
    )
    print(f"state: {checked['state']}")
    print("problems: " + ("; ".join(ran["problems"]) if ran["problems"] else "none"))


if __name__ == "__main__":
    main()
