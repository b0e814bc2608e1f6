"""glamupload's own parts of a file page, and the three-way rule that updates them (decision 0012).

Three parts of a page glamupload uploaded are its own: the file-page template with its parameters, the
licence wikitext and the crosswalk's categories. ``merge`` changes only those, on the text the wiki holds
now, each compared three ways: what glamupload last wrote (the base), what the wiki holds, what the new
plan says. A part no one else touched takes the new plan's value; a part someone else changed that the
new plan changes too is a conflict (the wiki's value stays; a reviewer can take the new one); a part the
new plan leaves as it was is never touched, whoever changed it. Everything else on the page (text,
other templates, categories and tags others added) is kept as it is, byte for byte.

The texts are parsed with mwparserfromhell, the parser the planner checks its pages with; values are
compared as MediaWiki reads a named parameter (surrounding whitespace trimmed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import mwparserfromhell
from mwparserfromhell.nodes import Heading, Template, Text, Wikilink
from mwparserfromhell.wikicode import Wikicode

from glamupload.planned import PlannedFile
from glamupload.state import Conflict, Decision, UpdateDecision
from glamupload.wikitext import normalise_title

#: The conflict part names besides template parameters.
LICENCE = "licence"
TEMPLATE = "template"
CATEGORY_PREFIX = "Category:"
#: What MediaWiki trims from a named template parameter's value.
_TRIM = " \t\n\r\0\x0b"
#: The licence section's heading, as glamupload's page templates write it (commons-conventions.md §1.1).
_LICENCE_HEADINGS = ("{{int:license-header}}", "licensing")


@dataclass(frozen=True)
class PageParts:
    """glamupload's parts of one file page: template name, its parameters in order (values trimmed),
    the licence wikitext and the category names (normalised as titles)."""

    template: str
    params: tuple[tuple[str, str], ...]
    licence: str
    categories: tuple[str, ...]

    def param(self, name: str) -> str | None:
        return dict(self.params).get(name)

    def to_json(self) -> str:
        return json.dumps(
            {
                "template": self.template,
                "params": [list(p) for p in self.params],
                "licence": self.licence,
                "categories": list(self.categories),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PageParts:
        data: dict[str, Any] = json.loads(text)
        return cls(
            str(data["template"]),
            tuple((str(n), str(v)) for n, v in data["params"]),
            str(data["licence"]),
            tuple(str(c) for c in data["categories"]),
        )


def parts_of(planned: PlannedFile) -> PageParts:
    """The parts of a planned page, read from its rendered text (so values are compared as written)."""
    call = _file_template(mwparserfromhell.parse(planned.wikitext), planned.template)
    return PageParts(
        normalise_title(planned.template),
        _params(call) if call is not None else (),
        planned.license.wikitext.strip(),
        tuple(dict.fromkeys(normalise_title(c) for c in planned.categories)),
    )


@dataclass(frozen=True)
class Change:
    """One of glamupload's parts changed by an update: a parameter, the licence, the template, or a
    category added (``new``) or removed (``old``)."""

    part: str
    old: str | None
    new: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class Merge:
    """The page after an update, and what the update did and left alone."""

    text: str
    #: glamupload's parts as the page now holds them: the base of the next update (a conflicting part
    #: keeps its old base value, so it stays a conflict until a reviewer decides)
    parts: PageParts
    changes: tuple[Change, ...]
    conflicts: tuple[Conflict, ...]
    #: what others changed or added that the update keeps
    kept: tuple[str, ...]


def merge(
    base: PageParts, new: PageParts, current: str, decisions: Mapping[str, UpdateDecision] | None = None
) -> Merge:
    """Apply the new plan's parts to the wiki's ``current`` text, three ways against ``base``.

    ``decisions`` are reviewers' decisions on earlier conflicts, by part: one taken on the same new
    value settles that conflict (accept: the new value is written; skip: the wiki's value stays and is
    no longer a conflict).
    """
    merger = _Merger(base, new, decisions or {})
    tree = mwparserfromhell.parse(current)
    template, params = merger.template(tree)
    licence, text = merger.licence(str(tree))
    tree = mwparserfromhell.parse(text)
    categories = merger.categories(tree)
    merger.note_others(tree)
    return Merge(
        str(tree),
        PageParts(template, params, licence, categories),
        tuple(merger.changes),
        tuple(merger.conflicts),
        tuple(merger.kept),
    )


def summary(batch: str, changes: Iterable[Change], limit: int = 480) -> str:
    """The edit summary: the batch and what changed (parameters by name, the licence, categories)."""
    changes = list(changes)
    named = [c.part for c in changes if c.part not in (LICENCE, TEMPLATE, "category")]
    groups = []
    if any(c.part == TEMPLATE for c in changes):
        change = next(c for c in changes if c.part == TEMPLATE)
        groups.append(f"template {change.old} → {change.new}")
    if named:
        groups.append(", ".join(dict.fromkeys(named)))
    if any(c.part == LICENCE for c in changes):
        groups.append("licence")
    added = [f"+{c.new}" for c in changes if c.part == "category" and c.new]
    removed = [f"−{c.old}" for c in changes if c.part == "category" and c.old]
    if added or removed:
        groups.append("categories " + ", ".join(added + removed))
    text = f"glamupload update {batch}: " + "; ".join(groups or ["no change"])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def deletion_tag(text: str, tags: Iterable[str]) -> str | None:
    """The first deletion tag (a template named in ``tags``) on the page, as ``{{Name}}``; None."""
    wanted = {normalise_title(t) for t in tags}
    for call in mwparserfromhell.parse(text).filter_templates():
        name = normalise_title(str(call.name))
        if name in wanted:
            return f"{{{{{name}}}}}"
    return None


# --- the rule ------------------------------------------------------------------------------------------


@dataclass
class _Merger:
    base: PageParts
    new: PageParts
    decisions: Mapping[str, UpdateDecision]
    changes: list[Change] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def _decided(self, conflict: Conflict) -> Decision | None:
        """A reviewer's decision on this very conflict (the same part and the same new value)."""
        found = self.decisions.get(conflict.part)
        return found.decision if found is not None and found.value == conflict.new else None

    def _three_way(self, part: str, wiki: str | None) -> str | None | Conflict:
        """What to do with one part whose plan changed: the value to write (the new one), the wiki's to
        keep (a string equal to ``wiki``), or a conflict."""
        base, new = _value(self.base, part), _value(self.new, part)
        if wiki == base or wiki == new:
            return new
        conflict = Conflict(part, base, wiki, new)
        decision = self._decided(conflict)
        if decision == Decision.ACCEPT:
            return new
        if decision == Decision.SKIP:
            self.kept.append(f"{_label(part)} as edited on the wiki (a reviewer kept it)")
            return wiki
        return conflict

    # -- the file-page template --------------------------------------------------------------------

    def template(self, tree: Wikicode) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Update the template's parameters in ``tree``; the template name and parameters now ours."""
        base, new = self.base, self.new
        call = _file_template(tree, base.template)
        if call is not None:
            self.kept += [
                f"parameter {name} as edited on the wiki"
                for name, value in base.params
                if _value(new, name) == value and _param(call, name) != value
            ]
        if base.template == new.template and base.params == new.params:
            return base.template, base.params
        if call is None:
            self._conflict(Conflict(TEMPLATE, base.template, None, new.template))
            return base.template, base.params
        if base.template != new.template:
            return self._replace_template(tree, call)
        result: dict[str, str | None] = dict(base.params)
        for name in dict.fromkeys([*(n for n, _ in new.params), *(n for n, _ in base.params)]):
            if _value(base, name) == _value(new, name):
                continue
            current = _param(call, name)
            outcome = self._three_way(name, current)
            if isinstance(outcome, Conflict):
                self._conflict(outcome)
                continue
            if outcome == current and outcome != _value(new, name):  # a reviewer kept the wiki's
                result[name] = _value(new, name)
                continue
            if outcome != current:
                self._set(call, name, outcome)
                self.changes.append(Change(name, current, outcome))
            result[name] = outcome
        order = [n for n, _ in new.params] + [n for n, _ in base.params]
        return new.template, tuple((n, v) for n in dict.fromkeys(order) if (v := result.get(n)) is not None)

    def _replace_template(self, tree: Wikicode, call: Template) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Another template in the new plan (another variant of the crosswalk): the whole call is
        replaced when no one changed its parameters; otherwise that is a conflict."""
        base, new = self.base, self.new
        wiki = f"{base.template} (edited)" if _params(call) != base.params else base.template
        outcome = self._three_way(TEMPLATE, wiki)
        if isinstance(outcome, Conflict) or outcome == wiki:
            if isinstance(outcome, Conflict):
                self._conflict(outcome)
            return base.template, base.params
        lines = "".join(f"|{name} = {value}\n" for name, value in new.params)
        tree.replace(call, f"{{{{{new.template}\n{lines}}}}}")  # as glamupload's page template writes it
        self.changes.append(Change(TEMPLATE, base.template, new.template))
        return new.template, new.params

    def _set(self, call: Template, name: str, value: str | None) -> None:
        """Write one parameter: removed, replaced in place (spacing kept) or added where the new plan's
        order puts it (before the next parameter of the plan that the page has)."""
        if value is None:
            call.remove(name)
            return
        if call.has(name):  # in place, keeping what surrounds the value as MediaWiki trims it
            param = call.get(name)
            old = str(param.value)
            if old.strip(_TRIM):
                lead, trail = old[: len(old) - len(old.lstrip(_TRIM))], old[len(old.rstrip(_TRIM)) :]
            else:  # an empty value: written as glamupload's page template writes one
                lead, trail = " ", "\n" if "\n" in old else ""
            param.value = lead + value + trail
            return
        order = [n for n, _ in self.new.params]
        later = [n for n in order[order.index(name) + 1 :] if call.has(n)] if name in order else []
        added = call.add(name, value, before=later[0] if later else None)
        # mwparserfromhell copies a neighbour's padding by str.isspace, which counts characters MediaWiki
        # keeps (a no-break space): only what MediaWiki trims may stand around the new value
        padded = str(added.value)
        at = padded.find(value)
        lead, trail = padded[:at], padded[at + len(value) :]
        added.value = "".join(c for c in lead if c in _TRIM) + value + "".join(c for c in trail if c in _TRIM)

    def _conflict(self, conflict: Conflict) -> None:
        self.conflicts.append(conflict)

    # -- the licence -------------------------------------------------------------------------------

    def licence(self, text: str) -> tuple[str, str]:
        """Replace glamupload's licence wikitext where it stands; the licence now ours and the text."""
        base, new = self.base.licence, self.new.licence
        if base == new:
            return base, text
        if base and text.count(base) == 1:
            self.changes.append(Change(LICENCE, base, new))
            return new, text.replace(base, new)
        if new and new in text:
            return new, text
        section = _licence_section(text)
        wiki = text[section[0] : section[1]].strip() if section else None
        outcome = self._three_way(LICENCE, wiki)
        if isinstance(outcome, Conflict):
            self._conflict(outcome)
            return base, text
        if outcome == wiki:
            return new, text
        start, end = section or (len(text), len(text))
        self.changes.append(Change(LICENCE, wiki, new))
        return new, f"{text[:start].rstrip()}\n{new}\n\n{text[end:].lstrip()}".rstrip() + "\n"

    # -- the categories ----------------------------------------------------------------------------

    def categories(self, tree: Wikicode) -> tuple[str, ...]:
        """Add the categories the new plan adds and remove those it dropped (where the page has them);
        categories anyone else added or removed stay as they are."""
        base, new = self.base.categories, self.new.categories
        links = _category_links(tree)
        for name in (c for c in base if c not in new):
            for link in links.pop(name, []):
                _remove(tree, link)
                self.changes.append(Change("category", name, None))
        for position, name in enumerate(new):
            if name in base or name in links:
                continue
            added = f"[[{CATEGORY_PREFIX}{name}]]"
            later = [links[n][0] for n in new[position + 1 :] if n in links]
            every = [link for group in links.values() for link in group]
            if later:  # where the new plan puts it: before the next of its categories the page has
                tree.insert_before(later[0], added + "\n")
            elif every:
                tree.insert_after(max(every, key=tree.index), "\n" + added)
            else:
                tree.append(("\n" if str(tree).endswith("\n") else "\n\n") + added)
            links = _category_links(tree)
            self.changes.append(Change("category", None, name))
        return new

    def note_others(self, tree: Wikicode) -> None:
        """List what others added that the update keeps: categories, templates, parameters."""
        ours = {*self.base.categories, *self.new.categories}
        self.kept += [f"category {name}" for name in _category_links(tree) if name not in ours]
        licence_templates = {
            normalise_title(str(t.name))
            for text in (self.base.licence, self.new.licence)
            for t in mwparserfromhell.parse(text).filter_templates(recursive=False)
        }
        file_templates = {self.base.template, self.new.template}
        for call in tree.filter_templates(recursive=False):
            name = normalise_title(str(call.name))
            if name in file_templates:
                planned = {n for n, _ in (*self.base.params, *self.new.params)}
                self.kept += [
                    f"parameter {n} (added on the wiki)" for n, _ in _params(call) if n not in planned
                ]
            elif name not in licence_templates:
                self.kept.append(f"template {{{{{name}}}}}")
        rest = str(tree)
        for licence in (self.base.licence, self.new.licence):
            rest = rest.replace(licence, "") if licence else rest
        words = " ".join(str(n) for n in mwparserfromhell.parse(rest).nodes if isinstance(n, Text)).split()
        if words:
            shown = " ".join(words)
            self.kept.append("text added on the wiki: " + (shown if len(shown) <= 60 else shown[:59] + "…"))


# --- reading pages -------------------------------------------------------------------------------------


def _value(parts: PageParts, part: str) -> str | None:
    if part == LICENCE:
        return parts.licence
    if part == TEMPLATE:
        return parts.template
    return parts.param(part)


def _label(part: str) -> str:
    return part if part in (LICENCE, TEMPLATE) else f"parameter {part}"


def _file_template(tree: Wikicode, name: str) -> Template | None:
    """The page's top-level call of the file-page template ``name`` (the first, if there are several)."""
    wanted = normalise_title(name)
    for call in tree.filter_templates(recursive=False):
        if normalise_title(str(call.name)) == wanted:
            return call
    return None


def _params(call: Template) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    for param in call.params:
        found.setdefault(str(param.name).strip(), str(param.value).strip(_TRIM))
    return tuple(found.items())


def _param(call: Template, name: str) -> str | None:
    return str(call.get(name).value).strip(_TRIM) if call.has(name) else None


def _category_links(tree: Wikicode) -> dict[str, list[Wikilink]]:
    """The page's top-level category links by normalised category name."""
    links: dict[str, list[Wikilink]] = {}
    for link in tree.filter_wikilinks(recursive=False):
        title = str(link.title).strip()
        if title[: len(CATEGORY_PREFIX)].casefold() == CATEGORY_PREFIX.casefold():
            name = normalise_title(title[len(CATEGORY_PREFIX) :])
            links.setdefault(name, []).append(link)
    return links


def _remove(tree: Wikicode, node: Wikilink) -> None:
    """Remove a category link with the line break that ends its line."""
    index = tree.index(node)
    following = tree.nodes[index + 1] if index + 1 < len(tree.nodes) else None
    tree.remove(node)
    if isinstance(following, Text) and following.value.startswith("\n"):
        following.value = following.value[1:]


def _licence_section(text: str) -> tuple[int, int] | None:
    """Where the licence section's content is in ``text`` (after its heading, up to the next heading
    or the first category link); None when the page has no licence heading."""
    tree = mwparserfromhell.parse(text)
    offset, start = 0, None
    for node in tree.nodes:
        rendered = str(node)
        if start is None and isinstance(node, Heading):
            if str(node.title).strip().casefold() in _LICENCE_HEADINGS:
                start = offset + len(rendered)
        elif start is not None:
            is_category = isinstance(node, Wikilink) and str(node.title).strip().casefold().startswith(
                CATEGORY_PREFIX.casefold()
            )
            if isinstance(node, Heading) or is_category:
                return start, offset
        offset += len(rendered)
    return (start, len(text)) if start is not None else None
