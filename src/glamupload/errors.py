"""One exception hierarchy that carries the data a user needs to find the problem.

Every error a user can cause names the file, the record and the field it concerns, so the CLI can
print one clear line instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class GlamuploadError(Exception):
    """Base class: a problem glamupload explains to the user (never shown as a traceback)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
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


class SandboxError(GlamuploadError):
    """The local sandbox wiki cannot be created, started or reached."""


class WikiError(GlamuploadError):
    """The wiki answered with an API error; ``code`` and ``info`` are the wiki's own."""

    def __init__(self, code: str, info: str, **kwargs: object) -> None:
        super().__init__(f"{code}: {info}", **kwargs)  # type: ignore[arg-type]
        self.code = code
        self.info = info


class AuthError(WikiError):
    """Login failed or credentials are missing."""
