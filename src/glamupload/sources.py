"""Image sources made local: a planned file's source (a path, an HTTP(S) URL or a IIIF image) as a file
on disk whose size and SHA-1 are exactly those of the bytes the uploader will send.

Remote images are downloaded once into a cache folder (written to ``.part`` and renamed, so a killed
download never passes for a complete one), with timeouts, a size limit and retries; the uploader then
treats them like local files. IIIF URLs arrive from the plan as ``…/full/max/0/default.jpg``; Image
API 2.0 servers only know ``full``, so that form is tried when ``max`` is refused.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from glamupload.errors import InputError
from glamupload.problems import ProblemCode
from glamupload.stopping import StopSignal

READ_BLOCK = 1024 * 1024
DOWNLOAD_TIMEOUT = (10.0, 60.0)  #: (connect, between bytes) seconds
DOWNLOAD_ATTEMPTS = 4
#: HTTP statuses after which a download is tried again.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IIIF_MAX = "/full/max/0/default.jpg"
IIIF_FULL = "/full/full/0/default.jpg"


@dataclass(frozen=True)
class Content:
    """The bytes to upload: where they are, how many, and their SHA-1 (hex, as the API reports it)."""

    path: Path
    size: int
    sha1: str


def is_url(source: str) -> bool:
    """Whether a planned file's source is fetched over HTTP(S) (else it is a local path): the one test.
    By its scheme alone, read as ``urlsplit`` reads it (the text before the first colon, without leading
    controls and spaces or any tab and line break), so it never raises: whether the URL can be fetched is
    ``url_problem``'s. Without a colon there is no scheme (most sources are relative paths)."""
    head, colon, _ = source.partition(":")
    if not colon:
        return False
    return head.lstrip(_CONTROLS_OR_SPACE).translate(_REMOVED_FROM_URLS).lower() in ("http", "https")


_CONTROLS_OR_SPACE = "".join(map(chr, range(0x21)))  # what urlsplit strips from a URL's start
_REMOVED_FROM_URLS = dict.fromkeys(map(ord, "\t\r\n"))  # and removes from anywhere in it


_NOT_IN_A_URL = re.compile("[\x00-\x1f\x7f-\x9f]")  # control characters


def url_problem(url: str) -> str | None:
    """Why an HTTP(S) URL from the export cannot be fetched (it does not parse, its port is no port, or
    it names no host), else None: the planner's error for the file, not a crash in the upload. A control
    character makes it no URL either (``urlsplit`` drops tabs and newlines unseen; the readers and
    ``yamlconfig`` let no lone surrogate through)."""
    if odd := _NOT_IN_A_URL.search(url):
        return f"{url!r} holds the character {odd.group()!r}, which no URL can"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it: urlsplit leaves the port unchecked)
    except ValueError as exc:
        return f"{url!r} is not a URL that can be fetched ({exc})"
    if not parts.hostname:
        return f"{url!r} names no host to fetch the image from"
    return None


def hash_file(path: Path) -> Content:
    """Size and SHA-1 of a file, read in blocks (archival TIFFs can be gigabytes)."""
    digest = hashlib.sha1()
    size = 0
    with path.open("rb") as fh:
        while block := fh.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    return Content(path, size, digest.hexdigest())


class SourceError(InputError):
    """A planned file's image cannot be used; ``code`` says why (the planner and the uploader act on it)."""

    def __init__(self, code: ProblemCode, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.code = code


def local_path(source: str, roots: Sequence[Path], *, allow_outside: bool = False) -> Path:
    """The local file a source names, checked to lie inside one of the image roots, exist and be
    readable: the one rule for the planner, the dry-run report and the uploader (``LocalFiles``).

    A relative source is looked for under each root in turn; an absolute one is taken as it is. A
    ``../`` (or a link) in an export must not make glamupload read or publish an arbitrary file of the
    machine, so the resolved path must lie inside a root unless ``allow_outside``.
    """
    return LocalFiles(roots, allow_outside=allow_outside).path(source)


class LocalFiles:
    """``local_path`` for the many sources of one run: the roots and each folder are resolved once (a
    folder's real path does not change during a run), so a file costs one ``lstat`` and one ``access``
    instead of resolving every part of its path."""

    def __init__(self, roots: Sequence[Path], *, allow_outside: bool = False) -> None:
        self.roots = list(roots)
        self.allow_outside = allow_outside
        # real paths as text, each ending in "/": a resolved path lies inside one when it starts with it
        self._real_roots = tuple(os.path.join(os.path.realpath(root), "") for root in self.roots)
        self._shown = ", ".join(map(str, self.roots))
        self._folders: dict[str, str] = {}

    def path(self, source: str) -> Path:
        """The readable file inside the roots that ``source`` names (``SourceError`` otherwise).
        Paths are handled as text (``os.path``): a batch has a million of them."""
        if not _can_name_a_file(source):
            raise SourceError(
                ProblemCode.IMAGE_PATH,
                f"{source!r} cannot name a file: it holds a NUL byte or a character no file name can hold",
            )
        path = os.path.expanduser(source)
        candidates = [path] if os.path.isabs(path) else [os.path.join(root, path) for root in self.roots]
        for candidate in candidates:
            resolved, regular = self._resolve(candidate)
            if not self.allow_outside and not (resolved + "/").startswith(self._real_roots):
                raise SourceError(
                    ProblemCode.IMAGE_OUTSIDE_ROOT,
                    f"{source!r} points outside the batch's image folders ({self._shown})",
                    hint="move the file, or set images.allow_outside_root in the batch config",
                )
            if regular:
                if not os.access(resolved, os.R_OK):
                    raise SourceError(ProblemCode.IMAGE_UNREADABLE, f"image file {resolved} is not readable")
                return Path(resolved)
        raise SourceError(ProblemCode.IMAGE_MISSING, f"image file {source!r} not found under {self._shown}")

    def _resolve(self, candidate: str) -> tuple[str, bool]:
        """``os.path.realpath(candidate)`` and whether it is a regular file, from the folder's cached
        real path."""
        folder, name = os.path.split(candidate.rstrip("/") or candidate)
        if name in ("", ".", ".."):
            resolved = os.path.realpath(candidate)
            return resolved, os.path.isfile(resolved)
        real = self._folders.get(folder)
        if real is None:
            real = os.path.realpath(folder)
            if len(self._folders) < 4096:
                self._folders[folder] = real
        joined = os.path.join(real, name)
        try:
            status = os.lstat(joined)
        except OSError:
            return joined, False
        if stat.S_ISLNK(status.st_mode):
            resolved = os.path.realpath(joined)
            return resolved, os.path.isfile(resolved)
        return joined, stat.S_ISREG(status.st_mode)


def _can_name_a_file(source: str) -> bool:
    """Whether the operating system can be asked for the file (``os.lstat`` raises on a NUL byte or on a
    lone surrogate the file system encoding cannot write)."""
    try:
        return b"\0" not in os.fsencode(source)
    except UnicodeEncodeError:
        return False


def cache_path(url: str, cache_dir: Path) -> Path:
    """Where a URL's download is cached: named by the URL's hash, keeping its extension."""
    suffix = Path(urlsplit(url).path).suffix[:8]
    return cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:32] + suffix)


def fetch(
    url: str,
    cache_dir: Path,
    *,
    session: requests.Session,
    max_bytes: int,
    attempts: int = DOWNLOAD_ATTEMPTS,
    backoff: float = 1.0,
    stop: StopSignal | None = None,
) -> Path:
    """Download a URL into the cache (reusing an earlier complete download) and return the file; a
    ``stop`` ends its pauses at once (:class:`~glamupload.errors.Stopped`)."""
    stop = stop or StopSignal()
    target = cache_path(url, cache_dir)
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    candidates = [url, url[: -len(IIIF_MAX)] + IIIF_FULL] if url.endswith(IIIF_MAX) else [url]
    problem = ""
    for attempt in range(attempts):
        for candidate in candidates:
            try:
                outcome = _download(candidate, target, session, max_bytes, stop)
            except requests.RequestException as exc:
                stop.check()
                outcome = f"retry: {type(exc).__name__}"
            if isinstance(outcome, Path):
                return outcome
            problem = outcome
            if outcome.startswith("retry"):
                break  # worth trying again after a pause
        else:
            raise InputError(f"cannot download {url}: {problem}")
        stop.sleep(backoff * 2**attempt * random.uniform(0.5, 1.0))
    raise InputError(f"cannot download {url} after {attempts} attempts: {problem}")


def _download(
    url: str, target: Path, session: requests.Session, max_bytes: int, stop: StopSignal
) -> Path | str:
    """One download attempt: the file, or why not (``retry …`` when trying again may help)."""
    with session.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
        if response.status_code in RETRY_STATUSES:
            wait = response.headers.get("Retry-After", "")
            if wait.isdigit():
                stop.sleep(min(int(wait), 300))
            return f"retry: HTTP {response.status_code}"
        if response.status_code != 200:
            return f"HTTP {response.status_code}"
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > max_bytes:
            raise InputError(f"{url} is {declared} bytes, above the limit of {max_bytes}")
        partial = target.with_name(target.name + ".part")
        size = 0
        with partial.open("wb") as fh:
            for block in response.iter_content(READ_BLOCK):
                size += len(block)
                if size > max_bytes:
                    fh.close()
                    partial.unlink()
                    raise InputError(f"{url} is larger than the limit of {max_bytes} bytes")
                fh.write(block)
        if declared and size != declared:
            partial.unlink()
            return f"retry: got {size} of {declared} bytes"
        partial.replace(target)
        return target
