"""The license engine: recognition of every form, both layers (work and reproduction) with their US status,
public-domain dates, assertions, declarations, overrides, reviewers' decisions, and the golden table of rights
cases written from Commons' licensing pages (tests/data/licence-cases.yaml)."""

from __future__ import annotations

import csv
import html
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from mwparserfromhell.nodes import HTMLEntity, Text
from pydantic import ValidationError

from glamupload.errors import ConfigError
from glamupload.licenses import (
    AssertionRule,
    Declaration,
    Facts,
    Flag,
    LayerStatus,
    LicenseRules,
    RightsDeclarations,
    UsStatus,
    Verdict,
    judge,
    judge_value,
    license_wikitext_problem,
    load_overrides,
    load_table,
    reviewed_verdict,
)

YEAR = 2026
TABLE = load_table()
PHOTO = Facts(kind="photo", current_year=YEAR)  # a photograph that is the work: the licence alone decides
CASES_FILE = Path(__file__).resolve().parent / "data" / "licence-cases.yaml"
FREE_TYPES = ("by", "by-sa")
VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
NONFREE_TYPES = ("by-nc", "by-nd", "by-nc-sa", "by-nc-nd")


def uri_forms(path: str) -> list[str]:
    """The ways institutions actually write one creativecommons.org path."""
    forms = []
    for scheme, www, port in itertools.product(("http://", "https://", ""), ("", "www."), ("", ":443")):
        forms.append(f"{scheme}{www}creativecommons.org{port}/{path}/")
    base = f"https://creativecommons.org/{path}"
    forms += [
        base,
        f"{base}/legalcode",
        f"{base}/legalcode.de",
        f"{base}/deed.sv",
        f"{base}/deed.en/",
        f"{base}/?ref=chooser-v1",
        f"{base}/#licensor",
        f"({base}/).",
        f"<{base}/>",
    ]
    return forms


def nonfree_id(kind: str, version: str) -> str:
    # CC 1.0 ordered the elements "by-nd-nc"; from 2.0 on "by-nc-nd".
    return "cc-by-nd-nc-1.0" if (kind, version) == ("by-nc-nd", "1.0") else f"cc-{kind}-{version}"


def nonfree_path(kind: str, version: str) -> str:
    return "licenses/by-nd-nc/1.0" if (kind, version) == ("by-nc-nd", "1.0") else f"licenses/{kind}/{version}"


# --- Creative Commons -------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "version"), list(itertools.product(FREE_TYPES, VERSIONS)))
def test_free_cc_uri_in_every_form_is_accepted_with_its_tag(kind: str, version: str) -> None:
    for form in uri_forms(f"licenses/{kind}/{version}"):
        verdict = judge_value(form, PHOTO)
        assert (verdict.verdict, verdict.license_id, verdict.wikitext) == (
            "accept",
            f"cc-{kind}-{version}",
            f"{{{{cc-{kind}-{version}}}}}",
        ), form
        assert verdict.p6216 == "Q50423863"


@pytest.mark.parametrize(("kind", "version"), list(itertools.product(NONFREE_TYPES, VERSIONS)))
def test_nonfree_cc_uri_in_every_form_is_rejected(kind: str, version: str) -> None:
    for form in uri_forms(nonfree_path(kind, version)):
        verdict = judge_value(form)
        assert (verdict.verdict, verdict.license_id, verdict.wikitext) == (
            "reject",
            nonfree_id(kind, version),
            "",
        ), form


@pytest.mark.parametrize(
    "path",
    [
        "licenses/nc/1.0",
        "licenses/nd/1.0",
        "licenses/nc-sa/1.0",
        "licenses/nd-nc/1.0",
        "licenses/by-nc/",
        "licenses/by-nd/9.9",
    ],
)
def test_other_nonfree_cc_paths_are_rejected(path: str) -> None:
    assert judge_value(f"https://creativecommons.org/{path}/").verdict == "reject"


PORTS = [
    (kind, version, port)
    for version, ports in TABLE.cc_ports.items()
    for port in ports
    for kind in FREE_TYPES
]


@pytest.mark.parametrize(("kind", "version", "port"), PORTS)
def test_jurisdiction_ports_get_the_ported_tag(kind: str, version: str, port: str) -> None:
    for form in (
        f"http://creativecommons.org/licenses/{kind}/{version}/{port}/",
        f"https://www.creativecommons.org/licenses/{kind}/{version}/{port}/deed.en",
        f"https://creativecommons.org/licenses/{kind}/{version}/{port}/legalcode",
    ):
        verdict = judge_value(form, PHOTO)
        assert (verdict.verdict, verdict.license_id, verdict.wikitext) == (
            "accept",
            f"cc-{kind}-{version}-{port}",
            f"{{{{cc-{kind}-{version}-{port}}}}}",
        ), form


def test_examples_from_the_issue() -> None:
    assert (
        judge_value("http://creativecommons.org/licenses/by-sa/3.0/de/", PHOTO).wikitext
        == "{{cc-by-sa-3.0-de}}"
    )
    assert (
        judge_value("https://creativecommons.org/licenses/by/2.5/nl/", PHOTO).wikitext == "{{cc-by-2.5-nl}}"
    )
    assert (
        judge_value("https://creativecommons.org/licenses/by-sa/3.0/igo/", PHOTO).wikitext
        == "{{cc-by-sa-3.0-igo}}"
    )


@pytest.mark.parametrize(
    ("kind", "version", "port"),
    [("by-nc", "3.0", "de"), ("by-nd", "2.5", "nl"), ("by-nc-sa", "3.0", "igo"), ("by-nc-nd", "2.0", "uk")],
)
def test_nonfree_ports_are_rejected(kind: str, version: str, port: str) -> None:
    verdict = judge_value(f"https://creativecommons.org/licenses/{kind}/{version}/{port}/")
    assert (verdict.verdict, verdict.license_id) == ("reject", f"cc-{kind}-{version}")


@pytest.mark.parametrize(
    "uri",
    ["https://creativecommons.org/licenses/by/4.0/de/", "https://creativecommons.org/licenses/by-sa/3.0/xx/"],
)
def test_a_port_that_never_existed_goes_to_review(uri: str) -> None:
    verdict = judge_value(uri)
    assert verdict.verdict == "review"
    assert "port" in verdict.reason


def test_cc0_tool_uri_forms_are_accepted() -> None:
    for form in uri_forms("publicdomain/zero/1.0"):
        verdict = judge_value(form, PHOTO)
        assert (verdict.verdict, verdict.wikitext, verdict.p275, verdict.p6216) == (
            "accept",
            "{{CC0}}",
            "Q6938433",
            "Q88088423",
        ), form


def test_public_domain_mark_is_a_claim_that_needs_dates() -> None:
    for form in uri_forms("publicdomain/mark/1.0"):
        assert judge_value(form, Facts(current_year=YEAR)).verdict == "review", form
        verdict = judge_value(form, Facts(death_year=1850, created=1840, kind="2d", current_year=YEAR))
        assert (verdict.verdict, verdict.license_id) == ("accept", "pdm-1.0"), form
        assert verdict.wikitext == "{{PD-Art|PD-old-auto-expired|deathyear=1850}}"


# --- rightsstatements.org ---------------------------------------------------------------------

RIGHTS_STATEMENTS = {
    # id: (verdict without dates, verdict with dates supporting public domain)
    "InC": ("reject", "reject"),
    "InC-OW-EU": ("reject", "reject"),
    "InC-EDU": ("reject", "reject"),
    "InC-NC": ("reject", "reject"),
    "InC-RUU": ("reject", "reject"),
    "NoC-CR": ("review", "review"),
    "NoC-NC": ("reject", "reject"),
    "NoC-OKLR": ("review", "review"),
    "NoC-US": ("review", "accept"),
    "CNE": ("review", "review"),
    "UND": ("review", "review"),
    "NKC": ("review", "accept"),
}
PD_FACTS = Facts(death_year=1880, created=1870, published=1875, kind="2d", current_year=YEAR)


@pytest.mark.parametrize("statement", sorted(RIGHTS_STATEMENTS))
@pytest.mark.parametrize(
    "form",
    [
        "http://rightsstatements.org/vocab/{}/1.0/",
        "https://rightsstatements.org/vocab/{}/1.0/",
        "http://rightsstatements.org/page/{}/1.0/",
        "http://rightsstatements.org/page/{}/1.0/?language=en",
        "rightsstatements.org/vocab/{}/1.0",
    ],
)
def test_all_twelve_rightsstatements(statement: str, form: str) -> None:
    without, with_dates = RIGHTS_STATEMENTS[statement]
    uri = form.format(statement)
    plain = judge_value(uri, Facts(current_year=YEAR))
    dated = judge_value(uri, PD_FACTS)
    assert (plain.verdict, dated.verdict) == (without, with_dates)
    assert plain.license_id == dated.license_id == f"rs-{statement}"
    assert plain.reason and dated.reason
    if with_dates == "accept":
        assert dated.wikitext == "{{PD-Art|PD-old-auto-expired|deathyear=1880}}"


def test_table_has_exactly_the_twelve_statements() -> None:
    assert {e.id for e in TABLE.licenses if e.id.startswith("rs-")} == {f"rs-{s}" for s in RIGHTS_STATEMENTS}


# --- free text ----------------------------------------------------------------------------------

FREE_TEXT = [
    ("CC BY-SA 4.0", "accept", "cc-by-sa-4.0"),
    ("cc by sa 4.0", "accept", "cc-by-sa-4.0"),
    ("CC-BY-SA-3.0", "accept", "cc-by-sa-3.0"),
    ("CC BY 4.0", "accept", "cc-by-4.0"),
    ("CC-BY 2.0", "accept", "cc-by-2.0"),
    ("Creative Commons Attribution 4.0 International", "accept", "cc-by-4.0"),
    ("Creative Commons Attribution-ShareAlike 3.0 Unported", "accept", "cc-by-sa-3.0"),
    ("Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)", "accept", "cc-by-sa-4.0"),
    ("CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)", "accept", "cc-by-4.0"),
    ("CC0", "accept", "cc0-1.0"),
    ("CC0 1.0 Universal (CC0 1.0) Public Domain Dedication", "accept", "cc0-1.0"),
    ("Creative Commons Zero", "accept", "cc0-1.0"),
    ("© Sjöhistoriska museet, CC BY-SA 4.0", "accept", "cc-by-sa-4.0"),
    ("CC-BY", "review", "cc-by"),
    ("CC BY-SA", "review", "cc-by-sa"),
    ("CC BY 4.0 or CC BY-SA 4.0", "review", None),
    ("Creative Commons Attribution-NonCommercial 4.0 International", "reject", "cc-by-nc-4.0"),
    ("Attribution - Non Commercial 4.0 (CC BY-NC 4.0)", "reject", "cc-by-nc-4.0"),
    ("Namensnennung - Nicht kommerziell 4.0", "reject", "noncommercial"),
    ("CC BY-ND 4.0", "reject", "cc-by-nd-4.0"),
    ("CC BY-NC-SA 3.0", "reject", "cc-by-nc-sa-3.0"),
    ("Creative Commons Attribution-NoDerivatives 4.0", "reject", "cc-by-nd-4.0"),
    ("For personal use only", "reject", "noncommercial"),
    ("All rights reserved", "reject", "rights-reserved"),
    ("CC BY 4.0. All rights reserved.", "reject", "rights-reserved"),
    ("© 2019 Museum X", "reject", "copyright-notice"),
    ("(c) 2019 Museum X", "reject", "copyright-notice"),
    ("Copyright 2019 Museum X", "reject", "copyright-notice"),
    ("Copyrighted", "reject", "copyright-notice"),
    ("In Copyright", "reject", "rs-InC"),
    ("In Copyright - Educational Use Permitted", "reject", "rs-InC"),
    ("Public domain", "review", "public-domain"),
    ("PD", "review", "public-domain"),
    ("Copyright expired", "review", "public-domain"),
    ("No known copyright restrictions", "review", "rs-NKC"),
    ("Public Domain Mark 1.0", "review", "pdm-1.0"),
    ("Copyright Not Evaluated", "review", "rs-CNE"),
    ("Urheberrecht", "review", None),
    ("", "review", None),
    # a port written by name is the port, as its URI would be (not the unported licence)
    ("CC BY-SA 3.0 DE", "accept", "cc-by-sa-3.0-de"),
    ("CC BY-SA 2.5 SE, Foto: Anna Berg", "accept", "cc-by-sa-2.5-se"),
    ("CC BY-SA 3.0 (DE)", "accept", "cc-by-sa-3.0-de"),
    ("CC BY-SA 3.0 de Museo del Prado", "accept", "cc-by-sa-3.0"),  # Spanish "of", not Germany
    ("CC BY 4.0 DE", "review", "unknown"),  # 4.0 has no ports
    # a port written by its country's name, as by its code (helper 26: the unported tag named another licence)
    ("CC BY 3.0 Deutschland", "accept", "cc-by-3.0-de"),
    ("CC BY-SA 3.0 Österreich", "accept", "cc-by-sa-3.0-at"),
    ("CC BY 2.5 Sverige", "accept", "cc-by-2.5-se"),
    ("CC BY-SA 2.0 (Germany)", "accept", "cc-by-sa-2.0-de"),
]

#: A condition written beside a free licence: the licence is then not all that applies.
CONDITIONS = [
    "CC BY-SA 4.0, ej kommersiellt bruk",
    "CC BY 4.0 (no commercial use)",
    "CC BY 4.0 (keine kommerzielle Nutzung)",
    "CC BY 4.0, pas d'utilisation commerciale",
    "CC BY 4.0 personal use only",
    "CC BY-SA 4.0 (educational use only)",
    "CC BY 4.0 - no modifications allowed",
    "CC BY-SA 4.0 Får ej bearbetas",
    "CC BY 4.0 - Bearbeitungen nicht gestattet",
    "Not CC BY 4.0",
    "Ej CC BY 4.0",
    "Public domain, for research only",
    # a copyright notice names the holder of the licence; the condition beside both still counts
    "© Sjöhistoriska museet, CC BY 4.0, ej kommersiellt bruk",
    "(c) Museum Folkwang, CC BY-SA 4.0, no modifications",
]

#: A collecting society (VG Bild-Kunst, BUS, ADAGP, …) manages the rights of works in copyright; a free
#: licence beside it is likely the photograph's only.
SOCIETIES = [
    "https://creativecommons.org/licenses/by-sa/4.0/ Urheberrecht VG Bild-Kunst",
    "CC BY-SA 4.0, © VG Bild-Kunst, Bonn 2015",
    "CC BY 4.0 © BUS 2015",
    "CC0 1.0 / © ADAGP, Paris",
    "CC BY 4.0, Bildrecht Wien",
    "© Pro Litteris, CC BY 4.0",
    "CC BY 4.0 © ARS, New York",
    "CC BY 4.0 © Bild-Kunst",
]


@pytest.mark.parametrize(
    ("text", "license_id"),
    [
        ("Except where otherwise noted, content on this site is licensed under CC BY 4.0", "cc-by-4.0"),
        ("CC BY 4.0, photo: Bus Company Ltd", "cc-by-4.0"),
        ("CC BY 4.0, digitised pro bono", "cc-by-4.0"),
        ("CC0, konstnären dog 1850", "cc0-1.0"),
    ],
)
def test_words_beside_a_license_that_are_no_condition_leave_it_accepted(text: str, license_id: str) -> None:
    result = judge_value(text, PHOTO)
    assert (result.verdict, result.license_id) == ("accept", license_id)


@pytest.mark.parametrize(
    "text", ["© Sjöhistoriska museet, ej kommersiellt bruk", "© the artist", "© VG Bild-Kunst, Bonn 2015"]
)
def test_a_copyright_notice_with_no_free_license_stays_rejected(text: str) -> None:
    assert judge_value(text, PHOTO).verdict == "reject"


#: The work shown named as protected, or left out of the licence: the licence is the photograph's only.
WORK_NAMED = [
    "CC BY-SA 4.0 (the artwork itself is copyrighted by the artist)",
    "CC BY 4.0 - the depicted work is protected",
    "CC0 1.0 (Foto); Werk: geschützt",
    "CC BY 4.0 except the artwork",
    "CC BY 4.0; Rechte am Werk: Künstlerin",
    "CC BY 4.0 Copyright of the artwork: the artist's heirs",
    "CC BY-SA 4.0 utom det avbildade konstverket",
    # near variants (helper 27)
    "CC BY 4.0 (photo); artwork © Jane Doe",
    "CC BY 4.0 with the exception of the artwork",
    "CC BY 4.0 förutom konstverket",
    "CC BY 4.0 mit Ausnahme des Werks",
    "CC BY 4.0, urheberrechtsgeschützt",
    "CC0, upphovsrättsskyddat",
    "CC BY 4.0, œuvre protégée",
    "CC BY 4.0, applies to the photograph, not the work shown",
]


BESIDE_A_LICENSE = [
    *((text, "condition", "names a condition beside the license") for text in CONDITIONS),
    *((text, "collecting-society", "names a collecting society") for text in SOCIETIES),
    *((text, "work-named", "the license may be the photograph's only") for text in WORK_NAMED),
]


@pytest.mark.parametrize(("text", "entry", "said"), BESIDE_A_LICENSE)
def test_what_is_written_beside_a_free_license_sends_it_to_review(text: str, entry: str, said: str) -> None:
    result = judge_value(text, Facts(death_year=1850, created=1840, kind="photo", current_year=YEAR))
    assert (result.verdict, result.license_id) == ("review", entry)
    assert said in result.reason and "(found '" in result.reason
    assert not result.wikitext


def test_a_collecting_society_in_the_works_statement_holds_a_free_scan() -> None:
    """The case found: a CC0 scan of a painting whose own statement is "CC BY-SA … VG Bild-Kunst"."""
    result = judge_value(
        "CC0",
        Facts(kind="2d", current_year=YEAR),
        work_rights=["https://creativecommons.org/licenses/by-sa/4.0/ Urheberrecht VG Bild-Kunst"],
    )
    assert (result.verdict, result.license_id) == ("review", "collecting-society")


def test_a_copyright_notice_still_names_the_holder_of_a_free_license() -> None:
    result = judge_value("© Sjöhistoriska museet, CC BY 4.0", PHOTO)
    assert (result.verdict, result.license_id) == ("accept", "cc-by-4.0")


@pytest.mark.parametrize(("text", "verdict", "license_id"), FREE_TEXT)
def test_free_text_forms(text: str, verdict: str, license_id: str | None) -> None:
    result = judge_value(text, PHOTO)
    assert (result.verdict, result.license_id) == (verdict, license_id)
    assert result.reason
    assert bool(result.wikitext) == (verdict == "accept")


@pytest.mark.parametrize(
    "text", ["Public domain", "No known copyright restrictions", "Copyright expired", "PD"]
)
def test_public_domain_text_is_accepted_when_dates_support_it(text: str) -> None:
    verdict = judge_value(text, Facts(death_year=1890, published=1890, kind="photo", current_year=YEAR))
    assert (verdict.verdict, verdict.wikitext, verdict.p6216) == (
        "accept",
        "{{PD-old-auto-expired|deathyear=1890}}",
        "Q19652",
    )


# --- public-domain dates (year pinned to 2026) -------------------------------------------------


@pytest.mark.parametrize(
    ("published", "verdict"), [(1929, "accept"), (1930, "accept"), (1931, "review"), (1950, "review")]
)
def test_us_rule_published_before_1_january_of_current_year_minus_95(published: int, verdict: str) -> None:
    # died 1940: not yet public domain at home on 1 January 1996, so PD-1996 cannot help
    result = judge_value(
        "Public domain", Facts(death_year=1940, published=published, kind="photo", current_year=YEAR)
    )
    assert result.verdict == verdict
    if verdict == "review":
        assert "1 January 1931" in result.reason and result.work.rule == "us-not-shown"
    else:
        assert result.work.us.status == "public-domain" and "before 1 January 1931" in result.work.us.rule


@pytest.mark.parametrize(("death_year", "verdict"), [(1925, "accept"), (1926, "review")])
def test_pd_1996_public_domain_at_home_on_1_january_1996(death_year: int, verdict: str) -> None:
    result = judge_value(
        "Public domain",
        Facts(death_year=death_year, published=1960, kind="photo", country="SE", current_year=YEAR),
    )
    assert result.verdict == verdict
    if verdict == "accept":
        assert result.wikitext == f"{{{{PD-old-auto-1996|deathyear={death_year}}}}}"
        assert "PD-1996" in result.work.us.rule


@pytest.mark.parametrize(("death_year", "verdict"), [(1954, "accept"), (1955, "accept"), (1956, "review")])
def test_source_country_rule_pma_70(death_year: int, verdict: str) -> None:
    result = judge_value(
        "Public domain",
        Facts(death_year=death_year, published=1920, country="SE", kind="photo", current_year=YEAR),
    )
    assert result.verdict == verdict


@pytest.mark.parametrize(
    ("country", "death_year", "verdict"),
    [
        ("MX", 1925, "accept"),
        ("MX", 1926, "review"),
        ("mx", 1926, "review"),
        ("CO", 1945, "accept"),
        ("CO", 1946, "review"),
    ],
)
def test_source_country_terms_come_from_the_table(country: str, death_year: int, verdict: str) -> None:
    result = judge_value(
        "Public domain",
        Facts(death_year=death_year, published=1920, country=country, kind="photo", current_year=YEAR),
    )
    assert result.verdict == verdict


def test_the_cut_off_moves_with_the_clock_year() -> None:
    facts = Facts(death_year=1940, published=1931, kind="photo")
    assert judge_value("Public domain", Facts(**{**facts.__dict__, "current_year": 2026})).verdict == "review"
    assert judge_value("Public domain", Facts(**{**facts.__dict__, "current_year": 2027})).verdict == "accept"


def test_current_year_defaults_to_the_clock() -> None:
    import datetime

    assert Facts().current_year == datetime.datetime.now(datetime.UTC).year


def test_creation_year_stands_in_for_a_missing_publication_year() -> None:
    ok = judge_value("Public domain", Facts(death_year=1900, created=1890, kind="photo", current_year=YEAR))
    assert ok.verdict == "accept" and "created 1890" in ok.reason
    late = judge_value("Public domain", Facts(death_year=1950, created=1940, kind="photo", current_year=YEAR))
    assert late.verdict == "review" and "created 1940" in late.reason


@pytest.mark.parametrize(
    ("facts", "words"),
    [
        (Facts(death_year=1990, published=1920, kind="photo", current_year=YEAR), "died 1990"),
        (Facts(published=1920, kind="photo", current_year=YEAR), "no death year"),
        (Facts(kind="photo", current_year=YEAR), "no creation or publication year"),
        (Facts(death_year=1900, created=1890, published=1880, kind="photo", current_year=YEAR), "contradict"),
        (Facts(death_year=1850, created=1890, kind="photo", current_year=YEAR), "after the creator died"),
        (Facts(death_year=2030, created=1890, kind="photo", current_year=YEAR), "future"),
        (Facts(death_year=1850, created=1840, current_year=YEAR), "kind of file is not given"),
    ],
)
def test_public_domain_claims_the_dates_do_not_support_go_to_review_with_the_reason(
    facts: Facts, words: str
) -> None:
    verdict = judge_value("Public domain", facts)
    assert verdict.verdict == "review"
    assert words in verdict.reason
    assert verdict.wikitext == ""


# --- 2D / 3D -------------------------------------------------------------------------------------


def test_2d_reproductions_are_wrapped_in_pd_art() -> None:
    verdict = judge_value("Public domain", Facts(death_year=1890, created=1880, kind="2d", current_year=YEAR))
    assert verdict.wikitext == "{{PD-Art|PD-old-auto-expired|deathyear=1890}}"


@pytest.mark.parametrize(
    ("created", "sought", "verdict", "rule"),
    [
        (1903, True, "accept", "pd-old-assumed"),  # the death date was looked for and is not known
        (1903, False, "review", "death-year-not-sought"),  # nobody looked: Picasso's 1903 is not PD
        (1800, False, "accept", "unknown-author"),  # whoever made it cannot have lived 70 years more
        (1960, False, "review", "us-not-shown"),
    ],
)
def test_pd_old_assumed_needs_a_crosswalk_that_reads_death_years(
    created: int, sought: bool, verdict: str, rule: str
) -> None:
    facts = Facts(created=created, kind="2d", current_year=YEAR, death_year_sought=sought)
    result = judge_value("Public domain", facts)
    assert (result.verdict, result.work.rule) == (verdict, rule)
    if rule == "death-year-not-sought":
        assert "the crosswalk reads none (rights.facts.death_year)" in result.reason


def test_photos_of_3d_objects_need_the_photographs_own_license() -> None:
    facts = Facts(death_year=1890, created=1880, kind="3d", current_year=YEAR)
    missing = judge_value("Public domain", facts)
    assert missing.verdict == "review" and "needs its own licence" in missing.reason
    assert (missing.work.status, missing.reproduction.rule) == ("public-domain", "photo-needs-licence")
    free = judge("https://creativecommons.org/licenses/by-sa/4.0/", facts=facts, work_rights="Public domain")
    assert free.verdict == "accept"
    assert free.wikitext == (
        "{{Art Photo|artwork license={{PD-old-auto-expired|deathyear=1890}}|photo license={{cc-by-sa-4.0}}}}"
    )
    assert judge("CC BY-NC 4.0", facts=facts, work_rights="Public domain").verdict == "reject"
    assert judge("© photographer", facts=facts, work_rights="Public domain").verdict == "reject"


def test_the_issue_3d_example_is_no_longer_accepted() -> None:
    """`license "…/by/4.0/" --kind 3d` once said ACCEPT {{cc-by-4.0}}: nothing said the object is free."""
    verdict = judge_value("https://creativecommons.org/licenses/by/4.0/", Facts(kind="3d", current_year=YEAR))
    assert verdict.verdict == "review" and verdict.wikitext == ""
    assert (verdict.work.status, verdict.reproduction.status) == ("unknown", "licensed")


# --- image rights vs record rights ---------------------------------------------------------------


def test_image_rights_win_over_record_rights() -> None:
    verdict = judge("CC BY 4.0", "http://rightsstatements.org/vocab/InC/1.0/", PHOTO)
    assert (verdict.verdict, verdict.license_id, verdict.basis) == ("accept", "cc-by-4.0", "image rights")
    assert "record's own rights statement is not used" in verdict.reason
    verdict = judge("CC BY-NC 4.0", "CC0", PHOTO)
    assert (verdict.verdict, verdict.basis) == ("reject", "image rights")


def test_record_rights_alone_never_make_a_file_acceptable() -> None:
    verdict = judge(None, "https://creativecommons.org/publicdomain/zero/1.0/", PHOTO)
    assert (verdict.verdict, verdict.basis, verdict.wikitext) == ("review", "none", "")
    assert "speak only of the metadata" in verdict.reason
    assert judge([], ["", "CC BY-SA 4.0"], PHOTO).verdict == "review"


def test_record_rights_cover_the_images_only_when_declared_with_a_reason() -> None:
    declared = RightsDeclarations(
        record_covers_images=Declaration(reason="the museum's README: images are CC0")
    )
    verdict = judge(None, "CC0", PHOTO, declarations=declared)
    assert (verdict.verdict, verdict.wikitext, verdict.basis) == ("accept", "{{CC0}}", "record rights")
    assert [f.kind for f in verdict.flags] == ["record-rights-cover-images"]
    assert "README" in verdict.flags[0].text
    with pytest.raises(ValidationError, match="reason"):
        RightsDeclarations.model_validate({"record_covers_images": "yes"})
    with pytest.raises(ValidationError, match="Field required"):
        RightsDeclarations.model_validate({"holds_work_rights": {}})


def test_holding_the_works_rights_is_a_flagged_declaration() -> None:
    facts = Facts(kind="3d", created=1990, current_year=YEAR)
    assert judge("CC BY 4.0", facts=facts).verdict == "review"
    holds = RightsDeclarations.model_validate({"holds_work_rights": "the sculptor's estate gave all rights"})
    verdict = judge("CC BY 4.0", facts=facts, declarations=holds, attribution="Museum X")
    assert (verdict.verdict, verdict.wikitext) == ("accept", "{{cc-by-4.0|1=Museum X}}")
    assert (verdict.work.rule, verdict.work.holder) == ("holds-work-rights", "Museum X")
    assert [f.kind for f in verdict.flags] == ["holds-work-rights"]


def test_no_rights_at_all_is_review() -> None:
    verdict = judge(None, None)
    assert verdict.verdict == "review" and verdict.wikitext == ""


def test_repeated_values_are_judged_together() -> None:
    assert (
        judge(["CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"], facts=PHOTO).verdict == "accept"
    )
    assert judge(["CC BY 4.0", "Non-commercial use only"], facts=PHOTO).verdict == "reject"


# --- institution labels and assertion rules (the SMM export) -------------------------------------

SMM_RULES = LicenseRules.model_validate(
    {
        "labels": {"Erkännande-Dela lika": "cc-by-sa-3.0"},
        "attribution": "Sjöhistoriska museet",
        "rules": [
            {
                "label": "Utgången skyddstid",
                "when": {"kind": ["photo"], "created_before": 1969},
                "wikitext": "{{PD-Sweden-photo}}{{PD-1996}}",
            },
        ],
    }
)


def test_smm_label_maps_to_cc_by_sa_3_0_with_attribution() -> None:
    verdict = judge("Erkännande-Dela lika", facts=PHOTO, rules=SMM_RULES)
    assert (verdict.verdict, verdict.license_id) == ("accept", "cc-by-sa-3.0")
    assert verdict.wikitext == "{{cc-by-sa-3.0|1=Sjöhistoriska museet}}"
    per_record = judge("erkännande-dela  lika", facts=PHOTO, rules=SMM_RULES, attribution="Vasamuseet")
    assert per_record.wikitext == "{{cc-by-sa-3.0|1=Vasamuseet}}"


def test_attribution_from_metadata_cannot_inject_markup() -> None:
    for facts in (PHOTO, Facts(kind="2d", death_year=1850, created=1840, current_year=YEAR)):
        verdict = judge("CC BY 4.0", facts=facts, attribution="X}}{{Delete|reason=[[spam]]}}|<script>")
        (template,) = mwparserfromhell.parse(verdict.wikitext).filter_templates(recursive=False)
        key = "1" if facts.kind == "photo" else "attribution"
        value = template.get(key).value
        assert all(isinstance(node, (Text, HTMLEntity)) for node in value.nodes)
        assert html.unescape(str(value)) == "X}}{{Delete|reason=[[spam]]}}|<script>"


@pytest.mark.parametrize(
    ("facts", "verdict", "wikitext"),
    [
        (Facts(kind="photo", created=1935, current_year=YEAR), "accept", "{{PD-Sweden-photo}}{{PD-1996}}"),
        (Facts(kind="photo", created=1968, current_year=YEAR), "accept", "{{PD-Sweden-photo}}{{PD-1996}}"),
        (Facts(kind="photo", created=1969, current_year=YEAR), "review", ""),
        (Facts(kind="photo", current_year=YEAR), "review", ""),
        (
            Facts(kind="2d", created=1880, current_year=YEAR),
            "accept",
            "{{PD-Art|PD-old-assumed}}{{PD-US-expired}}",
        ),
        (Facts(kind="2d", created=1906, current_year=YEAR), "review", ""),
        (Facts(kind="3d", created=1700, current_year=YEAR), "review", ""),
        (Facts(created=1700, current_year=YEAR), "review", ""),
    ],
)
def test_smm_copyright_expired_label(facts: Facts, verdict: str, wikitext: str) -> None:
    result = judge("Utgången skyddstid", facts=facts, rules=SMM_RULES)
    assert (result.verdict, result.wikitext) == (verdict, wikitext)
    assert "Utgången skyddstid" in result.reason or result.work.rule == "pd-old-assumed"


def test_assertion_outside_conditions_says_which_condition_failed() -> None:
    result = judge(
        "Utgången skyddstid", facts=Facts(kind="photo", created=1975, current_year=YEAR), rules=SMM_RULES
    )
    assert "created 1975, needs before 1969" in result.reason
    result = judge("Utgången skyddstid", facts=Facts(kind="2d", current_year=YEAR), rules=SMM_RULES)
    assert "kind is 2d, needs photo" in result.reason


def test_assertion_without_the_needed_year_names_it() -> None:
    result = judge("Utgången skyddstid", facts=PHOTO, rules=SMM_RULES)
    assert result.verdict == "review" and "no creation year in the record" in result.reason


@pytest.mark.parametrize(("death_year", "verdict"), [(1955, "accept"), (1956, "review"), (None, "review")])
def test_assertion_on_the_creators_death_year(death_year: int | None, verdict: str) -> None:
    rules = LicenseRules.model_validate(
        {
            "rules": [
                {
                    "label": "Copyright expired",
                    "when": {"died_years_ago": 71},
                    "wikitext": "{{PD-old-70}}{{PD-US-expired}}",
                }
            ]
        }
    )
    facts = Facts(death_year=death_year, kind="photo", current_year=YEAR)
    result = judge("Copyright expired", facts=facts, rules=rules)
    assert result.verdict == verdict
    if verdict == "accept":
        assert (result.basis, result.wikitext) == ("institution assertion", "{{PD-old-70}}{{PD-US-expired}}")
        assert [f.kind for f in result.flags] == ["institution-assertion"]


def test_a_2d_assertion_is_wrapped_for_its_reproduction() -> None:
    rules = LicenseRules.model_validate(
        {"rules": [{"label": "Fri", "when": {"kind": ["2d"]}, "wikitext": "{{PD-old-70}}{{PD-US-expired}}"}]}
    )
    plain = judge("Fri", facts=Facts(kind="2d", current_year=YEAR), rules=rules)
    assert plain.wikitext == "{{PD-Art|PD-old-70}}{{PD-US-expired}}"
    assert (plain.work.rule, plain.reproduction.rule) == ("institution-rule", "faithful-2d")


def test_an_assertion_never_overrides_a_nonfree_statement_in_the_same_value() -> None:
    result = judge(
        ["Utgången skyddstid", "CC BY-NC 4.0"], facts=Facts(kind="photo", created=1935), rules=SMM_RULES
    )
    assert result.verdict == "reject"


def test_crosswalk_declarations_are_validated() -> None:
    with pytest.raises(ValidationError, match="did you mean 'cc-by-sa-3.0'"):
        LicenseRules.model_validate({"labels": {"Erkännande-Dela lika": "cc-by-sa-3.O"}})
    with pytest.raises(ValidationError, match="cannot accept"):
        AssertionRule.model_validate({"label": "x", "wikitext": "{{cc-by-nc-4.0}}"})
    with pytest.raises(ValidationError, match="template"):
        AssertionRule.model_validate({"label": "x", "wikitext": "PD-old-70 [[Category:X]]"})
    with pytest.raises(ValidationError, match="Extra inputs"):
        LicenseRules.model_validate(
            {"rules": [{"label": "x", "wikitext": "{{PD-old-70-expired}}", "when": {"knd": []}}]}
        )
    with pytest.raises(ValidationError, match="wraps them for the reproduction"):
        AssertionRule.model_validate({"label": "x", "wikitext": "{{PD-Art|PD-old-70-expired}}"})


@pytest.mark.parametrize(
    ("wikitext", "add"),
    [
        ("{{PD-Sweden-photo}}", "{{PD-1996}}"),
        ("{{PD-old-70}}", "{{PD-US-expired}} (published before 1 January 1931)"),
        ("{{PD-old-assumed}}", "{{PD-US-expired}}"),
        ("{{PD-old-auto|deathyear=1900}}", "{{PD-old-auto-expired|deathyear=…}}"),
        ("{{PD-Art|PD-old-70}}", "{{PD-US-expired}}"),
        ("{{PD-Art}}", "{{PD-US-expired}}"),
        ("{{Licensed-PD-Art|PD-old-70|cc-by-4.0}}", "{{PD-US-expired}}"),
        ("{{Art Photo|artwork license={{PD-old-70}}|photo license={{CC0}}}}", "{{PD-US-expired}}"),
        ("{{PD-Nowhere}}", "{{PD-1996}}"),
    ],
)
def test_a_public_domain_tag_without_us_status_is_refused_with_the_tag_to_add(
    wikitext: str, add: str
) -> None:
    problem = license_wikitext_problem(wikitext, year=YEAR)
    assert problem is not None and "gives no US status" in problem and add in problem
    with pytest.raises(ValidationError, match="gives no US status"):
        AssertionRule.model_validate({"label": "x", "wikitext": wikitext})


@pytest.mark.parametrize(
    "wikitext",
    [
        "{{PD-Sweden-photo}}{{PD-1996}}",
        "{{PD-old-70}}{{PD-US-expired}}",
        "{{PD-old-auto-expired|deathyear=1900}}",
        "{{PD-Art|PD-old-auto-expired|deathyear=1900}}",
        "{{Licensed-PD-Art|PD-old-auto-expired|cc-by-4.0|deathyear=1900}}",
        "{{Art Photo|artwork license={{PD-old-assumed}}{{PD-US-expired}}|photo license={{cc-by-4.0}}}}",
        "{{PD-Nowhere}}{{PD-US-expired}}",
        "{{cc-by-sa-4.0}}",
        "{{Copyrighted free use}}",
    ],
)
def test_tags_with_a_us_status_pass(wikitext: str) -> None:
    assert license_wikitext_problem(wikitext, year=YEAR) is None


def test_every_tag_the_engine_writes_is_described_with_its_commons_page() -> None:
    written = TABLE.public_domain.tags.model_dump().values()
    assert set(written) <= {tag.name for tag in TABLE.commons_tags}
    assert all(tag.doc for tag in TABLE.commons_tags)


# --- the SMM export, as the crosswalk plans it ------------------------------------------------------


def test_smm_export_every_record_gets_a_two_layer_verdict() -> None:
    """The real SMM export: no photo of an object accepted without the object's own status proven."""
    path = (
        Path(__file__).resolve().parents[1] / "examples" / "smm" / "Exportlista Wikimedia v5-2015-09-07.csv"
    )
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="|"))[1:]
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        kind = "photo" if row[1] == "Foto" else "3d"
        date = row[13] if kind == "photo" else row[14]
        year = int(date[:4]) if date[:4].isdigit() else None
        facts = Facts(kind=kind, created=year, current_year=YEAR)
        verdict = judge(row[24], facts=facts, rules=SMM_RULES, attribution=row[25])
        counts[(verdict.verdict, verdict.wikitext.split("|")[0].split("}")[0].strip("{"))] += 1
        assert verdict.reason
        if kind == "3d" and verdict.accepted:
            assert verdict.wikitext.startswith("{{Art Photo|artwork license={{PD-")
    assert sum(counts.values()) == 597
    assert counts[("accept", "cc-by-sa-3.0")] == 9  # the photographs, which are their own work
    assert {w for (v, w) in counts if v == "accept"} == {"cc-by-sa-3.0", "PD-Sweden-photo", "Art Photo"}


# --- overrides and reviewers' decisions --------------------------------------------------------------


def test_overrides_from_yaml_apply_with_basis_override(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "overrides": [
                    {
                        "record_id": "Fo133506",
                        "wikitext": "{{PD-Sweden-photo}}{{PD-1996}}",
                        "reviewer": "Anna",
                        "reason": "photo dated 1930s by the curator",
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    overrides = load_overrides(path)
    verdict = judge("Utgången skyddstid", facts=PHOTO, rules=SMM_RULES, override=overrides["Fo133506"])
    assert (verdict.verdict, verdict.wikitext, verdict.basis) == (
        "accept",
        "{{PD-Sweden-photo}}{{PD-1996}}",
        "override",
    )
    assert "Anna" in verdict.reason and "the table said review" in verdict.reason
    assert [f.kind for f in verdict.flags] == ["reviewer-decision"]


def test_overrides_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(
        "record_id,wikitext,reviewer,reason\n"
        'O 04929,{{PD-Art|PD-old-auto-expired|deathyear=1908}},Per,"artist died 1908, checked in KulturNav"\n'
        "S 3053,{{Copyrighted free use}},Per,the museum's own photograph\n",
        encoding="utf-8",
    )
    overrides = load_overrides(path)
    assert overrides["O 04929"].wikitext == "{{PD-Art|PD-old-auto-expired|deathyear=1908}}"
    assert overrides["S 3053"].reviewer == "Per"


@pytest.mark.parametrize(
    ("content", "line", "column", "words"),
    [
        ("record_id,wikitext,reviewer,reason\nA,{{CC0}},,why\n", 2, "reviewer", "row 1, column 'reviewer'"),
        (
            "record_id,wikitext,reviewer,reason\nA,{{CC0}},x,y\nB,{{cc-by-nc-4.0}},x,y\n",
            3,
            "wikitext",
            "row 2, column 'wikitext': .* cannot accept",
        ),
        (
            'record_id,wikitext,reviewer,reason\nA,{{CC0}},x,"two\nlines"\nB,{{PD-old-70}},x,y\n',
            4,
            "wikitext",
            "row 2, column 'wikitext': {{PD-old-70}} gives no US status: add {{PD-US-expired}}",
        ),
        (
            "record_id,wikitext,reviewer,reason\nA,{{CC0}},x,y\nA,{{CC0}},x,y\n",
            3,
            "record_id",
            "second override",
        ),
        ("record_id,wikitext,reason\nA,{{CC0}},y\n", 1, "reviewer", "no column 'reviewer'"),
        ("record_id,wikitext,reviewer,reason\nA,free!,x,y\n", 2, "wikitext", "template"),
        # tags that say the file is not free, or ask for its deletion, beside a free one
        (
            "record_id,wikitext,reviewer,reason\nA,{{PD-Art|PD-old-100-expired}}{{Fair use}},x,y\n",
            2,
            "wikitext",
            "not free",
        ),
        ("record_id,wikitext,reviewer,reason\nA,{{cc-by-4.0}}{{copyvio|x}},x,y\n", 2, "wikitext", "deletion"),
        # an unquoted comma in the reason: the rest of it was dropped, silently
        (
            "record_id,wikitext,reviewer,reason\nA,{{CC0}},x,died 1908, checked in KulturNav\n",
            2,
            None,
            "5 values for 4",
        ),
        # a NUL (or other control character) inside the tag broke the page it was written into
        ("record_id,wikitext,reviewer,reason\nA,{{CC0\x00}},x,y\n", 2, "wikitext", "template"),
    ],
)
def test_bad_overrides_name_the_row_and_the_column(
    tmp_path: Path, content: str, line: int, column: str, words: str
) -> None:
    path = tmp_path / "overrides.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=words) as info:
        load_overrides(path)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, column)


def test_bad_yaml_override_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(
        "overrides:\n  - record_id: A\n    wikitext: '{{CC0}}'\n    reviewer: x\n    reason: y\n"
        "  - record_id: B\n    wikitext: '{{CC0}}'\n    reviewr: x\n    reason: y\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_overrides(path)
    # the misspelt key is named on its own line, with the valid name suggested
    assert info.value.line == 8
    assert "unknown key 'reviewr'" in str(info.value) and "did you mean 'reviewer'" in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        "overrides:\n  A: {wikitext: '{{CC0}}', reviewer: x, reason: y}\n",  # a mapping, not a list
        "- record_id: A\n",
        "overides: []\n",
    ],
)
def test_a_wrongly_shaped_overrides_file_says_what_the_shape_is(tmp_path: Path, content: str) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match="'overrides:'|mapping of keys") as info:
        load_overrides(path)
    assert "valid tuple" not in str(info.value)


def test_a_reviewers_decision_is_an_accepted_verdict_validated_like_the_table() -> None:
    before = judge_value("CC BY 4.0", Facts(kind="3d", current_year=YEAR))
    verdict = reviewed_verdict(
        "{{Art Photo|artwork license={{PD-old-70-expired}}|photo license={{cc-by-4.0}}}}",
        "the model is dated 1780 in the museum's register",
        "Anna",
        previous=before,
    )
    assert verdict.accepted and verdict.basis == "override"
    assert (verdict.work.status, verdict.reproduction.status) == ("public-domain", "licensed")
    assert "the table said review" in verdict.reason
    assert verdict.flags == (
        Flag("reviewer-decision", "accepted by Anna: the model is dated 1780 in the museum's register"),
    )
    assert Verdict.from_dict(json.loads(json.dumps(verdict.to_dict()))) == verdict
    for wikitext, words in (
        ("{{cc-by-nc-4.0}}", "cannot accept"),
        ("{{PD-old-70}}", "gives no US status"),
        ("free", "template"),
    ):
        with pytest.raises(ConfigError, match=words) as info:
            reviewed_verdict(wikitext, "a reason", "Anna")
        assert info.value.field == "wikitext"
    with pytest.raises(ConfigError, match="needs a reviewer"):
        reviewed_verdict("{{CC0}}", "a reason", " ")


# --- verdict shape --------------------------------------------------------------------------------


def test_to_dict_has_the_cli_keys_and_both_layers() -> None:
    data = judge_value("CC BY 4.0", PHOTO).to_dict()
    assert {"verdict", "license_id", "wikitext", "reason", "basis", "p275", "p6216"} <= set(data)
    assert data["work"]["status"] == "licensed" and data["reproduction"]["us"]["status"] == "public-domain"
    json.dumps(data)


def test_only_accepted_verdicts_carry_wikitext() -> None:
    with pytest.raises(ValueError):
        Verdict("review", "x", "{{CC0}}", "because")


def test_an_accepted_verdict_cannot_be_built_with_a_layer_that_is_not_free() -> None:
    free = LayerStatus("licensed", "licence", us=UsStatus("licensed"))
    for work, reproduction in (
        (LayerStatus("unknown"), free),
        (free, LayerStatus("not-free", "not-free")),
        (LayerStatus("public-domain", "pma", us=UsStatus("unknown")), free),  # no US status
    ):
        with pytest.raises(ValueError, match="both free"):
            Verdict("accept", "x", "{{CC0}}", "because", work=work, reproduction=reproduction)
    with pytest.raises(ValueError, match="not one of"):
        Verdict("maybe", None, "", "because")  # type: ignore[arg-type]


def test_group_is_the_reason_without_the_records_own_values() -> None:
    a = judge_value("Public domain", Facts(kind="2d", death_year=1990, created=1960, current_year=YEAR))
    b = judge_value("Public domain", Facts(kind="2d", death_year=1970, created=1950, current_year=YEAR))
    assert a.reason != b.reason and a.group == b.group
    assert "died too recently" in a.group


def test_table_entries_are_consistent() -> None:
    for entry in TABLE.licenses:
        assert (entry.verdict == "accept") == bool(entry.wikitext), entry.id
        assert entry.verdict == "accept" or entry.reason or entry.verdict == "public-domain", entry.id


# --- the golden table: rights cases written from Commons' licensing pages -------------------------

GOLDEN = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
GOLDEN_RULES = {"smm": SMM_RULES.model_copy(update={"attribution": None})}


def test_the_golden_table_has_at_least_80_cited_cases() -> None:
    cases = GOLDEN["cases"]
    assert len(cases) >= 80
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert case["source"] and set(case["source"]) <= set(GOLDEN["sources"]), case["id"]


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=lambda c: c["id"])
def test_golden_rights_case(case: dict[str, Any]) -> None:
    facts = Facts(**case.get("facts", {}), current_year=YEAR)
    verdict = judge(
        case.get("image"),
        case.get("record"),
        facts,
        work_rights=case.get("work"),
        rules=GOLDEN_RULES.get(case.get("rules", ""), LicenseRules()),
        attribution=case.get("attribution"),
        declarations=RightsDeclarations.model_validate(case.get("declarations", {})),
    )
    expect = case["expect"]
    assert verdict.verdict == expect["verdict"], verdict.reason
    assert verdict.reason
    for layer in ("work", "reproduction"):
        if layer in expect:
            status, rule = expect[layer].split("/")
            assert (getattr(verdict, layer).status, getattr(verdict, layer).rule) == (status, rule), (
                verdict.reason
            )
    if "us" in expect:
        assert verdict.work.us.status == expect["us"]
    if "wikitext" in expect:
        assert verdict.wikitext == expect["wikitext"]
    if "id" in expect:
        assert verdict.license_id == expect["id"]
    if "flags" in expect:
        assert [f.kind for f in verdict.flags] == expect["flags"]
    assert bool(verdict.wikitext) == (verdict.verdict == "accept")


# --- the properties of the decision table ----------------------------------------------------------

NONFREE_NAMES = st.one_of(
    st.builds(
        lambda k, v, f: f.format(nonfree_path(k, v)),
        st.sampled_from(NONFREE_TYPES),
        st.sampled_from(VERSIONS),
        st.sampled_from(
            [
                "https://creativecommons.org/{}/",
                "http://www.creativecommons.org/{}/legalcode",
                "creativecommons.org/{}/deed.de",
            ]
        ),
    ),
    st.builds(lambda k, v: f"CC {k.upper()} {v}", st.sampled_from(NONFREE_TYPES), st.sampled_from(VERSIONS)),
    st.builds(lambda k: f"CC-{k.upper()}", st.sampled_from(NONFREE_TYPES)),
    st.sampled_from(
        [
            "Creative Commons Attribution-NonCommercial 4.0 International",
            "Attribution-NoDerivatives 4.0 International",
            "Attribution-NonCommercial-ShareAlike",
            "NonCommercial",
            "Non-Commercial",
            "NoDerivatives",
            "NoDerivs",
            "No Derivative Works",
            "In Copyright",
            "In Copyright - Educational Use Permitted",
            "In Copyright - Non-Commercial Use Permitted",
            "In Copyright - EU Orphan Work",
            "In Copyright - Rights-holder(s) Unlocatable or Unidentifiable",
            "http://www.europeana.eu/rights/rr-f/",
            "http://www.europeana.eu/rights/rr-p/",
            "http://www.europeana.eu/rights/rr-r/",
            "http://www.deutsche-digitale-bibliothek.de/lizenzen/rv-fz/",
            "Alle Rechte vorbehalten",
        ]
    ),
    st.builds(
        lambda s, f: f.format(s),
        st.sampled_from(["InC", "InC-EDU", "InC-NC", "InC-RUU", "InC-OW-EU"]),
        st.sampled_from(
            [
                "http://rightsstatements.org/vocab/{}/1.0/",
                "https://rightsstatements.org/page/{}/1.0/?language=de",
            ]
        ),
    ),
)
FREE_NOISE = st.sampled_from(
    [
        "CC BY 4.0",
        "CC0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "Public domain",
        "Utgången skyddstid",
        "Erkännande-Dela lika",
        "© Museum",
    ]
)
SURROUNDING = st.one_of(st.text(max_size=30), FREE_NOISE)
SEPARATORS = st.sampled_from(["", " ", "; ", ", ", "\n", " / ", " (", ") ", " - "])
FACTS = st.builds(
    Facts,
    death_year=st.none() | st.integers(1400, 2026),
    created=st.none() | st.integers(1400, 2026),
    published=st.none() | st.integers(1400, 2026),
    country=st.none() | st.sampled_from(["SE", "DE", "MX", "CO", "US"]),
    kind=st.none() | st.sampled_from(["2d", "3d", "photo"]),
    current_year=st.just(YEAR),
)
STATEMENTS = st.one_of(st.none(), FREE_NOISE, NONFREE_NAMES, st.lists(FREE_NOISE | NONFREE_NAMES, max_size=3))
DECLARATIONS = st.builds(
    RightsDeclarations,
    record_covers_images=st.none(),
    holds_work_rights=st.none() | st.just(Declaration(reason="the estate gave the museum all rights")),
)


@settings(max_examples=400, deadline=None)
@given(
    before=SURROUNDING,
    sep1=SEPARATORS,
    name=NONFREE_NAMES,
    sep2=SEPARATORS,
    after=SURROUNDING,
    where=st.sampled_from(["image", "record-declared", "work"]),
    facts=FACTS,
)
def test_nothing_naming_noncommercial_noderivatives_or_in_copyright_is_ever_accepted(
    before: str, sep1: str, name: str, sep2: str, after: str, where: str, facts: Facts
) -> None:
    value = before + sep1 + name + sep2 + after
    covers = RightsDeclarations(record_covers_images=Declaration(reason="stated in the export's README"))
    for casing in (value, value.upper(), value.lower()):
        if where == "image":
            verdict = judge(casing, "CC0", facts, rules=SMM_RULES)
        elif where == "work":
            verdict = judge("CC0", None, facts, work_rights=casing, rules=SMM_RULES)
        else:
            verdict = judge(None, casing, facts, rules=SMM_RULES, declarations=covers)
        assert verdict.verdict != "accept", (casing, verdict)
        assert verdict.wikitext == ""


@settings(max_examples=600, deadline=None)
@given(image=STATEMENTS, work=STATEMENTS, record=STATEMENTS, facts=FACTS, declarations=DECLARATIONS)
def test_a_file_is_accepted_only_when_both_layers_are_free_and_every_pd_tag_has_a_us_status(
    image: Any, work: Any, record: Any, facts: Facts, declarations: RightsDeclarations
) -> None:
    verdict = judge(image, record, facts, work_rights=work, rules=SMM_RULES, declarations=declarations)
    assert bool(verdict.wikitext) == verdict.accepted
    if not verdict.accepted:
        return
    assert verdict.work.free and verdict.reproduction.free
    for layer in (verdict.work, verdict.reproduction):
        if layer.status in ("public-domain", "no-new-rights"):
            assert layer.us.status == "public-domain" and layer.us.rule
    assert license_wikitext_problem(verdict.wikitext, year=YEAR) is None
    if facts.kind in ("3d", None) and verdict.work.status == "public-domain":
        assert verdict.wikitext.startswith("{{Art Photo|")  # the photograph's own licence is named


@settings(max_examples=400, deadline=None)
@given(record=STATEMENTS, facts=FACTS, declarations=DECLARATIONS)
def test_record_rights_alone_never_accept(
    record: Any, facts: Facts, declarations: RightsDeclarations
) -> None:
    assert not judge(None, record, facts, rules=SMM_RULES, declarations=declarations).accepted


@settings(max_examples=300, deadline=None)
@given(image=STATEMENTS, work=STATEMENTS, facts=FACTS, declarations=DECLARATIONS)
def test_verdicts_round_trip_through_json(
    image: Any, work: Any, facts: Facts, declarations: RightsDeclarations
) -> None:
    verdict = judge(image, None, facts, work_rights=work, rules=SMM_RULES, declarations=declarations)
    assert Verdict.from_dict(json.loads(json.dumps(verdict.to_dict()))) == verdict


def test_a_crosswalk_whose_rule_gives_no_us_status_is_refused_at_load_with_line_and_tag(
    tmp_path: Path,
) -> None:
    from glamupload.crosswalk import load

    path = tmp_path / "crosswalk.yaml"
    path.write_text(
        "record_id: id\ntemplate: Photograph\nimages: {path: '${id}.jpg'}\n"
        "filename: {pattern: '{id}', parts: {id: id}}\n"
        "rights: {image: rights}\n"
        "licenses:\n  rules:\n    - label: Utgången skyddstid\n      when: {kind: [photo]}\n"
        "      wikitext: '{{PD-Sweden-photo}}'\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"\{\{PD-Sweden-photo\}\} gives no US status: add \{\{PD-1996\}\}"
    ) as info:
        load(path, ["id", "rights"])
    assert info.value.line == 10 and info.value.field == "licenses.rules.0.wikitext"
