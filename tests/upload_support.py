"""Helpers for the upload tests: unique images, planned files, a state to upload, what the wiki holds.

Run as a script it is the upload subprocess of the crash tests:
``python upload_support.py STATE SANDBOX_DIR ROOT OPTIONS_JSON [API_URL]``.
"""

from __future__ import annotations

import io
import json
import random
import signal
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from glamupload import licenses
from glamupload.accounts import resolve_credentials
from glamupload.config import BatchConfig
from glamupload.planned import PlannedFile
from glamupload.problems import Problem
from glamupload.state import BatchState, BatchStatus
from glamupload.upload.options import UploadOptions
from glamupload.upload.pipeline import Uploader
from glamupload.upload.run import UploadRun
from glamupload.wiki import Target, Wiki, pages_by_title, resolve_target


def make_image(path: Path, seed: int | str, pixels: int = 48) -> Path:
    """A PNG of random noise: its content (SHA-1) is unique per seed, its size grows with ``pixels``²."""
    rng = random.Random(str(seed))
    noise = bytes(rng.getrandbits(8) for _ in range(pixels * pixels * 3))
    image = Image.frombytes("RGB", (pixels, pixels), noise)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


#: Rights statements the real licence engine judges accept, reject and review.
RIGHTS = {
    "accept": "http://creativecommons.org/publicdomain/zero/1.0/",
    "reject": "http://creativecommons.org/licenses/by-nc/4.0/",
    "review": "CC-BY",
}


def planned(
    record_id: str,
    filename: str,
    source: str | Path,
    *,
    verdict: str = "accept",
    errors: tuple[Problem, ...] = (),
) -> PlannedFile:
    """A planned file for the upload tests: its verdict comes from the real licence engine, its page
    is a short test page (the uploader does not look inside it)."""
    judged = licenses.judge_value(RIGHTS[verdict], licenses.Facts(kind="photo"))  # a photo is its own work
    assert judged.verdict == verdict, judged
    return PlannedFile(
        index=0,
        record_id=record_id,
        filename=filename,
        wikitext=f"== Summary ==\nRecord {record_id} of an upload test.\n{judged.wikitext}\n"
        "[[Category:Upload tests]]",
        categories=("Upload tests",),
        license=judged,
        source=str(source),
        template="Information",
        params={},
        errors=errors,
    )


def numbered(
    folder: Path, stem: str, count: int, *, pixels: int = 16, prefix: str = "R"
) -> list[PlannedFile]:
    """``count`` planned files ``{stem} {i}.png`` with distinct images in ``folder`` (records R0, R1, …)."""
    return [
        planned(
            f"{prefix}{i}",
            f"{stem} {i}.png",
            make_image(folder / f"{prefix}{i}.png", f"{stem}{prefix}{i}", pixels),
        )
        for i in range(count)
    ]


def store(path: Path, files: list[PlannedFile]) -> BatchState:
    db = BatchState(path)
    db.store_plan(files, {"test": "1"})
    return db


def upload_batch(batch: BatchConfig, wiki: Wiki, *, replan: bool = False, **options: Any) -> BatchStatus:
    """A whole batch's upload run through the library, as the CLI makes it."""
    with UploadRun(batch, wiki) as upload_run:
        return upload_run.upload(UploadOptions(**options), replan=replan)


def run(db: BatchState, wiki: Wiki, root: Path, **options: Any) -> BatchStatus:
    return Uploader(db, wiki, batch_name="test", image_roots=[root], options=UploadOptions(**options)).run()


@dataclass
class History:
    """What the wiki did for some titles: upload log entries and page revisions."""

    uploads: Counter[str]
    revisions: Counter[str]


def history(wiki: Wiki, titles: list[str]) -> History:
    """Upload log entries and page revisions per title: the upload log and every revision in the File
    namespace by anyone (usercontribs needs a user, so the revisions come from the recent changes of
    all kinds plus the uploads' own revisions, which MediaWiki lists under the page, not in RC)."""
    wanted = {t if t.startswith("File:") else f"File:{t}" for t in titles}
    uploads: Counter[str] = Counter()
    revisions: Counter[str] = Counter()
    log = {"list": "logevents", "letype": "upload", "leprop": "title|type", "lelimit": "max"}
    for entry in _all(wiki, log, "logevents"):
        if entry["title"] in wanted:
            uploads[entry["title"]] += 1
    for group in _groups(sorted(wanted)):
        reply = wiki.call({"action": "query", "prop": "info", "titles": "|".join(group), "continue": ""})
        for page in pages_by_title(reply["query"]).values():
            if "missing" in page:
                continue
            listed = wiki.call(
                {
                    "action": "query",
                    "prop": "revisions",
                    "titles": page["title"],
                    "rvprop": "ids",
                    "rvlimit": "max",
                    "continue": "",
                }
            )
            revisions[page["title"]] = len(pages_by_title(listed["query"])[page["title"]]["revisions"])
    return History(uploads, revisions)


def _groups(items: list[str], size: int = 50) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _all(wiki: Wiki, params: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every item of a list query, following continuation."""
    params = {"action": "query", "continue": "", **params}
    items: list[dict[str, Any]] = []
    while True:
        reply = wiki.call(params)
        items.extend(reply["query"][key])
        if "continue" not in reply:
            return items
        params.update(reply["continue"])


def connect(sandbox_dir: Path, api: str | None = None) -> Wiki:
    """The sandbox uploader, optionally through another address (the fault proxy)."""
    target = resolve_target("sandbox", sandbox_dir)
    if api is not None:
        target = Target("sandbox", api, target.sandbox_dir)
    return Wiki(target, resolve_credentials(target))


def main(argv: list[str]) -> None:
    # The tests send SIGINT as Ctrl-C does. A shell starts background jobs with SIGINT ignored, and
    # Python then leaves it ignored (so would this child, inheriting it): `./test &` would fail them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    state_path, sandbox_dir, root, options = Path(argv[0]), Path(argv[1]), Path(argv[2]), json.loads(argv[3])
    wiki = connect(sandbox_dir, argv[4] if len(argv) > 4 else None)
    with BatchState(state_path) as db:
        summary = run(db, wiki, root, **options)
    print(json.dumps(summary.counts))
    sys.exit(int(summary.exit_status))


if __name__ == "__main__":
    main(sys.argv[1:])


def create_abuse_filter(sandbox_dir: Path, rules: str, description: str) -> int:
    """Create an enabled AbuseFilter that disallows what ``rules`` match, as the sandbox's admin; its id.

    The API cannot create filters, so this logs in and posts Special:AbuseFilter/new like a browser."""
    import re

    import requests

    from glamupload import sandbox

    info = sandbox.status(sandbox_dir)
    assert info is not None and info.running, f"no running sandbox in {sandbox_dir}"
    username, password = sandbox.credentials(sandbox_dir, "admin")
    session = requests.Session()
    token = session.get(
        info.api, params={"action": "query", "meta": "tokens", "type": "login", "format": "json"}, timeout=60
    ).json()["query"]["tokens"]["logintoken"]
    login = session.post(
        info.api,
        data={
            "action": "clientlogin",
            "username": username,
            "password": password,
            "logintoken": token,
            "loginreturnurl": info.url,
            "format": "json",
        },
        timeout=60,
    ).json()
    assert login["clientlogin"]["status"] == "PASS", login
    form = session.get(info.url, params={"title": "Special:AbuseFilter/new"}, timeout=60).text
    edit_token = re.search(r'value="([^"]+)" name="wpEditToken"', form)
    assert edit_token is not None, "Special:AbuseFilter/new shows no edit form"
    saved = session.post(
        info.url,
        params={"title": "Special:AbuseFilter/new"},
        allow_redirects=False,
        timeout=60,
        data={
            "wpEditToken": edit_token.group(1),
            "wpFilterRules": rules,
            "wpFilterDescription": description,
            "wpFilterEnabled": "1",
            "wpFilterActionDisallow": "1",
            "wpFilterDisallowMessage": "abusefilter-disallowed",
        },
    )
    changed = re.search(r"result=success&changedfilter=(\d+)", saved.headers.get("Location", ""))
    assert changed is not None, f"the filter was not saved (HTTP {saved.status_code})"
    return int(changed.group(1))
