"""File names judged by MediaWiki itself: the sandbox wiki must accept each planned name as a valid title
and store it unchanged (no normalisation), so the planned name is the name the file will get."""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_titles import PATTERN, SMM_CSV

from glamupload.titles import TitleAllocator, build_filename
from glamupload.wiki import Wiki

TRICKY = [
    "fartyg: [Vasa] #1 &amp; co / x.jpg",
    "  many\u00a0\u2003spaces\t\nhere  ",
    "soft\u00adhyphen zero\u200bwidth \u202ebidi\u202c",
    "left\u200e to \u200fright",  # direction marks: the title codec drops them, an upload is badfilename
    "A &#124; B &lt;i&gt; &bogus; %2F ~~~~",
    "e\u0301 ß \u00e5ngare ǆemal ﬁ \uf900",  # not ß first: MediaWiki 1.39 makes it SS, Wikimedia keeps ß
    "emoji \U0001f6a2 ship \U00020000",
    "_leading_and__double__underscores_",
    ":colon first",
    "./relative/../path",
    "x" * 300,
    "ö" * 300,
]


def wiki_names(wiki: Wiki, names: list[str]) -> dict[str, str | None]:
    """For each name: None if the wiki takes ``File:<name>`` as it is, else what it objects to."""
    verdicts: dict[str, str | None] = {}
    for start in range(0, len(names), 50):
        chunk = names[start : start + 50]
        reply = wiki.api("query", titles="|".join(f"File:{name}" for name in chunk), formatversion=2)["query"]
        changed = {entry["from"]: entry["to"] for entry in reply.get("normalized", [])}
        invalid = {
            page["title"]: page.get("invalidreason", "invalid")
            for page in reply["pages"]
            if "invalid" in page
        }
        for name in chunk:
            title = f"File:{name}"
            verdicts[name] = invalid.get(title) or (
                f"normalised to {changed[title]!r}" if title in changed else None
            )
    return verdicts


def test_every_planned_smm_name_and_tricky_name_is_stored_as_planned(uploader: Wiki) -> None:
    with SMM_CSV.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream, delimiter="|"))
    allocator = TitleAllocator(PATTERN, {"accession"})
    names = [
        allocator.allocate(
            row["Identifikationsnr"],
            {"title": row["Benämning"], "institution": row["Samling"], "accession": row["Identifikationsnr"]},
            "jpg",
        )
        for row in rows
    ]
    names += [
        build_filename(PATTERN, {"title": t, "institution": t, "accession": "X 1"}, {"accession"}, "tif")
        for t in TRICKY
    ]
    verdicts = wiki_names(uploader, names)
    assert {name: verdict for name, verdict in verdicts.items() if verdict} == {}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=40))
def test_generated_names_are_stored_as_planned(uploader: Wiki, titles: list[str]) -> None:
    allocator = TitleAllocator("{title} - {accession}", {"accession"})
    names = [
        allocator.allocate(str(i), {"title": t, "accession": f"N {i}"}, "png") for i, t in enumerate(titles)
    ]
    verdicts = wiki_names(uploader, names)
    assert {name: verdict for name, verdict in verdicts.items() if verdict} == {}
