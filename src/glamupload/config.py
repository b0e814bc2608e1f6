"""The batch config: one YAML file that says what to upload, how to map it and where state lives.

Every path in it is relative to the batch file, so a batch folder can be moved or shared as a
whole. Mistakes (unknown keys, wrong types, missing files) are ConfigErrors naming the file, the
line and the key, with a "did you mean".
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from glamupload.crosswalk import resolve_path
from glamupload.errors import ConfigError
from glamupload.licenses import RightsDeclarations
from glamupload.readers.folder import export_files, glob_base, is_glob
from glamupload.sdc.model import QID_PATTERN
from glamupload.yamlconfig import CategoryName, Loc, LocatedYaml, load_yaml, validate

QId = Annotated[str, StringConstraints(pattern=f"^{QID_PATTERN}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)


class ExportOptions(Strict):
    """The export file and how to read it (anything left out is detected by the reader)."""

    path: str
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None


class ImagesOptions(Strict):
    """Where local image files live; paths outside these folders are refused unless allowed."""

    root: list[str] = ["."]
    allow_outside_root: bool = False

    @field_validator("root", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Institution(Strict):
    """The contributing institution, for its Institution: page and the file pages."""

    name: str
    wikidata: QId | None = None
    native_name: str | None = None
    location: str | None = None
    website: str | None = None
    established: str | None = None
    homecat: str | None = None
    image: str | None = None


class BatchCategories(Strict):
    """Categories of the batch: every file gets ``tracking`` and ``extra``, a file with no topical
    category ``needs_categories``; ``contributed``, ``collections`` and ``parents`` describe the category
    pages ``glamupload pages`` creates."""

    tracking: CategoryName | None = None
    needs_categories: CategoryName | None = None
    extra: list[str] = []
    contributed: str | None = None
    collections: list[str] = []
    parents: dict[str, list[str]] = {}


class BatchModel(Strict):
    """The batch YAML file, as validated."""

    name: str | None = None
    export: ExportOptions
    crosswalk: str
    images: ImagesOptions = ImagesOptions()
    templates: str | None = None
    institution: Institution | None = None
    categories: BatchCategories = BatchCategories()
    lookups: dict[str, str] = {}
    overrides: str | None = None
    #: Where ``glamupload review`` records licence decisions (default BATCH.reviews.yaml beside the batch).
    reviews: str | None = None
    # declarations about this batch's rights (record_covers_images, holds_work_rights), each with its
    # reason: they win over the crosswalk's (docs/licenses.md)
    rights: RightsDeclarations = RightsDeclarations()
    state: str | None = None
    limit: Annotated[int, Field(ge=1)] | None = None


class BatchConfig:
    """A loaded batch: the validated model plus every path resolved against the batch folder."""

    def __init__(
        self, path: Path, model: BatchModel, located: LocatedYaml, state: Path | None = None
    ) -> None:
        self.path = path
        self.folder = path.parent
        self.model = model
        self.located = located
        self.export_path = self._path(model.export.path)
        try:
            self.crosswalk_path = resolve_path(model.crosswalk, self.folder)
        except ConfigError as exc:  # a shipped crosswalk name that does not exist
            raise located.error(exc.message, ("crosswalk",), hint=exc.hint) from None
        self.image_roots = [
            self._real(self._path(root), ("images", "root", i)) for i, root in enumerate(model.images.root)
        ]
        self.templates_dir = self._path(model.templates) if model.templates else None
        self.lookups = {name: self._path(p) for name, p in model.lookups.items()}
        self.overrides_path = self._path(model.overrides) if model.overrides else None
        reviews = model.reviews or f"{path.stem}.reviews.yaml"
        self.reviews_path = self._path(reviews)
        default_state = self._path(model.state) if model.state else self.folder / f"{path.stem}.state.sqlite"
        self.state_path = real_path(state) if state is not None else default_state

    def _real(self, path: Path, where: Loc) -> Path:
        try:
            return real_path(path)
        except ConfigError as exc:
            raise self.located.error(exc.message, where, hint=exc.hint) from None

    def _path(self, value: str) -> Path:
        try:
            path = Path(value).expanduser()
        except RuntimeError:  # "~scans" with no user "scans": a folder of that name beside the batch file
            path = Path(value)
        return path if path.is_absolute() else self.folder / path

    def refuse_to_overwrite(self, outputs: Iterable[Path], what: str) -> None:
        """A ConfigError, before anything is written, when one of ``outputs`` is a file the batch reads
        (its export, crosswalk, lookup tables, overrides, reviews, state or the batch file itself) or lies
        inside a folder export, whose next read would take it for a record."""
        inputs = {
            "the batch file": [self.path],
            "the export": [self.export_path] if not self.export_path.is_dir() else [],
            "the crosswalk": [self.crosswalk_path],
            "a lookup table": list(self.lookups.values()),
            "the overrides": [self.overrides_path] if self.overrides_path else [],
            "the reviews": [self.reviews_path],
            "the upload state": [self.state_path],
        }
        folder = glob_base(self.export_path) if is_glob(self.export_path) else self.export_path
        for output in outputs:
            target = real_path(output)
            for name, paths in inputs.items():
                if any(target == real_path(path) for path in paths):
                    raise ConfigError(f"{what} would overwrite {name}, {output}", hint="choose another path")
            if folder.is_dir() and target.is_relative_to(real_path(folder)):
                raise ConfigError(
                    f"{what} would write {output} inside the export folder, which reads it as a record",
                    hint="choose a path outside the export folder",
                )

    @property
    def name(self) -> str:
        """The batch's name: given, or the batch file's name without extension (a name that is not UTF-8,
        ``Sj\\xf6.yaml`` from an old archive, read as Latin-1: it goes into summaries and reports)."""
        if self.model.name:
            return self.model.name
        stem = os.fsencode(self.path.stem)
        try:
            return stem.decode("utf-8")
        except UnicodeDecodeError:
            return stem.decode("latin-1")

    @property
    def batch_id(self) -> str:
        """The id every edit of the batch carries in its summary (uploads, page edits, updates), so the
        batch can be found and reviewed as one: its name and 8 hex digits of a hash of the name and the
        institution, the same on every machine and every run, and apart from another institution's batch
        of the same name."""
        institution = self.model.institution.name if self.model.institution else ""
        digest = hashlib.sha256(f"{self.name}\n{institution}".encode()).hexdigest()[:8]
        slug = re.sub(r"[^\w.-]+", "-", self.name).strip("-") or "batch"
        return f"{slug}-{digest}"

    @property
    def reader_options(self) -> dict[str, Any]:
        """Keyword arguments for readers.open_export."""
        e = self.model.export
        return {"format": e.format, "encoding": e.encoding, "delimiter": e.delimiter, "sheet": e.sheet}

    @staticmethod
    def crosswalk_keys() -> list[str]:
        """Every name a crosswalk's ``batch:`` source may use."""
        return ["name"] + [f"institution.{key}" for key in Institution.model_fields]

    def values_for_crosswalk(self) -> dict[str, Any]:
        """What a crosswalk may read with ``batch:`` (``institution.name``, ``name``, ...)."""
        out: dict[str, Any] = {"name": self.name}
        if self.model.institution is not None:
            for key, value in self.model.institution.model_dump().items():
                if value is not None:
                    out[f"institution.{key}"] = value
        return out

    def check_files(self) -> None:
        """Fail early, naming the line, when a file the batch points at does not exist.

        The export may be a file, a folder or a glob that matches at least one file.
        """
        export = self.export_path
        if not (export.is_file() or export.is_dir() or (is_glob(export) and export_files(export))):
            what = "no file matches" if is_glob(export) else "does not exist"
            raise self.located.error(f"{export} {what}", ("export", "path"))
        if not self.crosswalk_path.is_file():
            raise self.located.error(f"{self.crosswalk_path} does not exist", ("crosswalk",))
        for name, path in self.lookups.items():
            if not path.is_file():
                raise self.located.error(f"lookup table {path} does not exist", ("lookups", name))
        if self.state_path.exists() and not self.state_path.is_file():  # it need not exist yet
            where = ("state",) if self.model.state else ()
            raise self.located.error(f"{self.state_path} is not a file to keep the upload state in", where)
        if self.templates_dir is not None and not self.templates_dir.is_dir():
            raise self.located.error(f"templates folder {self.templates_dir} does not exist", ("templates",))
        if self.overrides_path is not None and not self.overrides_path.is_file():
            raise self.located.error(f"{self.overrides_path} does not exist", ("overrides",))
        if self.reviews_path.exists() and not self.reviews_path.is_file():  # it need not exist yet
            where = ("reviews",) if self.model.reviews else ()
            raise self.located.error(f"{self.reviews_path} is not a file to keep reviews in", where)
        for i, root in enumerate(self.image_roots):
            if not root.is_dir():
                raise self.located.error(f"image folder {root} does not exist", ("images", "root", i))


def real_path(path: Path) -> Path:
    """``path`` absolute with its symbolic links resolved, as ``Path.resolve`` would; a symbolic link
    loop or a NUL character is a ConfigError naming the path (``resolve`` raised RuntimeError and
    ValueError)."""
    try:
        real = Path(os.path.realpath(path))
        os.stat(real)
    except ValueError:
        raise ConfigError(f"{str(path)!r} holds a NUL character", hint="remove it from the path") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ConfigError(f"{path} is a symbolic link loop", hint="point the link at a file") from None
    return real


def load_batch(path: str | Path, *, state: Path | None = None) -> BatchConfig:
    """Read and check a batch YAML file; paths in it are relative to its folder. ``state`` (the
    ``--state`` option) takes the place of the config's upload state database."""
    path = Path(path)
    located = load_yaml(path)
    model: BatchModel = validate(BatchModel, located)
    batch = BatchConfig(real_path(path), model, located, state)
    batch.check_files()
    return batch
