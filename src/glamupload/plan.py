"""From a batch to planned files: every record mapped, judged, named and rendered, none uploaded.

This is the shared front half of a dry run and an upload. It streams (one record in memory at a
time, plus the set of file names taken) and never stops on a record's problem: the problem is
written on that record (``errors`` make it not uploadable, ``warnings`` are for the curator).
"""

from __future__ import annotations

import csv
import functools
import os
import re
import typing
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, TextIO
from urllib.parse import urlsplit

from glamupload import conventions, decisions, licenses, media, sources, timelimits, titles, wikitext
from glamupload.atomic import write_atomically
from glamupload.caching import ByIdentity, Memo
from glamupload.config import BatchConfig
from glamupload.crosswalk import IMAGE_PREFIX, CompiledSource, Crosswalk, load
from glamupload.errors import ConfigError, GlamuploadError, InputError
from glamupload.planned import PlannedFile
from glamupload.preflight import LocalFile
from glamupload.problems import Problem, ProblemCode
from glamupload.readers import ExportShape, Reader, open_export
from glamupload.readers.base import Record
from glamupload.readers.paths import resolve
from glamupload.sdc.build import Planner as StructuredDataPlanner
from glamupload.sdc.model import StructuredData
from glamupload.state import BatchState
from glamupload.transforms import Context, FieldCache, FieldSource, as_values, iiif_full, placeholders
from glamupload.wikitext import Wikitext
from glamupload.yamlconfig import did_you_mean

DEFAULT_EXTENSION = "jpg"
KINDS = typing.get_args(licenses.Kind)


@dataclass
class _ImageView:
    """A record seen through one of its images: ``image.<path>`` reads the image element (any key or path
    inside it), the rest the record."""

    record: FieldSource
    image: dict[str, Any]

    def get(self, path: str) -> Any:
        if path.startswith(IMAGE_PREFIX):
            key = path[len(IMAGE_PREFIX) :]
            return self.image[key] if key in self.image else resolve(self.image, key)
        return self.record.get(path)


def load_crosswalk(batch: BatchConfig, fields: Iterable[str] | ExportShape) -> Crosswalk:
    """The batch's crosswalk, checked against the export's shape (before any record is read)."""
    shape = fields if isinstance(fields, ExportShape) else list(fields)
    crosswalk = load(
        batch.crosswalk_path, shape, lookup_overrides=batch.lookups, batch_keys=batch.crosswalk_keys()
    )
    for name in batch.lookups.keys() - crosswalk.tables.keys():  # a typo would leave the table unused
        raise batch.located.error(
            f"the crosswalk has no lookup table {name!r} to replace",
            ("lookups", name),
            hint=did_you_mean(name, crosswalk.tables),
        )
    return crosswalk


def tracking_category(batch: BatchConfig, crosswalk: Crosswalk) -> str | None:
    """The batch's hidden tracking category: the batch config's, else the crosswalk's (one rule for the
    file pages and the category pages)."""
    return batch.model.categories.tracking or crosswalk.model.categories.tracking or None


def needs_categories_category(batch: BatchConfig, crosswalk: Crosswalk) -> str:
    """The batch's backlog of files with no topical category: the batch config's, else the crosswalk's,
    else "<tracking category>: improve categories" (mappings/conventions.yaml)."""
    given = batch.model.categories.needs_categories or crosswalk.model.categories.needs_categories
    return given or conventions.load().needs_categories_category(tracking_category(batch, crosswalk))


def plan_batch(batch: BatchConfig, *, check: wikitext.PageCheck = "construction") -> Iterator[PlannedFile]:
    """Map every record of the batch's export to planned files, streaming, in export order. ``check``
    is how pages are checked (``wikitext.FilePages``). One process; ``workers.plan_parallel`` is the
    same in several, with the same result."""
    planner = Planner.open(batch, check)
    namer = planner.namer()
    assert planner.reader is not None
    for number, record in enumerate(planner.reader):
        if batch.model.limit is not None and number >= batch.model.limit:
            break
        draft = planner.draft(record)
        yield from (item for item, _ in planner.finish(draft, namer.name(draft.names())))


@dataclass
class FileDraft:
    """One file of a record as the first stage leaves it: everything but its final name.

    ``errors``/``warnings`` are the record's, the image's and the name's problems so far; ``page_*`` those
    of its page's parts (parameters, licence, categories), which come after the naming problems;
    ``structured_*`` those of its structured data, which come last (after the page's conventions).
    """

    source: str
    number: int
    errors: list[Problem]
    warnings: list[Problem]
    parts: titles.NameParts | None = None
    request: titles.NameRequest | None = None
    #: the problem the file's content gave its extension, and building its name (they come after ``errors``
    #: / ``warnings``, and not at all on a record with a duplicate id, whose name takes the default)
    extension_problem: Problem | None = None
    request_problem: Problem | None = None
    #: the name's descriptive parts say little (``conventions.check_name``): a warning once it is named
    name_warning: Problem | None = None
    local: LocalFile | None = None
    template: str = ""
    params: dict[str, Wikitext] = field(default_factory=dict)
    verdict: licenses.Verdict | None = None
    categories: list[str] = field(default_factory=list)
    page_errors: list[Problem] = field(default_factory=list)
    page_warnings: list[Problem] = field(default_factory=list)
    #: what ``conventions.check_page`` needs besides the page's parameters (checked once they are final)
    language_known: list[str] = field(default_factory=list)
    record_url: str | None = None
    attribution: str | None = None
    structured_data: StructuredData | None = None
    structured_errors: list[Problem] = field(default_factory=list)
    structured_warnings: list[Problem] = field(default_factory=list)


@dataclass
class RecordDraft:
    """A record's files after the first stage (``Planner.draft``), waiting for their names."""

    record_id: str  #: the id, or ``(position)`` when the record has none
    has_id: bool
    position: str
    files: list[FileDraft]

    def names(self) -> RecordNames:
        return RecordNames(
            self.record_id, self.has_id, self.position, [(f.parts, f.request) for f in self.files]
        )


@dataclass(frozen=True)
class RecordNames:
    """What the name allocation needs of a record: its id, where it is, each file's name parts and the
    name they give (None when the file has no name, or it cannot be built)."""

    record_id: str
    has_id: bool
    position: str
    files: list[tuple[titles.NameParts | None, titles.NameRequest | None]]


@dataclass(frozen=True)
class RecordAllocation:
    """What the allocation decided for a record: the index of its first file, a duplicate-id error, and
    each file's name (``""`` when it has none) with the problem the allocation found."""

    first_index: int
    duplicate: Problem | None
    names: list[tuple[str, Problem | None]]


class Namer:
    """The one part of planning that depends on earlier records: unique file names (``TitleAllocator``),
    duplicate record ids and file indexes, decided in export order. It works on ``RecordNames`` only,
    so worker processes plan records and one namer names them all (the result is the same)."""

    def __init__(self, crosswalk: Crosswalk, held: Iterable[tuple[str, str]] = ()) -> None:
        self.record_field = crosswalk.model.record_id
        self.allocator = titles.TitleAllocator(
            crosswalk.model.filename.pattern, crosswalk.model.filename.protected
        )
        for name, record_id in held:  # names the batch's upload state gives its files already
            self.allocator.hold(name, record_id)
        self.first_with_id = titles.DigestTable()  # record id → position of the first record with it
        self.index = 0

    def name(self, record: RecordNames) -> RecordAllocation:
        duplicate = None
        if record.has_id:
            # ids that differ only in the spaces around them ("A-1 " in a spreadsheet) name one record
            key = record.record_id.strip()
            first = self.first_with_id.claim(key, record.position)
            if first is not None and first != record.position:
                spaces = f" (as {key!r}: only the spaces around it differ)" if key != record.record_id else ""
                message = f"duplicate record id {record.record_id!r}: {first} has it too{spaces}"
                duplicate = Problem(
                    self.record_field, message + "; record ids must be unique", ProblemCode.DUPLICATE_ID
                )
        names = [self._take(record.record_id, *file, duplicate is not None) for file in record.files]
        allocation = RecordAllocation(self.index, duplicate, names)
        self.index += len(record.files)
        return allocation

    def _take(
        self,
        record_id: str,
        parts: titles.NameParts | None,
        request: titles.NameRequest | None,
        duplicate: bool,
    ) -> tuple[str, Problem | None]:
        try:
            if duplicate and parts is not None:  # not uploadable: its content is moot, as its extension
                request = self.allocator.builder.request(replace(parts, ext=DEFAULT_EXTENSION))
            if request is None:
                return "", None
            name, collision = self.allocator.take(record_id, request)
        except GlamuploadError as exc:
            return "", Problem("filename", exc.message, ProblemCode.FILENAME)
        if collision is None:
            return name, None
        message = (
            f"{collision.wanted!r} is already planned for record {collision.first_record_id}; "
            f"this file becomes {collision.allocated!r}"
        )
        return name, Problem("filename", message, ProblemCode.COLLISION)


class Planner:
    """Everything of planning that needs no other record: a record is mapped, judged and rendered in
    two steps around its names (``draft``, then ``finish``). Holds what lives across records: the
    crosswalk, overrides, the page renderer and the memo tables."""

    def __init__(
        self,
        batch: BatchConfig,
        crosswalk: Crosswalk,
        overrides: Mapping[str, licenses.Override],
        check: wikitext.PageCheck = "construction",
        reader: Reader | None = None,
        reviewed: decisions.Decisions = decisions.NO_DECISIONS,
    ) -> None:
        self.batch = batch
        self.crosswalk = crosswalk
        self.overrides = overrides
        self.reviewed = reviewed
        self.reader = reader
        if reader is not None:  # records keep their XML element only for a crosswalk's xpath:
            reader.keep_elements = crosswalk.reads_xpath
        self.pages = wikitext.FilePages(batch.templates_dir, check)
        self.declarations = crosswalk.model.rights.declarations.merged(batch.model.rights)
        self.verdicts: Memo[tuple[Any, ...], licenses.Verdict] = Memo()
        self.local_files = sources.LocalFiles(
            batch.image_roots, allow_outside=batch.model.images.allow_outside_root
        )
        self._inspected: Memo[tuple[int, ...], tuple[str, int] | GlamuploadError] = Memo()
        self.names = titles.NameBuilder(crosswalk.model.filename.pattern, crosswalk.model.filename.protected)
        self.batch_values = batch.values_for_crosswalk()
        self.tracking = tracking_category(batch, crosswalk)
        self.needs_categories = needs_categories_category(batch, crosswalk)
        self.structured = StructuredDataPlanner(crosswalk, self.batch_values)
        #: made once per parameter set (``Crosswalk.choose`` gives each variant's one dict)
        self._languages: ByIdentity[dict[str, CompiledSource], list[str]] = ByIdentity()
        self._creators: ByIdentity[dict[str, CompiledSource], list[tuple[str, str]]] = ByIdentity()

    @classmethod
    def open(cls, batch: BatchConfig, check: wikitext.PageCheck = "construction") -> Planner:
        """The batch's export opened, its crosswalk checked against it, its overrides and reviews read."""
        reader = open_export(batch.export_path, **batch.reader_options)
        crosswalk = load_crosswalk(batch, reader.shape)
        overrides = licenses.load_overrides(batch.overrides_path) if batch.overrides_path else {}
        return cls(batch, crosswalk, overrides, check, reader, decisions.load(batch.reviews_path))

    def namer(self) -> Namer:
        """The namer of one planning pass. After an upload, the names its state holds are taken: a
        replan that numbers equal titles afresh (a record withdrawn, one added) must not give a new
        record the name another record's file has on the wiki. Every planning pass does this, so the
        dry run shows the names the upload will use."""
        state = self.batch.state_path
        if not state.is_file():
            return Namer(self.crosswalk)
        with BatchState(state, read_only=True, batch_id=self.batch.batch_id) as db:
            return Namer(self.crosswalk, db.held_names())

    # -- the first stage: everything but the names ----------------------------------------------

    def draft(self, record: Record) -> RecordDraft:
        """Map one record: its images found and checked, each file's wanted name, parameters, licence
        and categories (``finish`` renders the pages once the names are known). A crosswalk pattern
        that runs out of time stops the batch: the next record would hang on it too."""
        try:
            with timelimits.Watch():  # one timer for the record's patterns, not one each
                return self._draft(record)
        except timelimits.TooSlow as slow:
            raise ConfigError(
                f"{record.position} of the export: {slow}",
                file=self.crosswalk.path,
                hint="a pattern with a repeat inside a repeat, such as (a+)+ or (a|aa)*, can take for ever "
                "on a value it does not match; write it without the nesting",
            ) from None

    def _draft(self, record: Record) -> RecordDraft:
        cw = self.crosswalk
        fields = FieldCache(record)
        ctx = Context(fields, "record_id", cw.tables)
        record_id = ", ".join(fields.key(cw.model.record_id))
        unnamed = not record_id and record.problem is None  # an unreadable record has one error: that
        no_id = Problem(cw.model.record_id, "empty: the record has no identifier", ProblemCode.NO_ID)
        missing_id = [no_id] if unnamed else []
        has_id = bool(record_id)
        record_id = record_id or f"({record.position})"
        images = self._images(record, fields, ctx)
        views = [view for view, _, _ in images]
        drafts = [
            FileDraft(source, number, errors=missing_id + problems, warnings=list(ctx.warnings))
            for number, (_, source, problems) in enumerate(images, start=1)
        ]
        for view, draft in zip(views, drafts, strict=True):
            self._resolve(draft)
            self._request(view, draft, len(drafts))
        for view, draft in zip(views, drafts, strict=True):
            self._page_parts(view, record_id, draft)
            # checked once a record (not per value: the hot path), for the paths read as the record's
            # and the image's: text in other records, an object here, so left out (``as_values``)
            objects = [*fields.objects, *(view.objects if view is not fields else ())]
            draft.warnings += [_object_left_out(path) for path in dict.fromkeys(objects)]
        return RecordDraft(record_id, has_id, record.position, drafts)

    # -- images --------------------------------------------------------------------------------

    def _images(
        self, record: Record, fields: FieldCache, ctx: Context
    ) -> list[tuple[Any, str, list[Problem]]]:
        """(view, source, problems) for each image of the record; an error entry if there is none."""
        spec = self.crosswalk.model.images
        if record.problem is not None:  # the reader could not read the record: that is its one error
            return [(fields, "", [Problem("record", str(record.problem), ProblemCode.RECORD)])]
        views: list[Any]
        if spec.each is not None:
            items = fields.get(spec.each) or []
            items = items if isinstance(items, list) else [items]
            views = [
                FieldCache(_ImageView(fields, {**item, "index": str(i)}))
                for i, item in enumerate(items, start=1)
                if isinstance(item, Mapping)
            ]
        else:
            views = [fields]
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
            for url in [str(url).strip() for url in urls] or [""]:  # a cell's stray newline is no part of it
                problems = (
                    [] if url else [Problem("images", "the record gives no image URL", ProblemCode.NO_IMAGE)]
                )
                out.append((view, url, problems))
        if not out:
            out.append(
                (fields, "", [Problem("images", f"no image in field {spec.each!r}", ProblemCode.NO_IMAGE)])
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

    def _resolve(self, draft: FileDraft) -> None:
        """A local source becomes the file it names inside the image roots: one rule for every local
        source, a path pattern's or an export's relative link (never resolved against the current
        folder), shared with the report and the uploader (``sources.local_path``)."""
        if not draft.source:
            return
        if sources.is_url(draft.source):
            problem = sources.url_problem(draft.source)
            if problem is not None:
                draft.errors.append(Problem("images", problem, ProblemCode.IMAGE_URL))
            return
        try:
            path = self.local_files.path(draft.source)
        except sources.SourceError as exc:
            draft.errors.append(Problem("images", exc.message, exc.code))
            return
        draft.source = str(path)

    # -- names ---------------------------------------------------------------------------------

    def _request(self, view: Any, draft: FileDraft, count: int) -> None:
        """The file's wanted name (``titles.NameRequest``); the ``Namer`` makes it unique."""
        cw = self.crosswalk
        ctx = Context(view, "filename", cw.tables, draft.warnings)
        values = {}
        for name, source in cw.filename_parts.items():
            ctx.field = f"filename.{name}"
            found = source.values(view, ctx, self.batch_values)
            if (markup := conventions.check_name_markup(name, found)) is not None:
                draft.warnings.append(markup)
            values[name] = ", ".join(str(v) for v in found)
        suffix = self._suffix(view, draft, count, ctx)
        draft.parts = titles.NameParts(values, self._extension(view, draft), suffix)
        try:
            draft.request = self.names.request(draft.parts)
        except GlamuploadError as exc:
            draft.request_problem = Problem("filename", exc.message, ProblemCode.FILENAME)
        draft.name_warning = conventions.check_name({part: values[part] for part in cw.descriptive_parts})

    def _suffix(self, view: Any, draft: FileDraft, count: int, ctx: Context) -> str:
        source = self.crosswalk.image_suffix
        if source is not None:
            ctx.field = "images.suffix"
            return ", ".join(str(v) for v in source.values(view, ctx, self.batch_values))
        if count > 1:
            return f"image {draft.number}"
        return ""

    def _extension(self, view: Any, draft: FileDraft) -> str:
        """The extension from the file's real content (local files); a URL's is checked again at upload."""
        if not draft.source or draft.errors:  # no image, or it cannot be used: the name is moot
            return DEFAULT_EXTENSION
        if not sources.is_url(draft.source):
            try:
                mime, size = self._inspect(draft.source)
                extension = media.extension_for(mime)
            except GlamuploadError as exc:
                problem = f"{draft.source}: {exc.message}"
                draft.extension_problem = Problem("images", problem, ProblemCode.IMAGE_UNREADABLE)
                return DEFAULT_EXTENSION
            draft.local = LocalFile(Path(draft.source), mime, size)
            return extension
        declared = view.get("image.type") if isinstance(view.source, _ImageView) else None
        ext = _extension_from_export(declared, draft.source)
        draft.extension_problem = Problem(
            "images",
            f"extension .{ext} taken from the export; the downloaded "
            "file's content type is checked before upload",
            ProblemCode.REMOTE_EXTENSION,
        )
        return ext

    def _inspect(self, source: str) -> tuple[str, int]:
        """``media.inspect_file`` (and the size) once per distinct file: the same file (by device, inode,
        size and modification time) named by many records, or hard-linked under many names, is decoded
        once."""
        try:
            status = os.stat(source)
        except OSError as exc:
            raise InputError(f"cannot read media file: {exc.strerror}", file=source) from None
        identity = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
        outcome = self._inspected.get(
            identity, lambda: _outcome(lambda: (media.inspect_file(source), status.st_size))
        )
        if isinstance(outcome, GlamuploadError):
            raise outcome
        return outcome

    # -- pages ---------------------------------------------------------------------------------

    def _page_parts(self, view: Any, record_id: str, draft: FileDraft) -> None:
        """The template, parameters, verdict and categories of the file's page (none needs its name)."""
        cw = self.crosswalk
        draft.template, param_sources = cw.choose(view)
        ctx = Context(view, "params", cw.tables, draft.page_warnings)
        for name, source in param_sources.items():
            ctx.field = f"params.{name}"
            value = source.rendered(view, ctx, self.batch_values)
            if value is not None:
                draft.params[name] = value
        draft.attribution = ", ".join(self._rights(view, ctx, "attribution")) or None
        creators = [
            (canonical, draft.params[n])
            for n, canonical in self._creator_parameters(draft.template, param_sources)
            if n in draft.params
        ]
        draft.verdict = self._verdict(view, record_id, ctx, draft.attribution, creators)
        draft.categories = self._categories(view, ctx, draft)
        draft.language_known = self._language_known(param_sources)
        draft.record_url = self._record_url(view, ctx)
        if cw.structured_data is not None:  # issue #18: one separate step, nothing else depends on it
            structured_ctx = Context(view, "params", cw.tables, draft.structured_warnings)
            draft.structured_data, draft.structured_errors = self.structured.plan(
                view, structured_ctx, param_sources, draft.verdict
            )

    def _creator_parameters(
        self, template: str, param_sources: dict[str, CompiledSource]
    ) -> list[tuple[str, str]]:
        """The parameters that name the work's or the image's creator (artist, author, photographer),
        each with its canonical name: once per parameter set."""

        def make(sources: dict[str, CompiledSource]) -> list[tuple[str, str]]:
            catalogue = wikitext.load_template_catalogue()
            spec = catalogue.template(template)
            named = [(n, spec.canonical(n) or n) for n in sources]
            return [(n, canonical) for n, canonical in named if canonical in catalogue.creator_parameters]

        return self._creators.get(param_sources, make)

    def _language_known(self, param_sources: dict[str, CompiledSource]) -> list[str]:
        """The parameters whose language is known (the crosswalk's, or a ``lang`` step): once per
        parameter set."""

        def make(sources: dict[str, CompiledSource]) -> list[str]:
            every = bool(self.crosswalk.model.language)
            return [
                n
                for n, source in sources.items()
                if every or any(s.spec.name == "lang" for s in source.steps)
            ]

        return list(self._languages.get(param_sources, make))

    def _rights(self, view: Any, ctx: Context, name: str) -> tuple[str, ...]:
        """The values of one ``rights`` source (image, work, record, attribution) for this record."""
        source = self.crosswalk.rights.get(name)
        ctx.field = f"rights.{name}"
        return tuple(str(v) for v in source.values(view, ctx, self.batch_values)) if source else ()

    def _record_url(self, view: Any, ctx: Context) -> str | None:
        """The record's web page (the crosswalk's ``record_url``), when it gives one."""
        source = self.crosswalk.record_url
        if source is None:
            return None
        ctx.field = "record_url"
        found = [str(v).strip() for v in source.values(view, ctx, self.batch_values)]
        return next((url for url in found if sources.is_url(url) and sources.url_problem(url) is None), None)

    def _verdict(
        self,
        view: Any,
        record_id: str,
        ctx: Context,
        attribution: str | None,
        creators: Sequence[tuple[str, str]] = (),
    ) -> licenses.Verdict:
        """The licence verdict: ``licenses.judge`` is pure, so it runs once per distinct statement, facts
        and attribution (a batch has few of each); an override is the record's own, and so is a
        reviewer's decision on a "review" verdict (``decisions``)."""
        cw = self.crosswalk
        image, record = self._rights(view, ctx, "image"), self._rights(view, ctx, "record")
        facts, work = self._facts(view, ctx, creators), self._rights(view, ctx, "work")
        override = self.overrides.get(record_id)

        def judge() -> licenses.Verdict:
            rules = cw.model.licenses
            if attribution:
                rules = rules.model_copy(update={"attribution": attribution})
            return licenses.judge(
                image,
                record,
                facts,
                work_rights=work,
                rules=rules,
                declarations=self.declarations,
                override=override,
            )

        verdict = (
            judge()
            if override is not None
            else self.verdicts.get((image, record, facts, work, attribution), judge)
        )
        return self.reviewed.apply(record_id, verdict)

    def _facts(self, view: Any, ctx: Context, creators: Sequence[tuple[str, str]] = ()) -> licenses.Facts:
        """The record's facts. A work's term runs from its last surviving creator's death, so with several
        creators the death year is the latest of theirs, and unknown when any one of them has none (a
        name a lookup table has no year for): never the first creator's alone."""
        death = self.crosswalk.facts.get("death_year")
        # sought for this record: a `when` that leaves it out reads no death, as no death_year fact would
        found: dict[str, Any] = {"death_year_sought": death is not None and death.branch(view) is not None}
        for name, source in self.crosswalk.facts.items():
            ctx.field = f"rights.facts.{name}"
            values = source.values(view, ctx, self.batch_values)
            if not values:
                continue
            value = str(values[0]).strip()
            if name == "death_year":
                years = [str(v).strip() for v in values]
                if _fewer_than_elements(source, view, len(years)):
                    continue  # a creator of the list without a death (null, missing, "unknown"): unknown
                if unknown := [y for y in years if not _is_year(y)]:
                    # a name the table has no year for is a death not known, which the verdict says;
                    # digits that are no year are a mistake of the export or the chain
                    if any(c.isdigit() for c in unknown[0]):
                        ctx.warn(f"{unknown[0]!r} is not a year (use the year transform)", ProblemCode.FACT)
                    continue
                found[name] = max(int(y) for y in years)
            elif name in ("created", "published"):
                years = list(dict.fromkeys(str(v).strip() for v in values))
                if wrong := [y for y in years if not _is_year(y)]:
                    ctx.warn(f"{wrong[0]!r} is not a year (use the year transform)", ProblemCode.FACT)
                    continue
                if len(years) > 1:  # the latest protects longest: never the first one's alone
                    ctx.warn(
                        f"the {name} years disagree ({', '.join(years)}): the latest counts", ProblemCode.FACT
                    )
                found[name] = max(int(y) for y in years)
            elif name == "kind" and value not in KINDS:
                ctx.warn(f"kind {value!r} is not one of {', '.join(KINDS)}", ProblemCode.FACT)
            elif name == "kind" and len(kinds := list(dict.fromkeys(str(v).strip() for v in values))) > 1:
                # "Gemälde" and "Fotografie": a photograph of a painting, not a photograph that is the work
                ctx.warn(f"the kinds disagree ({', '.join(kinds)}): the kind is left open", ProblemCode.FACT)
            elif name == "country":
                countries = list(dict.fromkeys(str(v).strip() for v in values))
                if wrong := [c for c in countries if not licenses.is_country_code(c)]:
                    # "SWE", "Sverige": read as a country it would have had the default term, silently
                    ctx.warn(
                        f"country {wrong[0]!r} is not a two-letter ISO 3166 code (SE, DE…)", ProblemCode.FACT
                    )
                    countries = [c for c in countries if c not in wrong]
                    found["country_unreadable"] = not countries
                if countries:
                    # the longest term of them: the verdict may then wait for a person, never come too early
                    found[name] = max(countries, key=licenses.load_table().public_domain.pma)
                if len(countries) > 1:
                    listed = ", ".join(countries)
                    ctx.warn(
                        f"the countries disagree ({listed}): {found[name]}'s term counts, the longest",
                        ProblemCode.FACT,
                    )
            else:
                found[name] = value
        # the work's creators: the photographer made the work only when the photograph is the work
        work_creators = [
            text for name, text in creators if name != "photographer" or found.get("kind") == "photo"
        ]
        if "death_year" not in found and (named := named_death(work_creators)) is not None:
            found["named_death"] = named
        return licenses.Facts(**found)

    def _categories(self, view: Any, ctx: Context, draft: FileDraft) -> list[str]:
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
            draft.page_warnings.append(
                Problem(
                    "categories",
                    "no category says what the file shows (only where it comes from), so it goes into "
                    f"the backlog of the batch, [[Category:{self.needs_categories}]]: add category rows to "
                    "the lookup tables of the crosswalk",
                    ProblemCode.NEEDS_CATEGORIES,
                )
            )
        names += [self.tracking] if self.tracking else []
        names.append(conventions.load().tool_category)
        return self._valid_categories(names, draft)

    @staticmethod
    def _valid_categories(names: list[str], draft: FileDraft) -> list[str]:
        """The names as valid category titles, without repeats; an invalid one is an error of the file."""
        valid: dict[str, None] = {}
        for name in names:
            try:
                valid.setdefault(str(wikitext.category_name(name)), None)
            except GlamuploadError as exc:
                draft.page_errors.append(Problem("categories", exc.message, ProblemCode.CATEGORY))
        return list(valid)

    # -- the second stage: with the names -------------------------------------------------------

    def finish(
        self, record: RecordDraft, allocation: RecordAllocation
    ) -> list[tuple[PlannedFile, LocalFile | None]]:
        """The record's planned files once the ``Namer`` named them: problems in their order, the
        pages rendered and checked (each links the record's other files)."""
        with timelimits.Watch():  # one timer for the record's page renders
            return self._finish(record, allocation)

    def _finish(
        self, record: RecordDraft, allocation: RecordAllocation
    ) -> list[tuple[PlannedFile, LocalFile | None]]:
        names = [name for name, _ in allocation.names]
        taken = [name for name in names if name]
        out = []
        for number, (draft, (name, problem)) in enumerate(zip(record.files, allocation.names, strict=True)):
            errors = [allocation.duplicate] if allocation.duplicate else []
            errors += draft.errors
            warnings = list(draft.warnings)
            local = draft.local
            if allocation.duplicate is None:
                for found in (draft.extension_problem, draft.request_problem):
                    if found is not None:
                        (warnings if found.code == ProblemCode.REMOTE_EXTENSION else errors).append(found)
            else:
                local = None  # its image was not looked at (its name took the default extension)
            if name and draft.name_warning is not None:
                warnings.append(draft.name_warning)
            if problem is not None:
                (warnings if problem.code == ProblemCode.COLLISION else errors).append(problem)
            if name and titles.is_camera_default(name):
                errors.append(
                    Problem(
                        "filename",
                        f"{name!r} looks like a camera's default name, which "
                        "Commons refuses; add a descriptive part to the pattern",
                        ProblemCode.CAMERA_DEFAULT,
                    )
                )
            params = dict(draft.params)
            others = [n for n in taken if n != name]
            if others and "other_versions" not in params:
                params["other_versions"] = wikitext.gallery(others)
            errors += draft.page_errors
            warnings += draft.page_warnings
            assert draft.verdict is not None
            page = self._page(draft.template, params, draft.verdict, draft.categories, errors)
            warnings += conventions.check_page(
                conventions.PageFacts(
                    draft.template,
                    params,
                    language_known=draft.language_known,
                    record_url=draft.record_url,
                    license_wikitext=draft.verdict.wikitext,
                    attribution=draft.attribution,
                )
            )
            errors += draft.structured_errors
            warnings += draft.structured_warnings
            planned = PlannedFile(
                index=allocation.first_index + number,
                record_id=record.record_id,
                filename=name,
                wikitext=page,
                categories=tuple(draft.categories),
                license=draft.verdict,
                source=draft.source,
                template=draft.template,
                params={k: str(v) for k, v in params.items()},
                errors=tuple(errors),
                warnings=tuple(warnings),
                position=record.position,
                structured_data=draft.structured_data,
            )
            out.append((planned, local))
        return out

    def _page(
        self,
        template: str,
        params: dict[str, Wikitext],
        verdict: licenses.Verdict,
        categories: list[str],
        errors: list[Problem],
    ) -> str:
        """Render and check the page; a rejected file still gets a page, for the curator to read."""
        try:
            page, problems = self.pages.render(template, params, verdict.wikitext, categories)
        except ConfigError:
            raise  # the page template's mistake, the batch's: it stops the dry run, naming the template
        except GlamuploadError as exc:
            errors.append(Problem("wikitext", exc.message, ProblemCode.PAGE))
            return ""
        # a refused licence is reported by the verdict, not again as a page without one
        errors.extend(p for p in problems if verdict.accepted or p.code != ProblemCode.NO_LICENSE)
        limit = conventions.load().max_page_bytes
        if len(page) * 4 > limit and (size := len(page.encode())) > limit:  # UTF-8: 1 to 4 bytes a character
            too_large = f"the page is {size:,} bytes, more than the {limit:,} a wiki page may hold"
            errors.append(Problem("wikitext", too_large, ProblemCode.PAGE))
        return page


def _object_left_out(path: str) -> Problem:
    key = f"{path}.<key>"
    return Problem(
        path, f"{path!r} holds an object in this record, not text: left out (name one of its keys, {key!r})"
    )


def _outcome(function: Any, *args: Any) -> Any:
    """``function(*args)``, or the GlamuploadError it raised (so a memo remembers failures too)."""
    try:
        return function(*args)
    except GlamuploadError as exc:
        return exc


#: Life dates in a creator's name: "Berg, Anna (1880-1960)", "(12.3.1880 – 1.5.1960)", "(ca 1880 - c. 1960)",
#: "(1880?-1960)", "1880–60", "Carl Larsson 1853–1919", "† 12.5.1960", "(+1960)", "död 1960", "døde 1960".
_A_YEAR = r"(1[0-9]{3}|20[0-9]{2})"
_LIFE_RANGE = re.compile(
    r"(?<![\d.])" + _A_YEAR + r"(?:-\d\d-\d\d)?\??\s*[-\u2010-\u2015]\s*(?:(?:ca\.?|c\.|omkr\.?|um)\s*)?"
    r"(?:\d{1,2}\.\s*\d{1,2}\.\s*)?(\d{2,4})(?!\d|\.\d)",
    re.IGNORECASE,
)
_DEATH_MARK = re.compile(
    r"(?:\u2020|&#8224;|&dagger;|\(\s*\+|\b(?:d\.|död|dod|døde|gest\.|gestorben|died|mort|overleden))\s*"
    r"(?:(?:ca\.?|c\.)\s*)?(?:\d{1,2}\.\s*\d{1,2}\.\s*)?" + _A_YEAR + r"\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
def _named_death_of(text: str) -> int | None:
    # a day and month before the birth year ("12.3.1880 – 1.5.1960") are left out first
    text = re.sub(r"\b\d{1,2}\.\s*\d{1,2}\.\s*(?=\d{4})", "", text)
    years: list[int] = []
    for m in _LIFE_RANGE.finditer(text):
        born, end = int(m[1]), m[2]
        died = int(str(born)[: 4 - len(end)] + end) if len(end) < 4 else int(end)
        if len(end) == 2 and died < born:
            died += 100  # "1880–60": no one died before being born, so 1960
        if len(end) in (2, 4) and died > born:
            years.append(died)
    years += [int(m[1]) for m in _DEATH_MARK.finditer(text)]
    return max(years) if years else None


def named_death(creators: Sequence[str]) -> int | None:
    """The latest death year the creators' names show (life dates), None when they show none."""
    years = [y for text in creators if (y := _named_death_of(str(text))) is not None]
    return max(years) if years else None


#: A year as the licence facts take it: what ``int()`` reads, and no more digits than a year has.
_YEAR = re.compile(r"-?[0-9]{1,6}")


def _fewer_than_elements(source: CompiledSource, view: Any, count: int) -> bool:
    """Whether a path through a list (``creators[].death``) gave fewer values than the list has elements:
    an element without one (``null``, missing) is a creator whose death is not known, which the path
    alone would silently leave out. Checked on the branch that gave the values (the ``otherwise`` when
    the condition does not hold), path by path; a branch that reads only such paths must also keep
    every value it read (a text the chain dropped: "unknown")."""
    branch = source.branch(view)
    if branch is None:
        return False
    lists = [path for path in branch.spec.field if "[]." in path]
    present = 0
    for path in lists:
        elements = view.get(path.rpartition("[].")[0])
        given = len(as_values(view.get(path)))
        if isinstance(elements, list) and len(elements) > given:
            return True
        present += given
    return bool(lists) and len(lists) == len(branch.spec.field) and count < present


def _is_year(text: str) -> bool:
    """Whether a fact's text is a year: digits ``int()`` reads (not ``isdigit()``: "²", "--5" and 5,000
    digits are no int()), and not 0, which an empty date field holds ("0000" would be 2,000 years ago)."""
    return bool(_YEAR.fullmatch(text)) and int(text) != 0


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
    if reader.shape.holds_objects(field_name):  # LIDO's ``images``: objects, no text to count
        keys = [f"{field_name}[].{key}" for key in reader.shape.keys_below(field_name)][:8]
        raise ConfigError(
            f"field {field_name!r} holds objects, not values",
            file=batch.export_path,
            hint=("ask for one of their keys: " + ", ".join(keys)) if keys else "ask for one of their keys",
        )
    counts: Counter[str] = Counter()
    for record in reader:
        for value in as_values(record.get(field_name)):
            value = " ".join(value.split())
            if value:
                counts[value] += 1
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


SKELETON_COLUMNS = ("value", "count", "wikitext", "category", "wikidata")


def write_lookup_skeleton(
    values: Iterable[tuple[str, int]], path: str | Path, batch: BatchConfig, *, replace: bool = False
) -> Path:
    """A lookup-table CSV to fill in: one row per value, result columns empty. Never over a file the batch
    reads, nor over an existing one unless ``replace`` (it may be a table half filled in), nor over
    anything that is not a regular file (``/dev/full`` was replaced by the rename)."""
    path = Path(path)
    batch.refuse_to_overwrite([path], "--skeleton")
    if path.exists() and not (replace and path.is_file()):
        hint = "--force replaces it" if path.is_file() else "give the path of a new .csv file"
        raise ConfigError(f"{path} exists: it may be a lookup table being filled in", hint=hint)

    def write(fh: TextIO) -> None:
        writer = csv.writer(fh)
        writer.writerow(SKELETON_COLUMNS)
        writer.writerows([value, count, "", "", ""] for value, count in values)

    write_atomically(path, write, "cannot write the lookup table")
    return path
