"""Files written whole or not at all: through a temporary name renamed when complete, so a reader (or
the next run) never sees half a file, and a failed write (a full disk, a read-only folder) is one
:class:`~glamupload.errors.LocalFileError` naming the file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from glamupload.errors import LocalFileError


def write_atomically(path: Path, write: Callable[[TextIO], object], doing: str) -> None:
    """Write ``path`` with ``write(file)``; ``doing`` names it for the error: ``cannot write the report``."""
    tmp = path.with_name(path.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LocalFileError.from_os(exc, doing, path) from None
