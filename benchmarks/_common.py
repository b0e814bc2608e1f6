"""Shared helpers for the benchmarks: the machine, measuring in a fresh process, synthetic exports.

Every figure is measured in a child process so its peak memory (ru_maxrss) belongs to that step alone
and no import or cache from an earlier step helps it.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
SMM_BATCH = REPO / "examples" / "smm" / "batch.yaml"
KENOM_BATCH = REPO / "examples" / "kenom" / "batch.yaml"
SMM_CSV = REPO / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"
SMM_IMAGES = REPO / "examples" / "smm" / "images"
KENOM_LIDO = REPO / "examples" / "kenom" / "kenom_oai_chunk20.xml"

# -- the machine -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on: they mean little without it."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
    try:
        info["cpu"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["cpu"] = platform.processor() or "unknown"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        info["ram_gib"] = round(kib / 2**20, 1)
    except (OSError, AttributeError):
        info["ram_gib"] = None
    try:
        info["commit"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = "unknown"
    return info


def print_machine() -> dict[str, Any]:
    info = machine()
    print(
        f"machine: {info['cores']} cores, {info['ram_gib']} GiB RAM, {info['cpu']}, Python {info['python']}, "
        f"{info['platform']}, glamupload {info['commit']}"
    )
    return info


# -- measuring in a child process ----------------------------------------------------------------------

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {benchmarks!r})
import importlib
module = importlib.import_module(sys.argv[1])
args = json.loads(sys.stdin.read())
for name in json.loads(sys.argv[3]):
    importlib.import_module(name)
def cpu():  # this process and its finished children (worker processes of a parallel dry run)
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)
start, cpu_start = time.perf_counter(), cpu()
result = getattr(module, sys.argv[2])(*args)
elapsed, cpu_seconds = time.perf_counter() - start, cpu() - cpu_start
child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest worker's
try:  # this process's own high-water mark (ru_maxrss would include the parent's, inherited at fork)
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print("\\n" + json.dumps({{"result": result, "seconds": elapsed, "cpu_seconds": cpu_seconds,
                          "peak_rss": peak, "child_peak_rss": child_peak}}))
"""


def in_child(
    module: str, function: str, *args: Any, preload: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``module.function(*args)`` (a module in benchmarks/) in a fresh Python; return its JSON result,
    the seconds the call took (wall clock and this process's CPU time: on a shared machine the CPU time
    is the steadier figure) and the process's peak resident memory in bytes. The ``preload`` modules are
    imported before the clock starts, so import time is not counted."""
    code = _CHILD.format(benchmarks=str(BENCHMARKS))
    done = subprocess.run(
        [sys.executable, "-c", code, module, function, json.dumps(preload)],
        input=json.dumps(args),
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module}.{function} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(size: float) -> str:
    return f"{size / 2**20:,.0f} MiB"


# -- synthetic exports -----------------------------------------------------------------------------------


def write_batch(example: Path, folder: Path, export: Path, extra: dict[str, Any] | None = None) -> Path:
    """A copy of an example batch file pointing at a synthetic export (the shipped crosswalk is kept)."""
    data = yaml.safe_load(example.read_text(encoding="utf-8"))
    data["export"]["path"] = str(export)
    data["name"] = f"{data.get('name', example.stem)}-synthetic"
    data.update(extra or {})
    path = folder / "batch.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


#: The SMM columns of free text (description, motif, depicted names) that ``vary`` makes distinct.
SMM_FREE_TEXT = (15, 21, 23)


def build_smm(folder: Path, records: int, extra: dict[str, Any] | None = None, vary: bool = False) -> Path:
    """An SMM-shaped CSV export of ``records`` rows, cycling through the 597 real rows.

    Each copy gets a new ``Identifikationsnr`` (``<original>-<copy>``, so file names stay unique) and a
    new ``Dimukode`` (``<copy>-<original>``); the image the crosswalk names, ``images/<Dimukode>.jpg``,
    is a hard link to the real placeholder of the original row, so every record has a real image file
    to sniff (as in a real batch), with no disk space spent. With ``vary``, the free-text columns
    (``SMM_FREE_TEXT``) of every copy end in `` (<copy>)``, so their values are distinct as in a real
    export (the repeated rows would otherwise flatter every per-distinct-value memo). Returns the batch
    file (``extra`` keys are added to it).
    """
    folder.mkdir(parents=True, exist_ok=True)
    images = folder / "images"
    images.mkdir(exist_ok=True)
    raw = SMM_CSV.read_bytes().decode("utf-8")
    header, *rows = [line for line in raw.split("\r\n") if line]
    cells = [row.split("|") for row in rows]
    export = folder / "export.csv"
    with export.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header + "\r\n")
        for n in range(records):
            copy, original = divmod(n, len(cells))
            row = list(cells[original])
            row[0] = f"{row[0]}-{copy}"
            if vary:
                for column in SMM_FREE_TEXT:
                    row[column] = f"{row[column]} ({copy})" if row[column].strip() else row[column]
            dimukode = f"{copy}-{row[-1]}"
            placeholder = SMM_IMAGES / f"{row[-1]}.jpg"
            row[-1] = dimukode
            fh.write("|".join(row) + "\r\n")
            if placeholder.is_file():
                link = images / f"{dimukode}.jpg"
                if not link.exists():
                    os.link(placeholder, link)
    return write_batch(SMM_BATCH, folder, export, {"images": {"root": "."}, **(extra or {})})


def build_kenom(folder: Path, records: int) -> Path:
    """A KENOM-shaped LIDO export of ``records`` records, cycling through the 20 real ones, each copy
    with a new ``lidoRecID`` (``<original>-<copy>``). Returns the batch file."""
    folder.mkdir(parents=True, exist_ok=True)
    text = KENOM_LIDO.read_text(encoding="utf-8")
    head = text[: text.index("<lido:lido>")]
    tail = text[text.rindex("</lido:lido>") + len("</lido:lido>") :]
    originals = re.findall(r"<lido:lido>.*?</lido:lido>", text, re.DOTALL)
    record_id = re.compile(r"(<lido:lidoRecID[^>]*>)([^<]*)(</lido:lidoRecID>)")
    export = folder / "export.xml"
    with export.open("w", encoding="utf-8") as fh:
        fh.write(head)
        for n in range(records):
            copy, original = divmod(n, len(originals))
            fh.write(record_id.sub(rf"\g<1>\g<2>-{copy}\g<3>", originals[original], count=1))
            fh.write("\n")
        fh.write(tail)
    return write_batch(KENOM_BATCH, folder, export)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# -- the sandbox wiki and counting its requests ---------------------------------------------------------


def start_sandbox(folder: Path) -> dict[str, Any]:
    """A fresh sandbox wiki in ``folder`` on a free port: ``{dir, api, username, password}``."""
    from glamupload import sandbox
    from glamupload.errors import SandboxError

    for attempt in range(3):
        try:
            info = sandbox.start(folder, sandbox.free_port())
            break
        except SandboxError:
            # the install fails now and then (a random password starting with "-" is read by
            # createAndPromote.php as an option); start() removed the half-made wiki, so try again
            if attempt == 2:
                raise
    return {"dir": info.dir, "api": info.api, "username": info.username, "password": info.password}


def stop_sandbox(wiki: dict[str, Any]) -> None:
    from glamupload import sandbox

    sandbox.stop(Path(wiki["dir"]))


def wiki_requests(wiki: dict[str, Any]) -> int:
    """API requests the sandbox has answered so far, counted at the wiki (its PHP server's access log)."""
    with open(Path(wiki["dir"]) / "server.log", "rb") as fh:
        return sum(1 for line in fh if b" /api.php" in line and b"]: " in line)


_MULTIPART_FIELD = re.compile(rb'name="(action|prop|list|meta|stash|filekey|checkstatus)"\r\n\r\n([^\r]*)')


def describe_request(body: bytes | str | None) -> str:
    """``upload``, ``upload (chunk)``, ``query meta=tokens`` ...: what one API request asked for."""
    from urllib.parse import parse_qs

    if body is None:
        return "GET"
    raw = body.encode() if isinstance(body, str) else body
    if raw.startswith(b"--"):
        fields = {k.decode(): v.decode() for k, v in _MULTIPART_FIELD.findall(raw[:8192])}
    else:
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    action = fields.get("action", "?")
    if action == "query":
        parts = [f"{key}={fields[key]}" for key in ("meta", "prop", "list") if key in fields]
        return " ".join(["query", *parts])
    if action == "upload":
        if "checkstatus" in fields:
            return "upload (stash status)"
        if "stash" in fields:
            return "upload (chunk)"
        return "upload (publish stash)" if "filekey" in fields else "upload"
    return action


class RequestLog:
    """Every API request a requests.Session sends, in order, as (seconds since start, description)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.entries: list[tuple[float, str]] = []
        self.on_request: Callable[[str], None] | None = None

    def attach(self, session: Any) -> None:
        session.hooks.setdefault("response", []).append(self._hook)

    def _hook(self, response: Any, *args: Any, **kwargs: Any) -> None:
        what = describe_request(response.request.body)
        self.entries.append((time.perf_counter() - self.start, what))
        if self.on_request is not None:
            self.on_request(what)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for _, what in self.entries:
            found[what] = found.get(what, 0) + 1
        return dict(sorted(found.items(), key=lambda item: -item[1]))


# -- files to upload -------------------------------------------------------------------------------------


def stamp_jpeg(source: Path, target: Path, tag: str) -> Path:
    """A copy of a JPEG made unique by a comment segment right after SOI (still a valid JPEG), so the
    same image can be uploaded twice to one wiki without being a duplicate."""
    data = source.read_bytes()
    comment = tag.encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    target.write_bytes(data[:2] + segment + data[2:])
    return target


def smm_uploadable(count: int) -> list[dict[str, Any]]:
    """The first ``count`` uploadable planned files of the SMM example (its records.jsonl lines)."""
    import json as json_

    from glamupload.config import load_batch
    from glamupload.plan import plan_batch

    found = []
    for planned in plan_batch(load_batch(SMM_BATCH)):
        if planned.uploadable:
            found.append(json_.loads(planned.to_json()))
            if len(found) == count:
                return found
    raise ValueError(f"the SMM example has only {len(found)} uploadable files")


WARM_UP = 10  #: uploads before measuring: a fresh sandbox's first requests are several times slower


def warm_up(wiki: dict[str, Any], folder: Path, planned: list[dict[str, Any]]) -> None:
    """Upload a few throwaway copies (mwclient, in this process, not measured) to warm a fresh wiki up."""
    from urllib.parse import urlsplit

    import mwclient

    parts = urlsplit(wiki["api"])
    site = mwclient.Site(parts.netloc, path=parts.path[: -len("api.php")], scheme=parts.scheme)
    site.login(wiki["username"], wiki["password"])
    token = site.get_token("csrf")
    (folder / "warm-up").mkdir(exist_ok=True)
    for number in range(WARM_UP):
        item = planned[number % len(planned)]
        path = stamp_jpeg(Path(item["source"]), folder / "warm-up" / f"{number}.jpg", f"warm-up {number}")
        data = {
            "action": "upload",
            "format": "json",
            "filename": f"Warm-up {number} {item['filename']}",
            "text": item["wikitext"],
            "comment": "warm-up",
            "token": token,
        }
        site.raw_call("api", data, {"file": (path.name, path.read_bytes())})
