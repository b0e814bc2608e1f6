"""From a batch to planned files: every record mapped, judged, named and rendered, none uploaded.

This is the shared front half of a dry run and an upload. It streams (one record in memory at a
time, plus the set of file names taken) and never stops on a record's problem: the problem is
written on that record (``errors`` make it not uploadable, ``warnings`` are for the curator).
"""

from __future__ import annotations

import csv
import typing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import urlsplit

from glamupload import conventions, decisions, licenses, media, sources, titles, wikitext
from glamupload.atomic import write_atomically
from glamupload.config import BatchConfig
from glamupload.crosswalk import IMAGE_PREFIX, CompiledSource, Crosswalk, load
from glamupload.errors import ConfigError, GlamuploadError
from glamupload.planned import PlannedFile
from glamupload.problems import Problem, ProblemCode
from glamupload.readers import ExportShape, open_export
from glamupload.readers.base import Record
from glamupload.readers.paths import resolve
from glamupload.sdc.build import Planner as StructuredDataPlanner
from glamupload.sdc.model import StructuredData
from glamupload.transforms import Context, as_values, iiif_full, placeholders, render
from glamupload.wikitext import Wikitext

DEFAULT_EXTENSION = "jpg"
KINDS = typing.get_args(licenses.Kind)


@dataclass
class _ImageView:
    """A record seen through one of its images: ``image.<path>`` reads the image element (any key or path
    inside it), the rest the record."""

    record: Record
    image: dict[str, Any]

    def get(self, path: str) -> Any:
        if path.startswith(IMAGE_PREFIX):
            key = path[len(IMAGE_PREFIX) :]
            return self.image[key] if key in self.image else resolve(self.image, key)
        return self.record.get(path)


def load_crosswalk(batch: BatchConfig, fields: Iterable[str] | ExportShape) -> Crosswalk:
    """The batch's crosswalk, checked against the export's shape (before any record is read)."""
    shape = fields if isinstance(fields, ExportShape) else list(fields)
    return load(
        batch.crosswalk_path, shape, lookup_overrides=batch.lookups, batch_keys=batch.crosswalk_keys()
    )


def tracking_category(batch: BatchConfig, crosswalk: Crosswalk) -> str | None:
    """The batch's hidden tracking category: the batch config's, else the crosswalk's (one rule for the
    file pages and the category pages)."""
    return batch.model.categories.tracking or crosswalk.model.categories.tracking or None


def needs_categories_category(batch: BatchConfig, crosswalk: Crosswalk) -> str:
    """The batch's backlog of files with no topical category: the batch config's, else the crosswalk's,
    else "<tracking category>: improve categories" (mappings/conventions.yaml)."""
    given = batch.model.categories.needs_categories or crosswalk.model.categories.needs_categories
    return given or conventions.load().needs_categories_category(tracking_category(batch, crosswalk))


def plan_batch(batch: BatchConfig) -> Iterator[PlannedFile]:
    """Map every record of the batch's export to planned files, streaming, in export order."""
    reader = open_export(batch.export_path, **batch.reader_options)
    crosswalk = load_crosswalk(batch, reader.shape)
    overrides = licenses.load_overrides(batch.overrides_path) if batch.overrides_path else {}
    planner = _Planner(batch, crosswalk, overrides, decisions.load(batch.reviews_path))
    for number, record in enumerate(reader):
        if batch.model.limit is not None and number >= batch.model.limit:
            break
        yield from planner.plan(record)


class _Planner:
    """Holds what lives across records: the crosswalk, overrides and the names already taken."""

    def __init__(
        self,
        batch: BatchConfig,
        crosswalk: Crosswalk,
        overrides: Mapping[str, licenses.Override],
        reviewed: decisions.Decisions = decisions.NO_DECISIONS,
    ) -> None:
        self.batch = batch
        self.crosswalk = crosswalk
        self.overrides = overrides
        self.reviewed = reviewed
        self.allocator = titles.TitleAllocator(
            crosswalk.model.filename.pattern, crosswalk.model.filename.protected
        )
        self.batch_values = batch.values_for_crosswalk()
        self.needs_categories = needs_categories_category(batch, crosswalk)
        self.index = 0
        self.first_with_id: dict[str, str] = {}  # record id → position of the first record that has it
        self.structured = StructuredDataPlanner(crosswalk, self.batch_values)

    def plan(self, record: Record) -> list[PlannedFile]:
        cw = self.crosswalk
        ctx = Context(record, "record_id", cw.tables)
        record_id = ", ".join(as_values(record.get(cw.model.record_id)))
        unnamed = not record_id and record.problem is None  # an unreadable record has one error: that
        no_id = Problem(cw.model.record_id, "empty: the record has no identifier", ProblemCode.NO_ID)
        missing_id = [no_id] if unnamed else []
        missing_id += self._duplicate_id(record_id, record)
        record_id = record_id or f"({record.position})"
        images = self._images(record, ctx)
        drafts = [
            _Draft(view, source, errors=missing_id + problems, warnings=list(ctx.warnings), number=number)
            for number, (view, source, problems) in enumerate(images, start=1)
        ]
        for draft in drafts:
            self._resolve(draft)
        for draft in drafts:  # all names first: each page links the record's other files
            draft.filename = self._filename(draft, record_id, len(drafts))
        names = [d.filename for d in drafts if d.filename]
        return [self._finish(record, record_id, d, [n for n in names if n != d.filename]) for d in drafts]

    def _duplicate_id(self, record_id: str, record: Record) -> list[Problem]:
        """An error on every record after the first with the same id (overrides, state and the report
        tell records apart by id)."""
        if not record_id:
            return []
        first = self.first_with_id.setdefault(record_id, record.position)
        if first == record.position:
            return []
        return [
            Problem(
                self.crosswalk.model.record_id,
                f"duplicate record id {record_id!r}: {first} has it too; record ids must be unique",
                ProblemCode.DUPLICATE_ID,
            )
        ]

    # -- images --------------------------------------------------------------------------------

    def _images(self, record: Record, ctx: Context) -> list[tuple[Any, str, list[Problem]]]:
        """(view, source, problems) for each image of the record; an error entry if there is none."""
        spec = self.crosswalk.model.images
        if record.problem is not None:  # the reader could not read the record: that is its one error
            return [(record, "", [Problem("record", str(record.problem), ProblemCode.RECORD)])]
        views: list[Any]
        if spec.each is not None:
            items = record.get(spec.each) or []
            items = items if isinstance(items, list) else [items]
            views = [
                _ImageView(record, {**item, "index": str(i)})
                for i, item in enumerate(items, start=1)
                if isinstance(item, Mapping)
            ]
        else:
            views = [record]
        out = []
        for view in views:
            if spec.path is not None:
                out.append(self._local_image(view, spec.path))
                continue
            image_ctx = Context(view, "images", self.crosswalk.tables, ctx.warnings)
            source_spec = self.crosswalk.image_source
            assert source_spec is not None
            urls = source_spec.values(view, image_ctx, self.batch_values)
            if spec.iiif is not None:
                urls = iiif_full(urls, image_ctx)
            for url in urls or [""]:
                problems = (
                    [] if url else [Problem("images", "the record gives no image URL", ProblemCode.NO_IMAGE)]
                )
                out.append((view, str(url), problems))
        if not out:
            out.append(
                (record, "", [Problem("images", f"no image in field {spec.each!r}", ProblemCode.NO_IMAGE)])
            )
        return out

    def _local_image(self, view: Any, pattern: str) -> tuple[Any, str, list[Problem]]:
        """Fill the path pattern (the file is found under the image roots by ``_resolve``)."""
        relative = pattern
        for name in placeholders(pattern):
            values = as_values(view.get(name))
            if not values:
                problem = f"empty, so the image path {pattern!r} cannot be built"
                return view, "", [Problem(name, problem, ProblemCode.IMAGE_PATH)]
            relative = relative.replace("${" + name + "}", values[0].strip())
        return view, relative, []

    def _resolve(self, draft: _Draft) -> None:
        """A local source becomes the file it names inside the image roots: one rule for every local
        source, a path pattern's or an export's relative link (never resolved against the current
        folder), shared with the report and the uploader (``sources.local_path``)."""
        if not draft.source or sources.is_url(draft.source):
            return
        try:
            path = sources.local_path(
                draft.source, self.batch.image_roots, allow_outside=self.batch.model.images.allow_outside_root
            )
        except sources.SourceError as exc:
            draft.errors.append(Problem("images", exc.message, exc.code))
            return
        draft.source = str(path)

    # -- names ---------------------------------------------------------------------------------

    def _filename(self, draft: _Draft, record_id: str, count: int) -> str:
        cw = self.crosswalk
        ctx = Context(draft.view, "filename", cw.tables, draft.warnings)
        values = {}
        for name, source in cw.filename_parts.items():
            ctx.field = f"filename.{name}"
            values[name] = ", ".join(str(v) for v in source.values(draft.view, ctx, self.batch_values))
        view = self._suffix(draft, count, ctx)
        ext = self._extension(draft)
        collisions = len(self.allocator.collisions)
        try:
            name = self.allocator.allocate(record_id, values, ext, view=view)
        except GlamuploadError as exc:
            draft.errors.append(Problem("filename", exc.message, ProblemCode.FILENAME))
            return ""
        descriptive = {part: values[part] for part in cw.descriptive_parts}
        says_little = conventions.check_name(descriptive)
        if says_little is not None:
            draft.warnings.append(says_little)
        if titles.is_camera_default(name):
            draft.errors.append(
                Problem(
                    "filename",
                    f"{name!r} looks like a camera's default name, which "
                    "Commons refuses; add a descriptive part to the pattern",
                    ProblemCode.CAMERA_DEFAULT,
                )
            )
        for collision in self.allocator.collisions[collisions:]:
            draft.warnings.append(
                Problem(
                    "filename",
                    f"{collision.wanted!r} is already planned for record "
                    f"{collision.first_record_id}; this file becomes "
                    f"{collision.allocated!r}",
                    ProblemCode.COLLISION,
                )
            )
        return name

    def _suffix(self, draft: _Draft, count: int, ctx: Context) -> str:
        source = self.crosswalk.image_suffix
        if source is not None:
            ctx.field = "images.suffix"
            return ", ".join(str(v) for v in source.values(draft.view, ctx, self.batch_values))
        if count > 1:
            return f"image {draft.number}"
        return ""

    def _extension(self, draft: _Draft) -> str:
        """The extension from the file's real content (local files); a URL's is checked again at upload."""
        if not draft.source or draft.errors:  # no image, or it cannot be used: the name is moot
            return DEFAULT_EXTENSION
        if not sources.is_url(draft.source):
            try:
                mime = media.sniff_mime(Path(draft.source))
                extension = media.extension_for(mime)
                media.check_image(draft.source, mime)
                return extension
            except GlamuploadError as exc:
                problem = f"{draft.source}: {exc.message}"
                draft.errors.append(Problem("images", problem, ProblemCode.IMAGE_UNREADABLE))
                return DEFAULT_EXTENSION
        declared = draft.view.get("image.type") if isinstance(draft.view, _ImageView) else None
        ext = _extension_from_export(declared, draft.source)
        draft.warnings.append(
            Problem(
                "images",
                f"extension .{ext} taken from the export; the downloaded "
                "file's content type is checked before upload",
                ProblemCode.REMOTE_EXTENSION,
            )
        )
        return ext

    # -- pages ---------------------------------------------------------------------------------

    def _finish(self, record: Record, record_id: str, draft: _Draft, other_names: list[str]) -> PlannedFile:
        cw = self.crosswalk
        view = draft.view
        template, param_sources = cw.choose(view)
        ctx = Context(view, "params", cw.tables, draft.warnings)
        params: dict[str, Wikitext] = {}
        for name, source in param_sources.items():
            ctx.field = f"params.{name}"
            values = source.values(view, ctx, self.batch_values)
            if values:
                params[name] = render(values, source.spec.separator)
        if other_names and "other_versions" not in params:
            gallery = "\n".join(f"File:{n}" for n in other_names if n)
            params["other_versions"] = Wikitext(f"<gallery>\n{gallery}\n</gallery>")
        attribution = ", ".join(self._rights(view, ctx, "attribution")) or None
        verdict = self._verdict(view, record_id, ctx, attribution)
        categories = self._categories(view, ctx, draft)
        page = self._page(template, params, verdict, categories, draft)
        draft.warnings.extend(
            conventions.check_page(
                conventions.PageFacts(
                    template,
                    params,
                    language_known=[
                        name
                        for name, source in param_sources.items()
                        if cw.model.language or any(step.spec.name == "lang" for step in source.steps)
                    ],
                    record_url=self._record_url(view, ctx),
                    license_wikitext=verdict.wikitext,
                    attribution=attribution,
                )
            )
        )
        structured_data = self._structured_data(view, ctx, param_sources, verdict, draft)
        planned = PlannedFile(
            index=self.index,
            record_id=record_id,
            filename=draft.filename,
            wikitext=page,
            categories=tuple(categories),
            license=verdict,
            source=draft.source,
            template=template,
            params={k: str(v) for k, v in params.items()},
            errors=tuple(draft.errors),
            warnings=tuple(draft.warnings),
            position=record.position,
            structured_data=structured_data,
        )
        self.index += 1
        return planned

    def _structured_data(
        self,
        view: Any,
        ctx: Context,
        param_sources: Mapping[str, CompiledSource],
        verdict: licenses.Verdict,
        draft: _Draft,
    ) -> StructuredData | None:
        """The file's planned structured data (issue #18): one separate step, nothing else depends on it."""
        if self.crosswalk.structured_data is None:
            return None
        data, errors = self.structured.plan(view, ctx, param_sources, verdict)
        draft.errors.extend(errors)
        return data

    def _page(
        self,
        template: str,
        params: dict[str, Wikitext],
        verdict: licenses.Verdict,
        categories: list[str],
        draft: _Draft,
    ) -> str:
        """Render and check the page; a rejected file still gets a page, for the curator to read."""
        try:
            page = wikitext.render_file_page(
                template, params, verdict.wikitext, categories, templates_dir=self.batch.templates_dir
            )
        except GlamuploadError as exc:
            draft.errors.append(Problem("wikitext", exc.message, ProblemCode.PAGE))
            return ""
        problems = wikitext.check_page(
            page,
            template=template,
            params=params,
            categories=categories,
            license_wikitext=verdict.wikitext,
            templates_dir=self.batch.templates_dir,
        )
        # a refused licence is reported by the verdict, not again as a page without one
        draft.errors.extend(p for p in problems if verdict.accepted or p.code != ProblemCode.NO_LICENSE)
        return page

    def _rights(self, view: Any, ctx: Context, name: str) -> list[str]:
        """The values of one ``rights`` source (image, work, record, attribution) for this record."""
        source = self.crosswalk.rights.get(name)
        ctx.field = f"rights.{name}"
        return [str(v) for v in source.values(view, ctx, self.batch_values)] if source else []

    def _record_url(self, view: Any, ctx: Context) -> str | None:
        """The record's web page (the crosswalk's ``record_url``), when it gives one."""
        source = self.crosswalk.record_url
        if source is None:
            return None
        ctx.field = "record_url"
        found = [str(v).strip() for v in source.values(view, ctx, self.batch_values)]
        return next((url for url in found if sources.is_url(url)), None)

    def _verdict(self, view: Any, record_id: str, ctx: Context, attribution: str | None) -> licenses.Verdict:
        cw = self.crosswalk
        rules = cw.model.licenses
        if attribution:
            rules = rules.model_copy(update={"attribution": attribution})
        verdict = licenses.judge(
            self._rights(view, ctx, "image"),
            self._rights(view, ctx, "record"),
            self._facts(view, ctx),
            work_rights=self._rights(view, ctx, "work"),
            rules=rules,
            declarations=cw.model.rights.declarations.merged(self.batch.model.rights),
            override=self.overrides.get(record_id),
        )
        return self.reviewed.apply(record_id, verdict)  # a reviewer's decision on a "review" verdict

    def _facts(self, view: Any, ctx: Context) -> licenses.Facts:
        found: dict[str, Any] = {}
        for name, source in self.crosswalk.facts.items():
            ctx.field = f"rights.facts.{name}"
            values = source.values(view, ctx, self.batch_values)
            if not values:
                continue
            value = str(values[0]).strip()
            if name in ("death_year", "created", "published"):
                if not value.lstrip("-").isdigit():
                    ctx.warn(f"{value!r} is not a year (use the year transform)", ProblemCode.FACT)
                    continue
                found[name] = int(value)
            elif name == "kind" and value not in KINDS:
                ctx.warn(f"kind {value!r} is not one of {', '.join(KINDS)}", ProblemCode.FACT)
            else:
                found[name] = value
        return licenses.Facts(**found)

    def _categories(self, view: Any, ctx: Context, draft: _Draft) -> list[str]:
        """Provenance, fixed, per-record and the batch's extra categories, the backlog category when none
        of them but provenance is topical, the tracking and the tool category: valid titles, no repeats."""
        cw = self.crosswalk

        def from_sources(key: str, sources_: list[CompiledSource]) -> list[str]:
            names: list[str] = []
            for i, source in enumerate(sources_):
                ctx.field = f"categories.{key}.{i}"
                names.extend(str(v) for v in source.values(view, ctx, self.batch_values))
            return names

        provenance = self._valid_categories(from_sources("provenance", cw.provenance), draft)
        topical = [*cw.model.categories.fixed, *from_sources("from", cw.categories)]
        topical = self._valid_categories([*topical, *self.batch.model.categories.extra], draft)
        names = [*provenance, *topical]
        if not [name for name in topical if name not in provenance]:
            names.append(self.needs_categories)
            draft.warnings.append(
                Problem(
                    "categories",
                    "no category says what the file shows (only where it comes from), so it goes into "
                    f"the backlog of the batch, [[Category:{self.needs_categories}]]: add category rows to "
                    "the lookup tables of the crosswalk",
                    ProblemCode.NEEDS_CATEGORIES,
                )
            )
        tracking = tracking_category(self.batch, cw)
        names += [tracking] if tracking else []
        names.append(conventions.load().tool_category)
        return self._valid_categories(names, draft)

    @staticmethod
    def _valid_categories(names: list[str], draft: _Draft) -> list[str]:
        """The names as valid category titles, without repeats; an invalid one is an error of the file."""
        valid: dict[str, None] = {}
        for name in names:
            try:
                valid.setdefault(str(wikitext.category_name(name)), None)
            except GlamuploadError as exc:
                draft.errors.append(Problem("categories", exc.message, ProblemCode.CATEGORY))
        return list(valid)


@dataclass
class _Draft:
    """A planned file under construction: one image of a record and what was found wrong so far."""

    view: Any
    source: str
    errors: list[Problem]
    warnings: list[Problem]
    number: int
    filename: str = ""


def _extension_from_export(declared: str | None, url: str) -> str:
    """A provisional extension for a remote image: its declared MIME type, else the URL's own suffix."""
    if declared and "/" in declared:
        try:
            return media.extension_for(declared.strip())
        except GlamuploadError:
            pass
    suffix = PurePosixPath(urlsplit(url).path).suffix.lstrip(".").lower()
    for media_type in media.media_types():
        if suffix == media_type.extension or suffix in media_type.aliases:
            return media_type.extension
    return DEFAULT_EXTENSION


def distinct_values(batch: BatchConfig, field_name: str) -> list[tuple[str, int]]:
    """Distinct values of one export field with their counts, most frequent first (ties by value)."""
    reader = open_export(batch.export_path, **batch.reader_options)
    problem = reader.shape.problem(field_name)
    if problem is not None:
        raise ConfigError(problem.message, file=batch.export_path, hint=problem.hint)
    counts: Counter[str] = Counter()
    for record in reader:
        for value in as_values(record.get(field_name)):
            value = " ".join(value.split())
            if value:
                counts[value] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


SKELETON_COLUMNS = ("value", "count", "wikitext", "category", "wikidata")


def write_lookup_skeleton(values: Iterable[tuple[str, int]], path: str | Path) -> Path:
    """A lookup-table CSV to fill in: one row per value, result columns empty."""
    path = Path(path)

    def write(fh: TextIO) -> None:
        writer = csv.writer(fh)
        writer.writerow(SKELETON_COLUMNS)
        writer.writerows([value, count, "", "", ""] for value, count in values)

    write_atomically(path, write, "cannot write the lookup table")
    return path
