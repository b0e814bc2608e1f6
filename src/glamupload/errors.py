"""One exception hierarchy that carries the data a user needs to find the problem.

Every error a user can cause names the file, the record and the field it concerns, so the CLI can
print one clear line instead of a traceback.
"""

from __future__ import annotations

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

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(self.file + (f":{self.line}" if self.line else ""))
        if self.record:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field!r}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class ConfigError(GlamuploadError):
    """The batch config, a crosswalk or a lookup table is wrong; nothing was done."""


class InputError(GlamuploadError):
    """The metadata export cannot be read (encoding, broken XML, unsafe XML, ragged rows)."""


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
