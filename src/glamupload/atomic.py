"""Files written whole or not at all: through a temporary name renamed when complete, so a reader (or
the next run) never sees half a file, and a failed write (a full disk, a read-only folder, permissions)
is one :class:`~glamupload.errors.LocalFileError` naming the file."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from glamupload.errors import LocalFileError


@contextmanager
def atomic_file(path: Path, doing: str) -> Iterator[TextIO]:
    """A text file to write in the block: renamed to ``path`` when the block ends, removed when anything
    fails; ``doing`` names it for the error (``cannot write the report``)."""
    tmp = path.with_name(path.name + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise LocalFileError.from_os(exc, doing, path) from None
        raise


def write_atomically(path: Path, write: Callable[[TextIO], object], doing: str) -> None:
    """Write ``path`` whole with ``write(file)`` (see :func:`atomic_file`)."""
    with atomic_file(path, doing) as fh:
        write(fh)
