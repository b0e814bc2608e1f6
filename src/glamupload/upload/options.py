"""How an upload run works (its options) and what it tells the caller while it runs (progress events)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from glamupload import __version__
from glamupload.errors import ConfigError
from glamupload.wiki import RATE_LIMIT_WAIT, Wiki

MIB = 1024 * 1024
#: Wikimedia takes whole files up to 100 MiB; above the threshold files go through the stash.
MAX_WHOLE_UPLOAD = 100 * MIB


@dataclass
class UploadOptions:
    """How a run uploads; the defaults suit Commons."""

    limit: int | None = None  #: send at most this many files in this run (skipped ones do not count)
    only: Sequence[str] | None = None  #: only these record ids
    retry_failed: bool = False  #: failed rows become pending again first
    workers: int = 1  #: parallel uploads; more than one only on the sandbox
    chunk_threshold: int = 20 * MIB  #: files at least this large go by chunked upload
    chunk_size: int = 4 * MIB
    #: files at least this large are looked up on the wiki by SHA-1 before sending (0: every file)
    sha1_check_from: int = 0
    max_download: int = 2 * 1024 * MIB  #: refuse remote images larger than this
    prepare_ahead: int = 4  #: files hashed/downloaded ahead of the one uploading
    comment: str = "Batch upload {batch} with glamupload " + __version__
    cache_dir: Path | None = None  #: downloads (default: next to the state database)
    #: seconds the run keeps waiting on the wiki's rate limit for one request before it ends (exit 5);
    #: the waits follow what the wiki says, however long each is
    rate_limit_wait: float = RATE_LIMIT_WAIT

    def check(self, wiki: Wiki) -> None:
        if not 0 < self.chunk_threshold <= MAX_WHOLE_UPLOAD:
            raise ConfigError(f"the chunked-upload threshold must be between 1 byte and {MAX_WHOLE_UPLOAD}")
        if self.chunk_size < 1024:
            raise ConfigError("the chunk size must be at least 1024 bytes")
        if self.workers < 1:
            raise ConfigError("--workers must be at least 1")
        if self.rate_limit_wait < 0:
            raise ConfigError("--rate-limit-wait cannot be negative")
        if self.workers > 1 and wiki.target.sandbox_dir is None:
            raise ConfigError(
                "--workers above 1 is only allowed on the sandbox wiki",
                hint="Wikimedia asks for one write at a time; parallel uploads are for wikis you run",
            )


ProgressKind = Literal["start", "file", "bytes", "wait", "warning", "done"]


@dataclass(frozen=True)
class Progress:
    """One progress event for a progress bar (all counts are for this run)."""

    kind: ProgressKind  #: "file": a file finished; "wait": a pause; "warning": something to tell a person
    files_done: int
    files_total: int | None  #: None while the run is still counting its files
    bytes_done: int
    bytes_total: int
    rate: float  #: bytes per second since the run started
    eta: float | None  #: seconds, when it can be estimated
    current: str | None = None  #: the file being uploaded
    message: str | None = None  #: e.g. "waiting 12 s: maxlag"
    wait: float | None = None  #: for a "wait": its seconds, from now (a progress line counts them down)


ProgressCallback = Callable[[Progress], None]
