"""glamupload as a user runs it, for the failure-table, lock, stop and start-up tests: a real process
(``python -m glamupload``) on a small batch made for the test — a CSV export of CC0 photographs with
unique file names, their images, a crosswalk and a batch file — and the disks it meets: a small tmpfs to
fill or make read-only, and another user for whom the permission bits count."""

from __future__ import annotations

import csv
import errno
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from upload_support import make_image

CROSSWALK = """\
record_id: id
template: Information
params:
  description: title
images:
  path: images/${image}
rights:
  image: rights
  facts:
    kind: kind
categories:
  fixed: [Reliability tests]
filename:
  pattern: "{title} - {id}"
  parts: {title: title, id: id}
  protected: [id]
"""


def write_batch(
    folder: Path, stem: str, count: int, *, pixels: int = 16, big: tuple[int, ...] = (), images: int = 0
) -> Path:
    """``count`` CC0 photographs R0, R1, … named ``{stem} Ri - Ri.png``; the batch file. The rows in
    ``big`` get 5 MB images (two 4 MiB chunks with ``--chunk-threshold 1``); ``images`` > 0 makes only
    that many images, which the rows share (a large export that is quick to make)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "rights", "kind", "image"])
        for i in range(count):
            image = f"R{i % images if images else i}.png"
            if i in big:
                _noise_png(folder / "images" / image, f"{stem} R{i}", 1300)
            elif not (folder / "images" / image).exists():
                make_image(folder / "images" / image, f"{stem} R{i}", pixels)
            writer.writerow([f"R{i}", f"{stem} R{i}", "CC0 1.0", "photo", image])
    (folder / "crosswalk.yaml").write_text(CROSSWALK, encoding="utf-8")
    batch = folder / "batch.yaml"
    batch.write_text("export: {path: export.csv, format: csv}\ncrosswalk: crosswalk.yaml\n", encoding="utf-8")
    return batch


def _noise_png(path: Path, seed: str, pixels: int) -> None:
    """A large PNG of noise (it does not compress: ``pixels``² × 3 bytes), made quickly."""
    noise = random.Random(seed).randbytes(pixels * pixels * 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.frombytes("RGB", (pixels, pixels), noise).save(path, "PNG", compress_level=0)


def uploader_env(sandbox_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process that logs in as the sandbox's uploader with ``--wiki URL`` (through
    the fault proxy, where the sandbox folder's credentials do not apply)."""
    account = json.loads((sandbox_dir / "credentials.json").read_text())["uploader"]
    return {
        **os.environ,
        "GLAMUPLOAD_USERNAME": account["username"],
        "GLAMUPLOAD_PASSWORD": account["password"],
        **extra,
    }


@dataclass
class Finished:
    """How a glamupload process ended."""

    status: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        """The lines that say what went wrong (``Error: …``)."""
        return [line for line in self.stderr.splitlines() if line.startswith("Error: ")]

    def json(self) -> object:
        return json.loads(self.stdout)


#: ``python -m glamupload`` with Ctrl-C as at a terminal: a process started in the background of a
#: non-interactive shell (a CI script's ``&``) inherits SIGINT *ignored*, and Python then installs no
#: handler; the stop tests must see what a person at a terminal sees.
_MAIN = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('glamupload', run_name='__main__', alter_sys=True)"
)


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-c", _MAIN, *map(str, args)]


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    """The command's environment: crash reports go beside the test session's data folder, never into
    the developer's own ``~/.local/state``."""
    env = dict(env or os.environ)
    if "XDG_STATE_HOME" not in env and "XDG_DATA_HOME" in env:
        env["XDG_STATE_HOME"] = str(Path(env["XDG_DATA_HOME"]).parent / "state")
    return env


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 300, user_home: Path | None = None
) -> Finished:
    """Run one command to its end (``user_home``: as another user, :func:`as_other_user`, living there)."""
    argv = command(*args)
    if user_home is not None:
        argv = as_other_user(argv, user_home)
        home = {"HOME": str(user_home), "XDG_DATA_HOME": str(user_home), "XDG_STATE_HOME": str(user_home)}
        env = {**(env or os.environ), **home}
    done = subprocess.run(
        argv, env=_environment(env), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return Finished(done.returncode, done.stdout, done.stderr)


class Running:
    """A command started in the background; ``lines`` are its stderr lines so far."""

    def __init__(self, argv: list[str], env: dict[str, str] | None) -> None:
        self.proc = subprocess.Popen(
            argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def finish(self, timeout: float = 120) -> Finished:
        """Wait for the end; how it ended."""
        self.proc.wait(timeout=timeout)  # (stdout holds at most a JSON summary: it never fills the pipe)
        assert self.proc.stdout is not None
        stdout = self.proc.stdout.read()
        self._reader.join(timeout=10)
        return Finished(self.proc.returncode, stdout, "\n".join(self.lines))

    def interrupt(self, timeout: float = 30) -> tuple[Finished, float]:
        """Ctrl-C (SIGINT); how it ended and the seconds it took to end."""
        start = time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=timeout)
        took = time.monotonic() - start
        return self.finish(), took

    def kill(self) -> None:
        self.proc.kill()
        self.finish()


def start_cli(*args: str | Path, env: dict[str, str] | None = None) -> Running:
    """Start one command in the background."""
    return Running(command(*args), _environment(env))


def statuses(state: Path) -> dict[str, int]:
    """Rows per status, read without disturbing a writer."""
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5) as db:
        return dict(db.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())


def wait_for(condition: object, timeout: float = 120, what: str = "the condition") -> None:
    """Poll ``condition()`` until it holds (an AssertionError after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return
        except sqlite3.Error:
            pass  # the state is not there yet
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def small_disk(where: Path, size_kib: int = 512) -> Iterator[Path]:
    """A tmpfs of ``size_kib`` mounted at ``where`` (so a test can fill it, or make it read-only).

    Mounting needs root (CI here runs as root): elsewhere the test is skipped with the reason printed,
    but never under CI, where a skip would hide the disk-full and read-only cases."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): needs root"
        if os.environ.get("CI"):
            raise AssertionError(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Fill the disk to the last byte (the file that does it, to delete for space again)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as fh:
        for block in (65536, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * block)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    return filler


def read_only(disk: Path) -> None:
    """Remount the tmpfs read-only (what a full or failing disk becomes, or a write-protected share)."""
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)


#: Root's capabilities that let it ignore permission bits; without them root meets them as any owner does.
_DAC = "-dac_override,-dac_read_search"


def as_other_user(args: list[str], home: Path) -> list[str]:
    """The command run so that the permission bits apply to it: as root without the capabilities that
    ignore them (not as another user: the clone, its .venv included, may be in a folder only its owner
    can enter, as `mktemp -d` makes), otherwise as is; the test then removes the owner's own rights."""
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o777)
    if os.geteuid() != 0:
        return args
    return ["setpriv", f"--inh-caps={_DAC}", f"--bounding-set={_DAC}", *args]
