"""The pages a batch needs besides its files: the Institution: page and the categories, created safely.

A batch's file pages transclude ``{{Institution:NAME}}`` and sit in categories; Commons wants those pages
to exist before the upload (commons-conventions.md §1.8, §5). ``plan_pages`` renders every such page from
the Jinja2 templates in ``templates/pages/`` (a batch's own templates folder overrides them by name) and
compares it with the wiki; ``apply_pages`` creates what is missing and, only when asked, updates what
glamupload itself wrote.

How glamupload knows a page is its own (see docs/pages.md): the wiki's latest revision of the page was
saved by the logged-in account with an edit summary starting ``glamupload pages:``. The wiki is the one
record, so the check holds across batches that share an institution, across machines and after a batch's
state is deleted, and it costs no request beyond the batched existence check. A page whose latest revision
is anyone else's is never overwritten: it is *blocked*, reported with its editor and a diff.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import mwparserfromhell

from glamupload import PROJECT_URL, conventions, plan, wikitext
from glamupload.config import BatchConfig
from glamupload.crosswalk import Crosswalk
from glamupload.errors import ConfigError, InputError, WikiError
from glamupload.planned import PlannedFile
from glamupload.readers import open_export
from glamupload.wiki import Wiki
from glamupload.wikitext import Wikitext

SUMMARY_PREFIX = "glamupload pages:"
"""Every edit glamupload makes to these pages starts its summary with this; it marks the page as ours."""

INSTITUTION_NAMESPACE = "Institution"
"""Canonical namespace name; the local name is read from the wiki's siteinfo."""

CATEGORY_NAMESPACE = "Category"

TRANSCLUDED_NAMESPACES = ("institution", "creator")
"""Pages file pages transclude (``{{Institution:X}}``, ``{{Creator:X}}``) that must exist before uploading."""

Kind = Literal[
    "institution",
    "institution-category",
    "collection-category",
    "contributed-category",
    "tracking-category",
    "tool-category",
    "needs-categories",
    "category",
    "transcluded",
]
Status = Literal["create", "unchanged", "update", "blocked", "manual"]
Outcome = Literal["created", "updated", "unchanged", "skipped", "blocked", "manual"]


@dataclass
class PlannedPage:
    """One page the batch needs, and (once compared with a wiki) what would happen to it.

    ``text`` is None for a category nobody told glamupload how to file (``status`` "manual"): a person
    must write it. ``status`` is None until the page is compared with a wiki.
    """

    title: str
    kind: Kind
    text: str | None
    parents: list[str] = field(default_factory=list)
    note: str = ""
    status: Status | None = None
    revid: int | None = None
    editor: str | None = None
    diff: str = ""
    outcome: Outcome | None = None
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The page as ``glamupload pages --json`` prints it."""
        return asdict(self)


@dataclass(frozen=True)
class _Names:
    """The names of the structural pages, worked out from the batch config once."""

    institution: Mapping[str, Any] | None
    institution_name: str | None
    institution_category: str | None
    contributed: str | None
    collections: list[str]
    tracking: str | None
    parents: Mapping[str, list[str]]
    #: The hidden category of every file glamupload uploads (mappings/conventions.yaml).
    tool: str
    #: The batch's backlog of files with no topical category.
    needs_categories: str


# --- the batch's pages --------------------------------------------------------------------------------


def plan_pages(
    batch: BatchConfig, wiki: Wiki | None = None, *, files: Iterable[PlannedFile] | None = None
) -> list[PlannedPage]:
    """Every page the batch needs, classified against ``wiki`` when one is given.

    The structural pages (Institution page, institution category, collection categories, "Media
    contributed by" category, hidden tracking category) are always planned. Of the pages the batch's file
    pages use (``files``, else planned from the batch now), those the wiki lacks are planned too: a
    category with its parents from the config, or as "manual" when no parent is known, like a transcluded
    ``Institution:``/``Creator:`` page glamupload has no content for. Without a wiki nothing is known to be
    missing, so only the categories with configured parents are listed, unclassified.
    """
    names = _names(batch)
    uses = file_page_uses(plan.plan_batch(batch) if files is None else files)
    namespace = wiki.namespace_name(INSTITUTION_NAMESPACE) if wiki else INSTITUTION_NAMESPACE
    render = _Renderer(batch.templates_dir)
    pages = _structural_pages(batch, names, namespace, render, names.needs_categories in uses.categories)
    planned = {_key(page.title) for page in pages}
    if names.institution_name:  # files may name it by the canonical namespace
        planned.add(_key(f"{INSTITUTION_NAMESPACE}:{names.institution_name}"))
    categories = [name for name in uses.categories if _key(_category_title(name)) not in planned]
    if wiki is None:
        return pages + [
            _category_page(name, names.parents[name], render) for name in categories if name in names.parents
        ]
    transcluded = [title for title in uses.transcluded if _key(title) not in planned]
    current = wiki.page_revisions(
        [page.title for page in pages] + [_category_title(name) for name in categories] + transcluded
    )
    pages += [
        _category_page(name, names.parents.get(name, []), render)
        for name in categories
        if current[_category_title(name)] is None
    ]
    pages += [
        PlannedPage(title, "transcluded", None, note="the file pages transclude it: write it by hand")
        for title in transcluded
        if current[title] is None
    ]
    account = account_name(wiki)
    for page in pages:
        _classify(page, current[page.title], account)
    return pages


@dataclass(frozen=True)
class FilePageUses:
    """What a batch's file pages point at: category names and transcluded Institution:/Creator: pages."""

    categories: list[str]
    transcluded: list[str]


def file_page_uses(files: Iterable[PlannedFile]) -> FilePageUses:
    """The categories and the transcluded ``Institution:``/``Creator:`` pages of planned file pages."""
    categories: dict[str, None] = {}
    transcluded: dict[str, None] = {}
    for planned_file in files:
        for name in planned_file.categories:
            try:
                categories.setdefault(str(wikitext.category_name(name)))
            except InputError:
                continue  # plan.py reports it as an error of that record; it can never be a page
        for template in mwparserfromhell.parse(planned_file.wikitext).filter_templates(recursive=True):
            prefix, colon, rest = str(template.name).strip().partition(":")
            if colon and prefix.strip().casefold() in TRANSCLUDED_NAMESPACES and rest.strip():
                transcluded.setdefault(f"{prefix.strip().capitalize()}:{rest.strip()}")
    return FilePageUses(list(categories), list(transcluded))


def apply_pages(
    planned: Iterable[PlannedPage], wiki: Wiki, update: bool = False, *, batch_id: str | None = None
) -> list[PlannedPage]:
    """Create the pages that do not exist; with ``update``, rewrite those glamupload wrote last.

    Pages are compared with the wiki again right before writing (one batched request), and each write
    carries a guard: ``createonly`` for a new page, ``baserevid`` for an update, so an edit someone makes
    in between is never lost — that page comes back "blocked". Every edit summary ends with ``batch_id``
    (``BatchConfig.batch_id``), so the batch's edits can be found as one. Returns the pages with
    ``outcome`` set; running it again right after makes no edit.
    """
    pages = list(planned)
    current = wiki.page_revisions(page.title for page in pages)
    account = account_name(wiki)
    for page in pages:
        _classify(page, current[page.title], account)
        page.outcome = _write(page, wiki, update, account, batch_id)
    return pages


def summary(pages: Iterable[PlannedPage]) -> dict[str, int]:
    """How many pages have each status (and, after ``apply_pages``, each outcome)."""
    counts: dict[str, int] = {}
    for page in pages:
        key = page.outcome or page.status or "unchecked"
        counts[key] = counts.get(key, 0) + 1
    return counts


# --- helpers for upload and the dry-run report ----------------------------------------------------------


def categories_status(categories: Iterable[str], wiki: Wiki) -> dict[str, bool]:
    """``{category name: exists on the wiki}`` for names given without ``Category:``, keyed as given;
    50 names per request. A name that cannot be a title does not exist."""
    titles: dict[str, str | None] = {}
    for name in categories:
        try:
            titles[name] = _category_title(wikitext.category_name(name))
        except InputError:
            titles[name] = None
    current = wiki.page_revisions(dict.fromkeys(t for t in titles.values() if t))
    return {name: title is not None and current[title] is not None for name, title in titles.items()}


def missing_pages_warning(
    batch: BatchConfig, wiki: Wiki, *, files: Iterable[PlannedFile] | None = None
) -> str | None:
    """A warning for ``upload`` when pages the batch's file pages use (categories, the Institution and
    Creator pages they transclude) do not exist on ``wiki`` yet, i.e. ``glamupload pages`` has not been
    run; None when all exist. Pass ``files`` when they are already planned, to avoid planning twice.
    """
    files = list(plan.plan_batch(batch) if files is None else files)
    uses = file_page_uses(files)
    used = {_key(_category_title(name)) for name in uses.categories} | {_key(t) for t in uses.transcluded}
    missing = [
        page
        for page in plan_pages(batch, wiki, files=files)
        if page.status in ("create", "manual") and _key(page.title) in used
    ]
    if not missing:
        return None
    shown = ", ".join(p.title for p in missing[:5]) + (
        f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    )
    creatable = sum(page.status == "create" for page in missing)
    # the advice follows what `pages` can do: it creates some pages, others need a person
    todo = [f"`glamupload pages {batch.path}` creates {creatable}"] if creatable else []
    if creatable < len(missing):
        todo.append(
            f"{len(missing) - creatable} need a person (`glamupload pages {batch.path} --dry-run` lists them "
            "and why)"
        )
    return (
        f"{len(missing)} page(s) the batch's files use do not exist on {wiki.target.name} yet: {shown}; "
        + ("; ".join(todo))
    )


def creatable_categories(batch: BatchConfig) -> set[str]:
    """The categories ``glamupload pages`` creates when the wiki lacks them: the batch's own (institution,
    collections, "Media contributed by", tracking) and every category whose parents are known. For the
    dry-run report, which tells these apart from the ones a person must create."""
    names = _names(batch)
    own = [
        names.institution_category,
        names.contributed,
        names.tracking,
        names.tool,
        names.needs_categories,
        *names.collections,
        *names.parents,
    ]
    return {name for name in own if name}


# --- planning -----------------------------------------------------------------------------------------


def _names(batch: BatchConfig) -> _Names:
    """Structural page names from the config, each checked to be a valid title (else a ConfigError)."""
    model = batch.model
    cats = model.categories
    crosswalk = plan.load_crosswalk(batch, open_export(batch.export_path, **batch.reader_options).shape)
    parents = _lookup_parents(crosswalk)
    for name, values in (getattr(cats, "parents", None) or {}).items():
        key = _config_name(batch, name, ("categories", "parents", name))
        given = [_config_name(batch, p, ("categories", "parents", name, i)) for i, p in enumerate(values)]
        parents[key] = list(dict.fromkeys([*parents.get(key, []), *given]))
    collections = [
        _config_name(batch, c, ("categories", "collections", i))
        for i, c in enumerate(getattr(cats, "collections", None) or [])
    ]
    tracking_name = plan.tracking_category(batch, crosswalk)
    tracking = tracking_name and _config_name(batch, tracking_name, ("categories", "tracking"))
    tool = str(wikitext.category_name(conventions.load().tool_category))
    needs = _config_name(
        batch, plan.needs_categories_category(batch, crosswalk), ("categories", "needs_categories")
    )
    own = {"tool": tool, "needs_categories": needs}
    if model.institution is None:
        return _Names(None, None, None, None, collections, tracking, parents, **own)
    institution = model.institution.model_dump()
    name = _config_name(batch, institution["name"], ("institution", "name"), INSTITUTION_NAMESPACE)
    homecat = _config_name(batch, institution.get("homecat") or name, ("institution", "homecat"))
    contributed = getattr(cats, "contributed", None) or f"Media contributed by {name}"
    contributed = _config_name(batch, contributed, ("categories", "contributed"))
    return _Names(institution, name, homecat, contributed, collections, tracking, parents, **own)


def _lookup_parents(crosswalk: Crosswalk) -> dict[str, list[str]]:
    """Parent categories from the crosswalk's lookup tables: a row's ``parents`` cell (names split on
    ``;``) files each category of its ``category`` cell. An invalid name there is a ConfigError."""
    found: dict[str, list[str]] = {}
    for table in crosswalk.tables.values():
        for row in table.rows.values():
            if not row.get("parents") or not row.get("category"):
                continue
            try:
                parents = [str(wikitext.category_name(p)) for p in row["parents"].split(";") if p.strip()]
                for category in (c for c in row["category"].split(";") if c.strip()):
                    key = str(wikitext.category_name(category))
                    found[key] = list(dict.fromkeys([*found.get(key, []), *parents]))
            except InputError as exc:
                raise ConfigError(
                    f"lookup table {table.name!r}: {exc.message}",
                    file=table.origin,
                    field="parents",
                    hint=exc.hint,
                ) from None
    return found


def _config_name(
    batch: BatchConfig, value: str, loc: tuple[str | int, ...], namespace: str = CATEGORY_NAMESPACE
) -> str:
    try:
        return str(wikitext.page_name(value, namespace=namespace))
    except InputError as exc:
        raise batch.located.error(exc.message, loc, hint=exc.hint) from None


def _structural_pages(
    batch: BatchConfig, names: _Names, namespace: str, render: _Renderer, backlog_used: bool
) -> list[PlannedPage]:
    pages: list[PlannedPage] = []
    given = names.parents
    institution_page = Wikitext(f"{namespace}:{names.institution_name}") if names.institution_name else None
    common = {"institution_page": institution_page, "institution_name": names.institution_name}
    if names.institution is not None:
        home, contributed = str(names.institution_category), str(names.contributed)
        pages.append(
            PlannedPage(
                str(institution_page),
                "institution",
                render(
                    "institution",
                    institution=names.institution,
                    page=institution_page,
                    homecat=Wikitext(home),
                ),
            )
        )
        pages.append(render.category("institution-category", home, given.get(home, []), **common))
        for collection in names.collections:
            pages.append(
                render.category(
                    "collection-category",
                    collection,
                    [home, *given.get(collection, [])],
                    collection=collection,
                    **common,
                )
            )
        pages.append(
            render.category(
                "contributed-category", contributed, [home, *given.get(contributed, [])], **common
            )
        )
    if names.tracking and names.tracking != names.contributed:
        parents = [names.contributed] if names.contributed else []
        pages.append(
            render.category(
                "tracking-category",
                names.tracking,
                [*parents, *given.get(names.tracking, [])],
                batch=batch.name,
                **common,
            )
        )
    if backlog_used:  # only a backlog some file is in: an empty category would be deleted on Commons
        home = names.tracking or names.contributed or names.tool
        pages.append(
            render.category(
                "needs-categories",
                names.needs_categories,
                [home, *given.get(names.needs_categories, [])],
                batch=batch.name,
                **common,
            )
        )
    tool_parents = [*conventions.load().tool_category_parents, *given.get(names.tool, [])]
    pages.append(render.category("tool-category", names.tool, tool_parents, project_url=PROJECT_URL))
    for page in pages:
        if page.kind != "institution" and not page.parents:
            page.note = "no parent category known: name its parents under categories.parents"
    return pages


def _category_page(name: str, parents: list[str], render: _Renderer) -> PlannedPage:
    if not parents:
        return PlannedPage(
            _category_title(name),
            "category",
            None,
            status="manual",
            note="no parent category known: create it by hand, or name its parents under categories.parents",
        )
    return render.category("category", name, parents)


class _Renderer:
    """Renders the page templates, the batch's templates folder first (files override by name)."""

    def __init__(self, templates_dir: Path | None) -> None:
        self.templates_dir = templates_dir

    def __call__(self, template: str, **context: Any) -> str:
        return wikitext.render_template(f"pages/{template}.j2", context, self.templates_dir)

    def category(self, kind: Kind, name: str, parents: list[str], **context: Any) -> PlannedPage:
        parents = _unique(parents)
        text = self(kind, name=name, parents=[Wikitext(p) for p in parents], **context)
        return PlannedPage(_category_title(name), kind, text, parents)


# --- comparing with the wiki and writing ---------------------------------------------------------------


def _classify(page: PlannedPage, current: Mapping[str, Any] | None, account: str | None) -> None:
    """Set status, revid, editor and diff of ``page`` from the wiki's latest revision ``current``.

    Without an ``account`` (a dry run reads without logging in) any glamupload edit counts as ours."""
    page.revid = current["revid"] if current else None
    page.editor = current["user"] if current else None
    page.diff = ""
    if page.text is None:
        page.status = "unchanged" if current else "manual"
        return
    if current is None:
        page.status = "create"
        return
    if same_text(current["text"], page.text):
        page.status = "unchanged"
        return
    page.diff = text_diff(
        current["text"],
        page.text,
        f"{page.title} (wiki, revision {current['revid']} by {current['user']})",
        f"{page.title} (glamupload)",
    )
    ours = account in (None, current["user"]) and str(current.get("comment", "")).startswith(SUMMARY_PREFIX)
    page.status = "update" if ours else "blocked"


def _write(page: PlannedPage, wiki: Wiki, update: bool, account: str | None, batch_id: str | None) -> Outcome:
    if page.status == "create":
        return _save(page, wiki, account, "created", batch_id, create_only=True)
    if page.status == "update" and update:
        return _save(page, wiki, account, "updated", batch_id, base_revid=page.revid)
    if page.status == "update":
        return "skipped"
    assert page.status in ("unchanged", "blocked", "manual")
    return page.status


def _save(
    page: PlannedPage, wiki: Wiki, account: str | None, done: Outcome, batch_id: str | None, **guard: Any
) -> Outcome:
    """One guarded edit. When the wiki refuses it because the page changed since it was read, the page
    is read again: glamupload's own text there (a retried request that had in fact succeeded) counts as
    done; anything else is blocked, with the new editor and diff."""
    verb = "create" if done == "created" else "update"
    summary = f"{SUMMARY_PREFIX} {verb} {page.kind} page"
    if batch_id:
        summary = conventions.load().edit_summary(summary, batch_id)
    try:
        saved = wiki.edit(page.title, page.text or "", summary, **guard)
    except WikiError as exc:
        if exc.code not in ("articleexists", "editconflict", "missingtitle"):
            raise
        _classify(page, wiki.page_revisions([page.title])[page.title], account)
        if page.status == "unchanged" and page.editor == account:
            return done
        page.status = "blocked"
        page.error = f"{exc.code}: the page changed after glamupload read it"
        return "blocked"
    page.revid = saved.get("newrevid", page.revid)
    page.editor = account
    return done


def account_name(wiki: Wiki) -> str | None:
    """The logged-in account's user name as the wiki writes it in page histories (no ``@BotName``);
    None when reading without a login."""
    info = wiki.api("query", meta="userinfo")["query"]["userinfo"]
    return None if "anon" in info else str(info["name"])


def same_text(wiki_text: str, text: str) -> bool:
    """The wiki trims trailing whitespace and uses \\n line ends when it saves a page."""
    return saved_form(wiki_text) == saved_form(text)


def saved_form(text: str) -> str:
    """A page text as the wiki saves it (\\n line ends, no trailing whitespace): what its SHA-1 is of."""
    return text.replace("\r\n", "\n").rstrip()


def text_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A unified diff of two page texts, trailing whitespace aside, for people to read."""
    return "".join(
        f"{line}\n"
        for line in difflib.unified_diff(
            saved_form(old).splitlines(), saved_form(new).splitlines(), old_name, new_name, lineterm=""
        )
    )


def _category_title(name: str) -> str:
    return f"{CATEGORY_NAMESPACE}:{name}"


def _key(title: str) -> str:
    """A title as the wiki normalises it (namespace and first letter capitalised, one space for ``_``)."""
    prefix, _, name = " ".join(title.replace("_", " ").split()).partition(":")
    return f"{prefix.strip().capitalize()}:{name.strip()[:1].upper()}{name.strip()[1:]}"


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(str(wikitext.category_name(n)) for n in names))
