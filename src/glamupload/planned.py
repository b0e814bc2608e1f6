"""The planned file: the one contract between the planner and everything after it.

The planner (plan.py) builds planned files; the upload state stores them; the uploader, the report and
``glamupload review`` read them back as the same objects. Their JSON form is one line of
``records.jsonl`` and the state's copy of a row's plan, written and read only here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glamupload.atomic import atomic_file
from glamupload.errors import InputError, LocalFileError
from glamupload.licenses import Verdict
from glamupload.problems import Problem, ProblemCode
from glamupload.sdc.model import StructuredData

RECORDS_FILE = "records.jsonl"
_LICENSE = 5  #: the verdict's place among a planned file's keys


@dataclass(frozen=True)
class PlannedFile:
    """One file to upload (or not), with everything the report and the uploader need."""

    index: int
    record_id: str
    filename: str
    wikitext: str
    categories: tuple[str, ...]
    license: Verdict
    source: str
    template: str
    params: Mapping[str, str]
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    position: str = ""
    #: The MediaInfo entity planned for the file (the crosswalk's ``structured_data``), None without one.
    structured_data: StructuredData | None = None

    @property
    def uploadable(self) -> bool:
        """Only a file without errors and with an accepted license may ever be uploaded."""
        return not self.errors and self.license.accepted

    def has(self, code: ProblemCode) -> bool:
        """Whether any error or warning of the file is of this kind."""
        return any(p.code == code for p in (*self.errors, *self.warnings))

    def _items(self, license: Any) -> list[tuple[str, Any]]:
        return [
            ("index", self.index),
            ("record_id", self.record_id),
            ("filename", self.filename),
            ("wikitext", self.wikitext),
            ("categories", list(self.categories)),
            ("license", license),
            ("source", self.source),
            ("template", self.template),
            ("params", dict(self.params)),
            ("errors", [p.to_dict() for p in self.errors]),
            ("warnings", [p.to_dict() for p in self.warnings]),
            ("position", self.position),
            ("uploadable", self.uploadable),
            # the exact `data` of the file's wbeditentity call, only when it has any
            *(
                [("structured_data", self.structured_data.to_data())]
                if self.structured_data is not None
                else []
            ),
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of records.jsonl (and of the upload state's copy of the plan)."""
        return dict(self._items(self.license.to_dict()))

    def to_json(self) -> str:
        """One line of records.jsonl: ``to_dict`` as JSON, with the verdict's JSON made once per verdict
        (the same text ``json.dumps(self.to_dict())`` gives)."""
        items = self._items(None)
        head = json.dumps(dict(items[:_LICENSE]), ensure_ascii=False)
        tail = json.dumps(dict(items[_LICENSE + 1 :]), ensure_ascii=False)
        return f'{head[:-1]}, "license": {self.license.json}, {tail[1:]}'

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedFile:
        """A planned file back from its JSON object; a missing or mistyped key is a KeyError/TypeError
        (the caller names the file and line)."""
        return cls(
            index=int(data["index"]),
            record_id=str(data["record_id"]),
            filename=str(data["filename"]),
            wikitext=str(data["wikitext"]),
            categories=tuple(str(c) for c in data["categories"]),
            license=Verdict.from_dict(data["license"]),
            source=str(data["source"]),
            template=str(data["template"]),
            params={str(k): str(v) for k, v in data["params"].items()},
            errors=tuple(Problem.from_dict(p) for p in data["errors"]),
            warnings=tuple(Problem.from_dict(p) for p in data["warnings"]),
            position=str(data.get("position", "")),
            structured_data=(
                StructuredData.from_data(data["structured_data"]) if "structured_data" in data else None
            ),
        )

    @classmethod
    def from_json(cls, line: str) -> PlannedFile:
        return cls.from_dict(json.loads(line))


def write_records(planned: Iterable[PlannedFile], out_dir: str | Path) -> Path:
    """Write one JSON line per planned file to ``out_dir/records.jsonl``, streaming.

    The lines go to a temporary name that is renamed when the plan is complete, so a run that fails
    half-way never leaves a records.jsonl that looks whole (nor the previous run's, which would pass
    for this one's).
    """
    path = Path(out_dir) / RECORDS_FILE
    doing = "cannot write the planned files"
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise LocalFileError.from_os(exc, doing, path) from None
    with atomic_file(path, doing) as fh:
        for item in planned:
            fh.write(item.to_json() + "\n")
    return path


def read_records(path: Path) -> Iterator[PlannedFile]:
    """The planned files of a records.jsonl file, one line at a time; a broken line names its number."""
    try:
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield PlannedFile.from_json(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not a JSON line: {exc.msg}", file=path, line=number) from None
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    raise InputError(
                        f"not a planned file of this glamupload version ({type(exc).__name__}: {exc})",
                        file=path,
                        line=number,
                        hint="plan the batch again with `glamupload dry-run`",
                    ) from None
    except OSError as exc:
        raise InputError(f"cannot read the planned files: {exc.strerror}", file=path) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=path) from None
