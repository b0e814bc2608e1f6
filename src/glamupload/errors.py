"""One exception hierarchy that carries the data a user needs to find the problem.

Every error a user can cause names the file, the record and the field it concerns, so the CLI can
print one clear line instead of a traceback.
"""

from __future__ import annotations

import errno
import os
from typing import Any

from glamupload.exitcodes import ExitStatus


class GlamuploadError(Exception):
    """Base class: a problem glamupload explains to the user (never shown as a traceback).

    ``exit_status`` is the documented exit code the CLI ends with when this error stops a command.
    """

    exit_status = ExitStatus.USAGE

    def __init__(
        self,
        message: str,
        *,
        file: str | os.PathLike[str] | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = os.fspath(file) if file is not None else None
        self.line = line
        self.record = record
        self.field = field
        self.hint = hint

    @property
    def located(self) -> str:
        """The message with where it happened (file, line, record, field), without the hint."""
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        if self.record:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field!r}")
        return (", ".join(where) + ": " if where else "") + self.message

    def __str__(self) -> str:
        return self.located + (f"\n  hint: {self.hint}" if self.hint else "")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole, whatever a subclass's constructor takes: a planning worker's error reaches the
        parent as itself (its class, so its exit status, and where it happened)."""
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(cls: type[GlamuploadError], args: tuple[Any, ...], state: dict[str, Any]) -> GlamuploadError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class ConfigError(GlamuploadError):
    """The batch config, a crosswalk or a lookup table is wrong; nothing was done."""


class InputError(GlamuploadError):
    """The metadata export cannot be read (encoding, broken XML, unsafe XML, ragged rows)."""


class LocalFileError(GlamuploadError):
    """A local file or folder cannot be read or written: disk full, read-only folder, permissions.

    Raised where glamupload writes (reports, records, batch files, the upload state), so the user reads
    which file and why, in one line, with exit status ``LOCAL_FILES``; whatever was written before stays
    consistent (files are written atomically, the state in transactions).
    """

    exit_status = ExitStatus.LOCAL_FILES

    @classmethod
    def from_os(cls, exc: OSError, doing: str, path: str | os.PathLike[str] | None = None) -> LocalFileError:
        """``cannot write the report: No space left on device`` for the file the OS names (or ``path``)."""
        reason = exc.strerror or type(exc).__name__
        return cls(f"{doing}: {reason}", file=exc.filename or path, hint=_OS_HINTS.get(exc.errno or 0))


#: What a person can do about the usual reasons a write fails.
_OS_HINTS = {
    errno.ENOSPC: "free some space on that disk, then run the same command again",
    errno.EDQUOT: "the disk quota is used up: free some space, then run the same command again",
    errno.EROFS: "the folder is on a read-only file system: choose another folder",
    errno.EACCES: "check the owner and permissions of the file and its folder",
    errno.EPERM: "check the owner and permissions of the file and its folder",
}


class StateError(LocalFileError):
    """The upload state database is damaged, was removed while in use, or cannot be written."""


class StateInUse(GlamuploadError):
    """The upload state is used by another glamupload process (or locked by another program)."""

    exit_status = ExitStatus.STATE_IN_USE


class Stopped(Exception):  # noqa: N818 (not an error: the outcome of a request to stop)
    """A run was asked to stop (Ctrl-C) while it waited or talked to the wiki; nothing is half-done."""


class NotConfirmed(GlamuploadError):
    """A command needs a yes it cannot ask for (no terminal) and was not given ``--yes``; nothing was done."""


class SandboxError(GlamuploadError):
    """The local sandbox wiki cannot be created, started or reached."""

    exit_status = ExitStatus.WIKI_UNAVAILABLE


class WikiError(GlamuploadError):
    """The wiki failed a command; ``code`` and ``info`` say how (the wiki's own for an API error)."""

    exit_status = ExitStatus.WIKI_UNAVAILABLE

    def __init__(self, code: str, info: str, **kwargs: object) -> None:
        super().__init__(f"{code}: {info}", **kwargs)  # type: ignore[arg-type]
        self.code = code
        self.info = info


class AuthError(WikiError):
    """Login failed or credentials are missing."""

    exit_status = ExitStatus.AUTH


class ApiError(WikiError):
    """The wiki refused a request with an API error; ``details`` is the whole ``error`` object.

    The wiki was reached, so this is not "unavailable": a command it stops ends with
    ``WIKI_REFUSED``. Chunked uploads need the extra data (the server's ``offset`` on a
    ``stashfailed``).
    """

    exit_status = ExitStatus.WIKI_REFUSED

    def __init__(self, code: str, info: str, details: dict[str, Any]) -> None:
        super().__init__(code, info)
        self.details = details


class WikiUnavailable(WikiError):
    """A transient failure (network, 5xx, maxlag, rate limit) outlasted every retry."""


class NotMediaWiki(WikiUnavailable):
    """The URL answers, but not as a MediaWiki API does (an HTML page, another service)."""


class RateLimited(WikiError):
    """The wiki kept refusing for its rate limit longer than the run is allowed to wait."""

    exit_status = ExitStatus.WIKI_REFUSED
