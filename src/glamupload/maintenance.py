"""Which pages a wiki files into maintenance categories, as typed findings for the dry run and the upload.

Commons files a page that gives a template a parameter it does not know ("Pages using Artwork template with
incorrect parameter"), or whose rendered text has no machine-readable licence, description, author or
source ("Files with no machine-readable license", …) into maintenance categories, which patrollers work
through. glamupload's stand-ins do the same on the sandbox (glamupload.standins, docs/sandbox.md), so a
rehearsal finds these pages before Commons' patrollers do. The names come from
``templates/sandbox/stand-ins.yaml``; on any other wiki the same question reads that wiki's own categories
of those names.

Two ways to ask: :func:`pages_in_maintenance` for pages the wiki has (after an upload), and
:func:`rendered_findings` / :func:`findings` for a page the wiki only renders (a dry run's
``action=parse`` with ``prop=categories``), which saves nothing.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from glamupload import standins
from glamupload.wiki import Wiki, chunked

FindingKind = Literal["incorrect-parameter", "no-license", "no-description", "no-author", "no-source"]

_EXPLAINED: dict[FindingKind, str] = {
    "incorrect-parameter": "gives {{{template}}} a parameter it does not know",
    "no-license": "has no licence tag the wiki can read",
    "no-description": "has no description the wiki can read",
    "no-author": "has no author (or credit line) the wiki can read",
    "no-source": "has no source (or credit line) the wiki can read",
}


@dataclass(frozen=True)
class MaintenanceFinding:
    """One maintenance category a page is in. ``template`` and ``parameter`` are set for an incorrect
    parameter (``parameter`` is the category's sort key: one of the unknown names, when the wiki says)."""

    kind: FindingKind
    category: str
    template: str | None = None
    parameter: str | None = None

    @property
    def message(self) -> str:
        """One line for a person: what is wrong with the page."""
        text = "the page " + _EXPLAINED[self.kind].format(template=self.template or "a template")
        if self.parameter:
            text += f" ({self.parameter!r})"
        return f"{text}: [[Category:{self.category}]]"


@dataclass(frozen=True)
class MaintenancePage:
    """An uploaded file whose page the wiki files into maintenance categories (``upload --json``'s
    ``maintenance``): the record, the page's title and what is wrong with it."""

    record_id: str
    title: str
    findings: tuple[MaintenanceFinding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "title": self.title,
            "findings": [
                {"kind": f.kind, "category": f.category, "template": f.template, "parameter": f.parameter}
                for f in self.findings
            ],
        }


@functools.cache
def _patterns() -> tuple[re.Pattern[str], dict[str, FindingKind]]:
    names = standins.load_data().maintenance_categories
    before, _, after = names.incorrect_parameter.partition("{template}")
    incorrect = re.compile(re.escape(before) + "(?P<template>.+?)" + re.escape(after))
    return incorrect, {category: kind for kind, category in names.attribution().items()}


def classify(category: str, sortkey: str | None = None) -> MaintenanceFinding | None:
    """The finding a category stands for (``Category:`` prefix and underscores allowed), else None."""
    name = category.removeprefix("Category:").replace("_", " ").strip()
    incorrect, attribution = _patterns()
    match = incorrect.fullmatch(name)
    if match:
        return MaintenanceFinding("incorrect-parameter", name, match["template"], sortkey or None)
    if name in attribution:
        return MaintenanceFinding(attribution[name], name)
    return None


def findings(categories: Iterable[Mapping[str, Any]]) -> list[MaintenanceFinding]:
    """The findings among the categories an API reply lists: ``action=parse`` ``prop=categories``
    (``category``, ``sortkey``) or ``prop=categories`` of a query (``title``, ``sortkeyprefix``)."""
    found = []
    for entry in categories:
        name = str(entry.get("category") or entry.get("title") or "")
        finding = classify(name, str(entry.get("sortkeyprefix", entry.get("sortkey", ""))) or None)
        if finding is not None:
            found.append(finding)
    return found


def pages_in_maintenance(wiki: Wiki, titles: Iterable[str]) -> dict[str, list[MaintenanceFinding]]:
    """``{title: findings}`` for the given page titles (``File:…``) that are in a maintenance category;
    pages in none are left out. 50 titles per request, as the API allows."""
    result: dict[str, list[MaintenanceFinding]] = {}
    for group in chunked(titles):
        params: dict[str, Any] = {
            "prop": "categories",
            "titles": "|".join(group),
            "clprop": "sortkey|hidden",
            "cllimit": "max",
        }
        by_title: dict[str, list[Mapping[str, Any]]] = {}
        names: dict[str, str] = {}
        while True:
            reply = wiki.api("query", **params)
            query = reply.get("query", {})
            names.update({n["from"]: n["to"] for n in query.get("normalized", [])})
            for page in query.get("pages", {}).values():
                by_title.setdefault(page["title"], []).extend(page.get("categories", []))
            if "continue" not in reply:
                break
            params.update(reply["continue"])
        for title in group:
            found = findings(by_title.get(names.get(title, title), []))
            if found:
                result[title] = found
    return result


def uploaded_in_maintenance(wiki: Wiki, uploaded: Iterable[tuple[str, str]]) -> tuple[MaintenancePage, ...]:
    """The pages among ``uploaded`` (record id, ``File:`` title) that the wiki files into maintenance
    categories, in the order given: what an upload run reports after it has published its files."""
    files = list(uploaded)
    found = pages_in_maintenance(wiki, [title for _, title in files])
    return tuple(
        MaintenancePage(record_id, title, tuple(found[title])) for record_id, title in files if title in found
    )


def rendered_findings(wiki: Wiki, title: str, wikitext: str) -> list[MaintenanceFinding]:
    """The findings for ``wikitext`` as the wiki renders it under ``title``, without saving anything."""
    reply = wiki.api(
        "parse", title=title, text=wikitext, contentmodel="wikitext", prop="categories", formatversion=2
    )
    return findings(reply["parse"].get("categories", []))
