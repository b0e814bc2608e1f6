"""The Commons page conventions a patroller expects, applied to every batch and checked on every page.

Some are applied to every file (the hidden tool category, the batch's backlog category for files with no
topical category, the batch id in edit summaries); the rest are checked on each planned page and reported
as warnings with their own ``ProblemCode`` (a file may still go: each is what a patroller would fix by
hand): a ``{{Creator:…}}`` outside the creator fields, free text of a known language without a language
template, a ``source`` that does not link the record's page, a licence credit without the photographer,
and file names that say little. The words and names are in ``mappings/conventions.yaml``; which
parameters hold creators and free text in ``mappings/commons-templates.yaml`` (``conventions:``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import mwparserfromhell
import yaml

from glamupload import resources, titles
from glamupload.errors import ConfigError
from glamupload.problems import Problem, ProblemCode
from glamupload.wikitext import Wikitext, escape, load_template_catalogue

#: The problem codes of the page conventions (what the report's pre-flight check lists as conventions).
CONVENTION_CODES = frozenset(
    {
        ProblemCode.CREATOR_MISPLACED,
        ProblemCode.NEEDS_CATEGORIES,
        ProblemCode.SAYS_LITTLE,
        ProblemCode.NAME_MARKUP,
        ProblemCode.CAMERA_DEFAULT,
        ProblemCode.UNTAGGED_TEXT,
        ProblemCode.SOURCE_WITHOUT_URL,
        ProblemCode.ATTRIBUTION_WITHOUT_PHOTOGRAPHER,
    }
)

_LETTER = re.compile(r"[^\W\d_]")
_CREATOR = re.compile(r"\s*creator\s*:", re.IGNORECASE)
#: What can make wikitext more than its text (templates, links, tags, entities, bold/italics).
_MARKUP = re.compile(r"[{}\[\]<>&']")


@dataclass(frozen=True)
class Finding:
    """How the report names one kind of finding, and what fixes it."""

    label: str
    fix: str


@dataclass(frozen=True)
class Conventions:
    """mappings/conventions.yaml, read once."""

    tool_category: str
    tool_category_parents: tuple[str, ...]
    needs_categories: str
    edit_summary_suffix: str
    findings: Mapping[str, Finding]
    max_page_bytes: int  #: the wiki's $wgMaxArticleSize

    def needs_categories_category(self, batch_category: str | None) -> str:
        """The batch's backlog category of files with no topical category."""
        return self.needs_categories.format(batch_category=batch_category or self.tool_category)

    def edit_summary(self, text: str, batch_id: str) -> str:
        """``text`` with the batch id, as every edit of a batch ends its summary."""
        return text + self.edit_summary_suffix.format(batch_id=batch_id)


@functools.cache
def load() -> Conventions:
    path = resources.mappings_dir() / "conventions.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Conventions(
            tool_category=str(data["tool_category"]["name"]),
            tool_category_parents=tuple(data["tool_category"]["parents"]),
            needs_categories=str(data["needs_categories"]),
            edit_summary_suffix=str(data["edit_summary_suffix"]),
            findings={
                str(key): Finding(str(v["label"]), str(v["fix"])) for key, v in data["findings"].items()
            },
            max_page_bytes=int(data["max_page_bytes"]),
        )
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"cannot read the page conventions: {error}", file=path) from error
    except (KeyError, TypeError) as error:
        raise ConfigError(f"the page conventions are malformed near {error}", file=path) from error


@dataclass(frozen=True)
class PageFacts:
    """What the page checks read of one planned page: the template and its rendered parameter values,
    the parameters whose language the crosswalk knows, the record's web page, and the licence with the
    attribution it was given."""

    template: str
    params: Mapping[str, str]
    language_known: Collection[str] = ()
    record_url: str | None = None
    license_wikitext: str = ""
    attribution: str | None = None


@functools.lru_cache(maxsize=4096)
def plain_text(value: str) -> str:
    """The text of a parameter value outside any template: what no language template marks (and what a
    name is when it is no ``{{Creator:…}}``). Once per distinct value (a batch repeats most of its values,
    and parsing one is most of ``check_page``)."""
    if not _MARKUP.search(value):  # most values are plain text: nothing to parse
        return " ".join(value.split())
    code = mwparserfromhell.parse(value)
    for template in code.filter_templates(recursive=False):
        code.remove(template)
    return " ".join(code.strip_code(normalize=True, collapse=True).split())


def check_page(facts: PageFacts) -> list[Problem]:
    """The convention warnings of one page (empty: a patroller would leave it alone)."""
    catalogue = load_template_catalogue()
    spec = catalogue.template(facts.template)
    canonical = {name: spec.canonical(name) or name for name in facts.params}
    problems: list[Problem] = []
    for name, value in facts.params.items():
        field = f"params.{name}"
        if canonical[name] not in catalogue.creator_parameters and _has_creator(value):
            problems.append(
                Problem(
                    field,
                    "a {{Creator:…}} box belongs in artist, author or photographer only: here it renders "
                    "as a stray infobox inside the row; write the name of the person here instead",
                    ProblemCode.CREATOR_MISPLACED,
                )
            )
        if canonical[name] in catalogue.free_text_parameters and name in facts.language_known:
            text = plain_text(value)
            if _LETTER.search(text):
                problems.append(
                    Problem(
                        field,
                        f"free text {_shorten(text)!r} has no language template, although the crosswalk "
                        "knows its language: add a lang transform",
                        ProblemCode.UNTAGGED_TEXT,
                    )
                )
    by_canonical = {canonical[name]: value for name, value in facts.params.items()}
    if facts.record_url and facts.record_url not in by_canonical.get("source", ""):
        problems.append(
            Problem(
                "params.source",
                f"does not link the web page of the record, {facts.record_url} (Commons: a file from a "
                "website names the URL of the page in source)",
                ProblemCode.SOURCE_WITHOUT_URL,
            )
        )
    problems += _attribution(facts, plain_text(by_canonical.get("photographer", "")))
    return problems


def _attribution(facts: PageFacts, photographer: str) -> list[Problem]:
    """The licence's credit line must name the photographer the page names (when the tag takes one)."""
    credit = facts.attribution
    if not credit or not photographer or escape(credit) not in facts.license_wikitext:
        return []
    if photographer.casefold() in credit.casefold():
        return []
    return [
        Problem(
            "rights.attribution",
            f"the attribution of the licence, {credit!r}, leaves out the photographer {photographer!r}, "
            "whom the record names: add the field of the photographer to rights.attribution",
            ProblemCode.ATTRIBUTION_WITHOUT_PHOTOGRAPHER,
        )
    ]


def check_name(descriptive: Mapping[str, str]) -> Problem | None:
    """A warning when the file name's descriptive parts (part name → value) say little about the file."""
    text = " ".join(value for value in descriptive.values() if value.strip())
    why = titles.says_little(text)
    if why is None:
        return None
    parts = ", ".join(descriptive) or "none"
    said = {
        "empty": f"its descriptive parts ({parts}) are empty: it says only where the file is from and its id",
        "identifier": f"its descriptive part {text!r} is only an identifier or a number",
        "placeholder": f"its descriptive part {text!r} stands for no title",
        "upper-case-word": f"its descriptive part {text!r} is a single upper-case word (a name)",
        "camera-default": f"its descriptive part {text!r} is a camera's default name",
    }[why]
    return Problem(
        "filename",
        f"the file name says little about the file: {said}; Commons asks for descriptive names "
        "(Commons:File naming): add parts such as place and date to filename.pattern",
        ProblemCode.SAYS_LITTLE,
    )


def check_name_markup(part: str, values: Sequence[object]) -> Problem | None:
    """A warning when a file-name part's value is page markup: a markup transform (``lang``, ``format``,
    ``date``'s ``{{Other date}}``, a lookup's ``wikitext``, ``default``) made it, and the name would show
    its braces as text (``((en-1=Portrait))``)."""
    for value in values:  # plain text is str: a part's values are rarely Wikitext (one check a value)
        if isinstance(value, Wikitext) and _MARKUP.search(value):
            return Problem(
                f"filename.{part}",
                f"{str(value)[:60]!r} is page markup, which a file name shows as text: use plain-text "
                "transforms in filename.parts (a lookup's other column, year instead of date, no lang "
                "or format)",
                ProblemCode.NAME_MARKUP,
            )
    return None


def _has_creator(value: str) -> bool:
    if "creator" not in value.casefold():
        return False
    templates = mwparserfromhell.parse(value).filter_templates(recursive=True)
    return any(_CREATOR.match(str(template.name)) for template in templates)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
