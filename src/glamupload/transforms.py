"""Named transforms a crosswalk chains to turn export values into Commons parameter values.

A value travels through a chain as a list of strings. A plain ``str`` came from the export and is
untrusted: it is escaped when it reaches the page. A ``Wikitext`` was built by a transform from
markup the crosswalk or a lookup table wrote (``{{sv|1=...}}``, ``{{other date|...}}``), with every
export value inside it already escaped. String operations on a ``Wikitext`` give back a plain
``str``, so trust is lost by default, never gained by accident.

Each transform is registered under its name with ``@transform``; its keyword arguments are
validated (pydantic, from the signature) when the crosswalk is loaded, before any record is read.
Its docstring is the reference text in docs/crosswalks.md.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import inspect
import re
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
)

from glamupload.errors import ConfigError, GlamuploadError
from glamupload.problems import Problem, ProblemCode
from glamupload.readers import open_export
from glamupload.resources import mappings_dir
from glamupload.sdc.model import QID
from glamupload.timelimits import PatternLimit
from glamupload.wikitext import (
    LANGUAGE_CODE,
    Contained,
    Wikitext,
    escape,
    filled_pattern,
    joined_pieces,
    other_date,
    template_call,
    trusted,
)
from glamupload.wikitext import creator as creator_template
from glamupload.wikitext import information_field as information_field_template
from glamupload.wikitext import institution as institution_template
from glamupload.wikitext import lang as lang_template
from glamupload.wikitext import separator as wikitext_separator
from glamupload.wikitext import size as size_template
from glamupload.yamlconfig import Loc, LocatedYaml, did_you_mean, first_error, load_yaml, regex_problem

Values = list[str]


class FieldSource(Protocol):
    """What transforms need from a record: its values by field name or path."""

    def get(self, path: str) -> Any: ...


class FieldCache:
    """A record seen through its values, each path looked up once: the planner's sources read the same
    fields many times per record (and key their memo tables by them)."""

    __slots__ = ("source", "_raw", "_keys", "objects")

    def __init__(self, source: FieldSource) -> None:
        self.source = source
        self._raw: dict[str, Any] = {}
        self._keys: dict[str, tuple[str, ...]] = {}
        self.objects: list[str] = []  #: paths read whose value held an object (left out, to be warned of)

    def get(self, path: str) -> Any:
        try:
            return self._raw[path]
        except KeyError:
            value = self._raw[path] = self.source.get(path)
            return value

    def key(self, path: str) -> tuple[str, ...]:
        """``as_values`` of the path, as a tuple (a memo key)."""
        found = self._keys.get(path)
        if found is None:
            raw = self.get(path)
            found = self._keys[path] = tuple(as_values(raw))
            if raw.__class__ is not str and raw is not None and holds_object(raw):
                self.objects.append(path)
        return found


@dataclass
class Context:
    """What a transform may look at besides its values: the record, lookup tables, warnings."""

    record: FieldSource
    field: str
    tables: Mapping[str, LookupTable] = dataclasses.field(default_factory=dict)
    warnings: list[Problem] = dataclasses.field(default_factory=list)

    def warn(self, message: str, code: ProblemCode = ProblemCode.VALUE) -> None:
        self.warnings.append(Problem(self.field, message, code))


@dataclass(frozen=True)
class TransformSpec:
    """A registered transform: its function, its argument model and its documentation."""

    name: str
    func: Callable[..., Values]
    args: type[BaseModel]
    first_arg: str | None
    doc: str
    #: The record fields the transform reads besides its values, from its arguments (none for most).
    reads: Callable[[Any], Iterable[str]] | None = None
    #: A check of the validated arguments together, when the crosswalk is loaded: (argument, problem).
    check: Callable[[Any], tuple[str, str] | None] | None = None


TRANSFORMS: dict[str, TransformSpec] = {}


def transform(
    name: str,
    *,
    reads: Callable[[Any], Iterable[str]] | None = None,
    check: Callable[[Any], tuple[str, str] | None] | None = None,
) -> Callable[[Callable[..., Values]], Callable[..., Values]]:
    """Register ``func(values, ctx, **args)`` as the transform ``name``. A transform that reads record
    fields itself (``ctx.record``) says which with ``reads`` (from its validated arguments): a chain's
    result is remembered by the values of every field it reads, so an undeclared read would be wrong.
    ``check`` finds what the arguments' types cannot (one argument against another): (argument, problem)."""

    def register(func: Callable[..., Values]) -> Callable[..., Values]:
        hints = typing.get_type_hints(func, include_extras=True)
        params = list(inspect.signature(func).parameters.values())[2:]
        fields: dict[str, Any] = {  # `with_` is written `with` in YAML
            p.name: (
                hints[p.name],
                Field(... if p.default is inspect.Parameter.empty else p.default, alias=p.name.rstrip("_")),
            )
            for p in params
        }
        model = create_model(
            f"{name}_args", __config__=ConfigDict(extra="forbid", coerce_numbers_to_str=True), **fields
        )
        TRANSFORMS[name] = TransformSpec(
            name,
            func,
            model,
            params[0].name.rstrip("_") if params else None,
            inspect.cleandoc(func.__doc__ or ""),
            reads,
            check,
        )
        return func

    return register


@dataclass(frozen=True)
class Step:
    """One validated transform call in a crosswalk chain."""

    spec: TransformSpec
    args: BaseModel
    kwargs: Mapping[str, Any] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Read once: a step runs for every value of every record, and pydantic's field lookup is slow.
        kwargs = {name: getattr(self.args, name) for name in type(self.args).model_fields}
        object.__setattr__(self, "kwargs", kwargs)

    def __call__(self, values: Values, ctx: Context) -> Values:
        return self.spec.func(values, ctx, **self.kwargs)

    @property
    def reads(self) -> list[str]:
        """The record fields this step reads besides its values."""
        return list(self.spec.reads(self.args)) if self.spec.reads else []


def compile_step(raw: Any, located: LocatedYaml, loc: Loc) -> Step:
    """Parse ``trim`` / ``{split: ","}`` / ``{lookup: {table: people}}`` into a Step, or raise ConfigError."""
    if isinstance(raw, str):
        name, value = raw, None
    elif isinstance(raw, dict) and len(raw) == 1:
        name, value = next(iter(raw.items()))
    else:
        raise located.error('a transform is a name (trim) or a one-key mapping (split: ",")', loc)
    spec = TRANSFORMS.get(name)
    if spec is None:
        raise located.error(f"unknown transform {name!r}", loc, hint=did_you_mean(name, TRANSFORMS))
    arg_loc = loc + (name,) if isinstance(raw, dict) else loc
    if isinstance(value, dict) or value is None:
        given = value or {}
    elif spec.first_arg is not None:
        given = {spec.first_arg: value}  # `split: ";"`: a scalar is the first argument
    else:
        raise located.error(f"transform {name!r} takes no arguments", arg_loc)
    try:
        args = spec.args.model_validate(given)
    except ValidationError as exc:
        err = first_error(exc)
        key = str(err["loc"][0]) if err["loc"] else ""
        if err["type"] == "extra_forbidden":
            valid = [f.alias or n for n, f in spec.args.model_fields.items()]
            hint = did_you_mean(key, valid) if valid else "this transform takes no arguments"
            raise located.error(
                f"transform {name!r} has no argument {key!r}", arg_loc + (key,), hint=hint
            ) from None
        raise located.error(f"transform {name!r}, argument {key!r}: {err['msg']}", arg_loc + (key,)) from None
    found = spec.check(args) if spec.check is not None else None
    if found is not None:
        key, problem = found
        raise located.error(f"transform {name!r}, argument {key!r}: {problem}", arg_loc + (key,))
    return Step(spec, args)


def run_chain(steps: Iterable[Step], values: Values, ctx: Context) -> Values:
    """Apply the steps in order; empty strings are dropped between steps."""
    for step in steps:
        values = [v for v in step(values, ctx) if v != ""]
    return values


def render(values: Values, separator: str = ", ") -> Wikitext:
    """The final parameter value: untrusted parts escaped, joined by the crosswalk's separator (as
    written); ``Contained`` when the parts and the joints allow (``wikitext.joined_pieces``)."""
    between = wikitext_separator(separator)
    pieces: list[str] = []
    for index, value in enumerate(values):
        pieces += [between, escape(value)] if index else [escape(value)]
    return joined_pieces(pieces)


def _same_trust(original: str, text: str) -> str:
    """Keep a trusted value trusted after a purely cosmetic change (whitespace); a changed one is no
    longer known to be contained, so it is checked where it is used."""
    if text == original:
        return original
    return trusted(text) if isinstance(original, Wikitext) else text


# --------------------------------------------------------------------------------------------------
# argument types checked when the crosswalk is loaded


def _compiles(pattern: str) -> str:
    problem = regex_problem(pattern)
    if problem is not None:
        raise ValueError(f"not a regular expression ({problem})")
    return pattern


Regex = Annotated[str, AfterValidator(_compiles)]
LanguageCode = Annotated[str, StringConstraints(pattern=f"^{LANGUAGE_CODE.pattern}$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]  #: ``split: ""`` would split at nothing
#: A row's label: ``information_field: ""`` wrote a row without one (``name=``)
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


# --------------------------------------------------------------------------------------------------
# text


@transform("trim")
def trim(values: Values, ctx: Context) -> Values:
    """Strip leading/trailing whitespace and collapse runs of whitespace (also newlines) to one space.

    ``"  Skärgårdsstrid\\n 1788-90 "`` → ``"Skärgårdsstrid 1788-90"``
    """
    return [_same_trust(v, " ".join(v.split())) for v in values]


@transform("split")
def split(values: Values, ctx: Context, separator: NonEmpty = ",") -> Values:
    """Split each value at ``separator`` (default ``,``), trimming the parts and dropping empty ones.

    ``split: ","`` turns ``"Brigg, Segel"`` into ``["Brigg", "Segel"]``.
    """
    return [part.strip() for v in values for part in str(v).split(separator) if part.strip()]


@transform("join")
def join(values: Values, ctx: Context, separator: str = ", ") -> Values:
    """Join all values into one, with ``separator`` between them.

    ``join: " / "`` turns ``["A", "B"]`` into ``"A / B"``. Export text joined by a plain separator stays
    export text (escaped later, usable in file names); when a value or the separator (``"<br>"``) is
    markup, the result is markup with the export text in it escaped and the separator as written.
    """
    if not values:
        return []
    if _plain_separator(separator) and not any(isinstance(v, Wikitext) for v in values):
        return [separator.join(values)]
    return [render(values, separator)]


@cache
def _plain_separator(separator: str) -> bool:
    return escape(f"x{separator}x") == f"x{separator}x"  # "x": edge spaces are fine inside


@transform("fallback", reads=lambda args: [args.field] if isinstance(args.field, str) else list(args.field))
def fallback(values: Values, ctx: Context, field: str | list[str]) -> Values:
    """When nothing is left, take the values of another field (or of several) instead.

    ``fallback: Motiv-beskrivning`` — a photo without a depicted name is titled by its motif;
    ``fallback: [Namn-Tillverkare, Namn-Tillverkare.1]`` — an object without an artist by its makers.
    """
    if values:
        return values
    return [
        v for name in ([field] if isinstance(field, str) else field) for v in as_values(ctx.record.get(name))
    ]


@transform("first")
def first(values: Values, ctx: Context) -> Values:
    """Keep only the first value (use after listing several fields: the first one that is filled).

    ``field: [Namn-Konstnär, Namn-Konstruktör]`` + ``first`` → the artist, else the designer.
    """
    return values[:1]


@transform("unique")
def unique(values: Values, ctx: Context) -> Values:
    """Drop repeated values, keeping the first occurrence (compared ignoring case and spacing).

    ``["Svensson, Sam", "Svensson, Sam "]`` → ``["Svensson, Sam"]``
    """
    seen: set[str] = set()
    out = []
    for v in values:
        key = normalise_key(v)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


@transform("drop")
def drop(values: Values, ctx: Context, values_: list[str]) -> Values:
    """Remove values that mean "nothing" in this export (compared ignoring case).

    ``drop: [Okänd fotograf, Okänd konstnär]``
    """
    unwanted = {normalise_key(v) for v in values_}
    return [v for v in values if normalise_key(v) not in unwanted]


@transform("keep")
def keep(values: Values, ctx: Context, matches: Regex, invert: bool = False) -> Values:
    """Keep only the values a regular expression finds something in (``invert: true``: only the others).

    ``keep: '^[^,]+, [^,]+$'`` keeps "Surname, Given" names from a column that also holds ship names.
    """
    regex = re.compile(matches)
    with PatternLimit(matches, ctx.field, values):
        return [v for v in values if bool(regex.search(v)) != invert]


def _groups_exist(args: Any) -> tuple[str, str] | None:
    """``with`` names only groups the pattern has (``\\3``, ``\\g<wrod>``): Python reads the template
    before any match, so one substitution into "" finds it, once, when the crosswalk is loaded."""
    try:
        re.compile(args.pattern).sub(args.with_, "")
    except (re.error, IndexError) as exc:
        return "with", f"{exc} (the pattern's groups: \\1, \\2 … or \\g<name>)"
    return None


@transform("replace", check=_groups_exist)
def replace(values: Values, ctx: Context, pattern: Regex, with_: str = "") -> Values:
    """Regular-expression replacement on each value; the result is export text (escaped later).

    ``replace: {pattern: "^Ram: ", with: ""}``; ``with`` may use groups (``\\1``).
    """
    regex = re.compile(pattern)
    with PatternLimit(pattern, ctx.field, values):
        return [regex.sub(with_, str(v)) for v in values]


@transform("default")
def default(values: Values, ctx: Context, value: str) -> Values:
    """When nothing is left, use ``value`` (wikitext written by the crosswalk author, trusted).

    ``default: "{{unknown|author}}"``
    """
    return values if values else [trusted(value)]


PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def _placeholders_closed(pattern: str) -> str:
    """A pattern whose every ``${`` opens a placeholder with a name: ``${}`` or an unclosed ``${Field``
    would stay in every file's text (or path) as it is, found only record by record."""
    if "${" in PLACEHOLDER.sub("", pattern):
        raise ValueError("has an empty or unclosed ${…}: write ${Field name} (${value} for the value)")
    return pattern


#: A ``format:`` template or ``images.path`` pattern: ``${Field}`` placeholders, each closed and named.
FieldPattern = Annotated[str, AfterValidator(_placeholders_closed)]


@transform("format", reads=lambda args: placeholders(args.template))
def format_(values: Values, ctx: Context, template: FieldPattern) -> Values:
    """Put each value into a wikitext pattern: ``${value}`` is the value, ``${Field name}`` another field.

    Everything outside the placeholders is trusted (the crosswalk wrote it); what fills them is
    escaped. ``format: "[https://digitaltmuseum.se/${Dimukode} ${value}]"``
    """

    literals, names = _pattern_pieces(template)

    def fill(value: str) -> Wikitext:
        fills = [
            escape(value) if name == "value" else render(as_values(ctx.record.get(name))) for name in names
        ]
        return filled_pattern(literals, fills)

    return [fill(v) for v in values]


@lru_cache(maxsize=256)
def _pattern_pieces(template: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A pattern's text around its placeholders, and the placeholders' names: split once per pattern
    (a ``format`` step runs on every record's value)."""
    pieces = PLACEHOLDER.split(template)
    return tuple(pieces[0::2]), tuple(pieces[1::2])


def placeholders(template: str) -> list[str]:
    """Field names used as ``${Field}`` in a pattern (``value`` excluded)."""
    return [n for n in PLACEHOLDER.findall(template) if n != "value"]


@transform("lang", reads=lambda args: [args.field] if args.field else [])
def lang(
    values: Values,
    ctx: Context,
    code: LanguageCode | None = None,
    field: str | None = None,
    text_only: bool = False,
) -> Values:
    """Mark each value as written in language ``code``: ``{{sv|1=...}}``; or in the language a record's
    field names (``field: language``, e.g. LIDO's ``xml:lang``).

    ``lang: sv`` turns ``"Sjöstrid"`` into ``{{sv|1=Sjöstrid}}`` (a lookup result or other trusted
    markup inside is kept as markup; export text is escaped). ``lang: {field: language}`` reads the code
    per record; ISO 639-2 codes (``ger``, ``deu``, ``swe``, ``fre``) become the Commons template's two-letter
    code (table in mappings/vocabulary.yaml). A record without a usable code keeps its text unmarked, with a
    warning. Give ``code`` with ``field`` for the language of records that name none. ``text_only: true``
    marks only export text and leaves markup as it is: after a lookup, the values the table lacks
    (``Vax``) get ``{{sv|1=Vax}}`` while ``{{technique|bronze}}`` stays.
    """
    chosen = code
    if field is not None:
        given = [v.strip() for v in as_values(ctx.record.get(field)) if v.strip()]
        chosen = language_code(given[0]) if given else code
        if given and chosen is None:
            ctx.warn(f"{given[0]!r} in {field!r} is not a language code; text left unmarked")
            chosen = code
    if chosen is None:
        return values
    return [v if text_only and isinstance(v, Wikitext) else lang_template(chosen, v) for v in values]


def language_code(text: str) -> str | None:
    """``de``, ``de-CH``, ``ger``, ``deu``, ``German`` → the Commons language template code, or None."""
    low = text.strip().casefold().replace("_", "-")
    table = {k.casefold(): v for k, v in vocabulary()["languages"].items()}
    if low in table:
        return str(table[low])
    if LANGUAGE_CODE.fullmatch(low) and low[2:3] in ("", "-"):  # an unknown three letters may be und or zxx
        return low
    base = low.split("-")[0]
    return str(table[base]) if base in table else None


@transform("creator_name")
def creator_name(values: Values, ctx: Context) -> Values:
    """Turn catalogue order "Surname, Given names" into "Given names Surname".

    ``"Sillén, Herman af"`` → ``"Herman af Sillén"``; life dates stay at the end (``"Larsson, Carl
    (1853-1919)"`` → ``"Carl Larsson (1853-1919)"``, also without brackets). What is no person's name in
    that order stays as it is: names without exactly one comma; organisation names (``"Guangzhou Baoli
    Animation Technology Co., Ltd."``, ``"Müller & Söhne, GmbH"``: a word from the ``organisation_words``
    list in mappings/vocabulary.yaml, or a compound ending as an ``organisation_endings`` word does:
    "Marinmuseum"); several names, a firm's "&" or a doubt ("Larsson, Carl?"); a place after a name
    (``"Lindholmens varv, Göteborg"``: a lower-case word before the comma that is no ``particles``
    word); a qualifier (``"Rembrandt, attributed to"``: only lower-case words after it, or a
    ``qualifiers`` word: "Rembrandt, Umkreis"); and markup from a lookup (``{{Creator:...}}``).
    """
    out: Values = []
    for v in values:
        if isinstance(v, Wikitext):
            out.append(v)
            continue
        found = _NAME_END.search(v)
        name, end = (v[: found.start()], found.group(0)) if found else (v, "")
        parts = [part.strip() for part in name.split(",")]
        flip = (
            len(parts) == 2
            and all(parts)
            and not _NOT_A_PERSON.search(name)
            and _in_catalogue_order(*parts)
            and not is_organisation(v)
        )
        out.append(f"{parts[1]} {parts[0]}{end}" if flip else v)
    return out


#: The end of a name that stays at the end: bracketed life dates or a role ("Larsson, Carl (1853-1919)",
#: "Hals, Frans (attr.)"), or life dates without brackets ("Larsson, Carl 1853-1919").
_NAME_END = re.compile(r"\s*\([^()]*\)\s*$|\s+\d{3,4}\s*[-\u2013]\s*\d{0,4}\s*$")
#: What no "Surname, Given" holds: several names (";"), a firm ("Hansen & Pedersen"), a doubt ("Carl?"),
#: digits left in the name.
_NOT_A_PERSON = re.compile(r"[;&+?\d]")


def _in_catalogue_order(surname: str, given: str) -> bool:
    """Whether "surname, given" reads as a person's name: no lower-case word before the comma but a
    particle (af, van, de…), and not only lower-case words after it."""
    particles = _name_words("particles")
    lower = [w for w in surname.split() if w[:1].islower() and w.casefold() not in particles]
    words = given.split()
    if words and words[0].casefold().rstrip(".") in _name_words("qualifiers"):
        return False  # "Rembrandt, Umkreis": an attribution
    return not lower and any(w[:1].isupper() for w in words)


def is_organisation(name: str) -> bool:
    """True when a name has a word that only organisations carry (Ltd., GmbH, AB, Museum, Verlag...), or
    a word that ends as one of them does in a compound (Marinmuseum, Götaverken)."""
    words, endings = _organisation_words(), _name_words("organisation_endings")
    for token in re.findall(r"[\w.&/]+", name):
        folded = token.rstrip(".").casefold()
        if folded in words or any(folded.endswith(end) for end in endings):
            return True
    return False


@cache  # the word lists are read for every name: folded once
def _name_words(kind: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in vocabulary()["names"][kind])


@cache
def _organisation_words() -> frozenset[str]:
    return frozenset(w.casefold().rstrip(".") for w in vocabulary()["names"]["organisation_words"])


@transform("strip_html")
def strip_html(values: Values, ctx: Context) -> Values:
    """Turn HTML in an export's text into plain text, keeping its paragraph and line breaks.

    ``"<p>Oil on canvas.</p><p>Signed<br>lower left</p>"`` → ``"Oil on canvas.\\n\\nSigned\\nlower left"``
    (each break is a ``<br>`` on the page). Entities become characters (``&amp;`` → ``&``); scripts, styles
    and comments are dropped; text without tags is only trimmed.
    """
    return [v if isinstance(v, Wikitext) else html_to_text(v) for v in values]


#: A ``<`` that starts no tag (``x<y``, a formula): as text. Python 3.11's HTMLParser rescans the rest of
#: the input for each one, so 20,000 of them took 30 s (CPython gh-135462).
_NOT_A_TAG = re.compile(r"<(?![A-Za-z/!?][^<>]*>)")


def html_to_text(text: str) -> str:
    """The text of an HTML fragment: block elements are paragraphs, ``<br>`` a line break."""
    parser = _TextOfHtml()
    parser.feed(_NOT_A_TAG.sub("&lt;", text))
    parser.close()
    paragraphs = [
        "\n".join(" ".join(line.split()) for line in p.split("\n")).strip() for p in parser.paragraphs()
    ]
    return "\n\n".join(p for p in paragraphs if p)


class _TextOfHtml(HTMLParser):
    """Collects text; block elements end paragraphs (marked by NUL), ``<br>`` is a line break."""

    _BLOCKS = frozenset(
        "p div li ul ol h1 h2 h3 h4 h5 h6 tr table blockquote section article header footer pre dd dt".split()
    )
    _SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self._BLOCKS:
            self.parts.append("\x00")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\x00")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data.replace("\n", " "))

    def paragraphs(self) -> list[str]:
        return "".join(self.parts).split("\x00")


@transform("information_field")
def information_field(values: Values, ctx: Context, name: Label) -> Values:
    """Make each value a further row of the infobox, ``{{Information field|name=…|value=…}}``, for the
    ``other_fields`` parameters (what the template has no parameter for); ``name`` is the row's label,
    written by the crosswalk (trusted, like ``format``), the value escaped unless it is markup.

    ``information_field: Manufacturer`` (after ``join``) turns ``"Harald Åkerlund"`` into
    ``{{Information field|name=Manufacturer|value=Harald Åkerlund}}``.
    """
    return [information_field_template(trusted(name), v) for v in values]


@transform("page")
def page(values: Values, ctx: Context, namespace: Literal["Institution", "Creator"]) -> Values:
    """Transclude a Commons page named by the value: ``{{Institution:Name}}`` or ``{{Creator:Name}}``.

    ``page: Institution`` turns ``"Vasamuseet"`` into ``{{Institution:Vasamuseet}}``. A value that cannot
    be a page title (``|``, ``[[``, ``{{``...) is kept as text, with a warning.
    """
    make = institution_template if namespace == "Institution" else creator_template
    out: Values = []
    for v in values:
        if isinstance(v, Wikitext):
            out.append(v)
            continue
        try:
            out.append(make(v))
        except GlamuploadError as exc:
            ctx.warn(exc.message)
            out.append(v)
    return out


# --------------------------------------------------------------------------------------------------
# lookup tables


def normalise_key(value: str) -> str:
    """How lookup keys are compared: Unicode NFC, case-folded, whitespace collapsed."""
    return _normalised_key(str(value))


@lru_cache(maxsize=8192)  # a record's conditions and lookups meet the same few values again and again
def _normalised_key(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


@dataclass
class LookupTable:
    """A curated table mapping export values to wikitext, Commons categories or Wikidata ids."""

    name: str
    origin: str
    rows: dict[str, dict[str, str]]

    def get(self, value: str) -> dict[str, str] | None:
        return self.rows.get(normalise_key(value))

    @classmethod
    def from_file(
        cls,
        name: str,
        path: Path,
        *,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | int | None = None,
    ) -> LookupTable:
        """Read a table with a ``value`` column plus result columns (CSV in any common encoding and
        delimiter, detected unless given; ``.xlsx``), or a YAML mapping (value → text or mapping)."""
        if not path.is_file():
            raise ConfigError(f"lookup table {name!r} not found", file=path)
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            return cls.from_entries(name, str(path), load_yaml(path).data)  # errors name the line
        if suffix not in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm"):
            raise ConfigError("a lookup table must be a .csv, .xlsx or .yaml file", file=path)
        try:
            reader = open_export(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
        except GlamuploadError as exc:
            raise ConfigError(f"lookup table {name!r}: {exc.message}", file=path, hint=exc.hint) from None
        if "value" not in reader.fields:
            shape = reader.shape
            raise ConfigError(
                "a lookup table needs a 'value' column",
                file=path,
                line=1,
                hint="; ".join(note for note in (shape.read_as, shape.advice) if note),
            )
        rows = {}
        for record in reader:
            key = normalise_key(str(record.fields.get("value") or ""))
            if key:
                rows[key] = {
                    column: str(text).strip()
                    for column, text in record.fields.items()
                    if column not in ("value", "count")
                }
        return cls(name, str(path), rows)

    @classmethod
    def from_entries(cls, name: str, origin: str, entries: Any) -> LookupTable:
        """Build from a mapping value → wikitext (string) or value → {column: text}."""
        if not isinstance(entries, dict):
            raise ConfigError(f"lookup table {name!r} must map values to results", file=origin)
        rows = {}
        for key, result in entries.items():
            columns = result if isinstance(result, dict) else {"wikitext": result}
            for column, value in columns.items():
                if isinstance(value, (list, dict)):  # it would be the page's text as Python writes it
                    raise ConfigError(
                        f"lookup table {name!r}, entry {str(key)!r}: {column!r} holds a "
                        f"{'list' if isinstance(value, list) else 'mapping'}, not text",
                        file=origin,
                        hint="write one text (two templates side by side are one text), or a mapping of "
                        "columns (wikitext, category, wikidata) to texts",
                    )
            rows[normalise_key(str(key))] = {str(k): "" if v is None else str(v) for k, v in columns.items()}
        return cls(name, origin, rows)


@transform("lookup")
def lookup(
    values: Values,
    ctx: Context,
    table: str,
    column: str = "wikitext",
    unmatched: Literal["keep", "drop"] = "keep",
    warn: bool = True,
) -> Values:
    """Replace each value by its row in a lookup table (declared under ``lookups:``).

    ``column`` picks the result: ``wikitext`` (trusted markup, e.g. ``{{Creator:Herman af Sillén}}``),
    ``category`` (one or more category names separated by ``;``), ``wikidata`` (a Q-id) or any other
    column (plain text). A value the table lacks, or whose cell is empty, is kept as it is
    (``unmatched: drop`` removes it) and reported as a warning unless ``warn: false``.
    ``lookup: {table: keywords, column: category, unmatched: drop}``
    """
    lookup_table = ctx.tables[table]
    out: Values = []
    for v in values:
        row = lookup_table.get(v)
        result = (row or {}).get(column, "").strip()
        if not result:
            if warn:
                ctx.warn(f"{str(v)!r} has no {column!r} in lookup table {table!r}")
            if unmatched == "keep":
                out.append(v)
            continue
        if column == "wikitext":
            out.append(trusted(result))
        elif column == "category":
            out.extend(c.strip() for c in result.split(";") if c.strip())
        elif column == "wikidata":
            if QID.fullmatch(result):
                out.append(result)
            else:
                ctx.warn(f"lookup table {table!r} gives {result!r} for {str(v)!r}, not a Wikidata id")
        else:
            out.append(result)
    return out


# --------------------------------------------------------------------------------------------------
# dates


@cache
def vocabulary() -> dict[str, Any]:
    """The word lists in mappings/vocabulary.yaml (dates, dimensions)."""
    return yaml.safe_load((mappings_dir() / "vocabulary.yaml").read_text(encoding="utf-8"))


ISO = r"[0-9]{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12][0-9]|3[01]))?)?"


@dataclass(frozen=True)
class ParsedDate:
    """A date as Commons wants it, with the span of years it can mean (for public-domain rules).

    ``kind`` is None for a plain ISO date, else an ``{{Other date}}`` type (circa, between, ...).
    ``complex`` holds ``{{Complex date}}`` arguments for what Other date cannot say in one call ("late 19th
    century", "c. 1755-1760"): Template:Complex date/doc asks for that instead of nested Other dates.
    """

    kind: str | None
    first: str
    second: str | None
    earliest: int | None
    latest: int | None
    complex: tuple[tuple[str, str], ...] = ()

    @property
    def wikitext(self) -> Wikitext:
        if self.complex:
            return template_call("Complex date", named=dict(self.complex))
        return Contained(self.first) if self.kind is None else other_date(self.kind, self.first, self.second)


# Which part of a century or decade each Complex date adjective covers, as fractions of its span.
_PART_SPANS = {
    "early": (0.0, 0.33), "mid": (0.33, 0.67), "late": (0.67, 1.0), "1st half": (0.0, 0.5),
    "2nd half": (0.5, 1.0), "1st quarter": (0.0, 0.25), "4th quarter": (0.75, 1.0),
}  # fmt: skip
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman(text: str) -> int | None:
    """``XIX`` → 19 (centuries in French); None when it is not a Roman numeral."""
    values = [_ROMAN.get(c) for c in text.casefold()]
    if not values or None in values:
        return None
    numbers = typing.cast(list[int], values)
    return sum(-v if i + 1 < len(numbers) and v < numbers[i + 1] else v for i, v in enumerate(numbers))


def _century(low: str) -> int | None:
    """``19th century``, ``19. Jh.``, ``19. Jahrhundert``, ``XIXe siècle``, ``19e s.`` → 19."""
    words = "|".join(re.escape(w) for w in sorted(vocabulary()["dates"]["century"], key=len, reverse=True))
    m = re.fullmatch(rf"([0-9]{{1,2}}|[ivxlc]+)\s*(?:st|nd|rd|th|\.|:e|e|er|ème|eme)?[\s-]*(?:{words})", low)
    if not m:
        return None
    number = int(m.group(1)) if m.group(1).isdigit() else _roman(m.group(1))
    return number if number and 0 < number <= 21 else None


def _strip_words(low: str, text: str, words: Iterable[str]) -> tuple[str | None, str]:
    """The longest of ``words`` that ``low`` starts with (as a whole word), and the rest of ``text``."""
    for word in sorted(words, key=len, reverse=True):
        w = word.casefold()
        if low.startswith(w) and (w.endswith("-") or not low[len(w) :][:1].isalpha()):
            return word, text[len(w) :].strip(" -")
    return None, text


def _period(text: str) -> ParsedDate | None:
    """A decade or a century on its own, for the part forms ("late" + "19th century")."""
    parsed = parse_date(text)
    return parsed if parsed is not None and parsed.kind in ("decade", "century") else None


def _part_of(part: str, period: ParsedDate) -> ParsedDate:
    """``late`` of ``{{Other date|century|19}}`` →
    ``{{Complex date|adj1=late|date1=19|precision1=century}}``, spanning the part's share of the years."""
    assert period.earliest is not None and period.latest is not None
    span = period.latest - period.earliest + 1
    low, high = _PART_SPANS[part]
    earliest = period.earliest + int(low * span)
    latest = period.earliest + max(int(high * span) - 1, int(low * span))
    named = (("adj1", part), ("date1", period.first), ("precision1", str(period.kind)))
    return ParsedDate(None, period.first, None, earliest, latest, named)


def _circa(inner: ParsedDate) -> ParsedDate | None:
    """``c.`` before a year, a range, a decade or a century: the years it can mean widened by the
    vocabulary's ``circa_years`` either way (a guess is never exact at a public-domain cut-off)."""
    named: tuple[tuple[str, str], ...]
    margin = int(vocabulary()["dates"]["circa_years"])
    earliest = inner.earliest - margin if inner.earliest is not None else None
    latest = inner.latest + margin if inner.latest is not None else None
    if inner.kind is None and not inner.complex:
        return ParsedDate("circa", inner.first, None, earliest, latest)
    if inner.kind == "between":
        named = (("conj", "between"), ("adj1", "circa"), ("date1", inner.first), ("adj2", "circa"))
        named += (("date2", str(inner.second)),)
        return ParsedDate(None, inner.first, inner.second, earliest, latest, named)
    if inner.kind in ("decade", "century"):
        named = (("adj1", "circa"), ("date1", inner.first), ("precision1", inner.kind))
        return ParsedDate(None, inner.first, None, earliest, latest, named)
    return None


def _month_date(low: str) -> str | None:
    """``12 March 1920``, ``12. März 1920``, ``March 12, 1920``, ``mars 1920`` → ISO 8601."""
    months = {
        name.casefold(): int(number)
        for number, names in vocabulary()["dates"]["months"].items()
        for name in names
    }
    words = "|".join(re.escape(m) for m in sorted(months, key=len, reverse=True))
    for pattern in (
        rf"(?:(?P<day>[0-9]{{1,2}})\.?\s+)?(?P<month>{words})\.?\s+(?P<year>[0-9]{{4}})",
        rf"(?P<month>{words})\.?\s+(?P<day>[0-9]{{1,2}}),?\s+(?P<year>[0-9]{{4}})",
    ):
        m = re.fullmatch(pattern, low)
        if m:
            month = months[m.group("month")]
            if not m.group("day"):
                return f"{m.group('year')}-{month:02d}"
            day = int(m.group("day"))
            try:
                return dt.date(int(m.group("year")), month, day).isoformat()
            except ValueError:
                return None
    return None


def _whole_periods(start: str, end: str) -> tuple[str, str]:
    """A span of whole months (``1921-07-01``/``1921-07-31``) as months, of whole years as years: Commons
    reads ``YYYY`` and ``YYYY-MM`` as they are (Template:Artwork/doc: "for simple dates use ISO 8601 format
    … The following formats are recognized: YYYY, YYYY-MM, YYYY-MM-DD"), so ``1921-07`` says what
    ``{{Other date|between|1921-07-01|1921-07-31}}`` says."""
    if len(start) == len(end) == 10 and start.endswith("-01"):
        year, month = int(end[:4]), int(end[5:7])
        if int(end[8:]) == calendar.monthrange(year, month)[1]:
            start, end = start[:7], end[:7]
    if len(start) == len(end) == 7 and start.endswith("-01") and end.endswith("-12"):
        start, end = start[:4], end[:4]
    return start, end


def _on_calendar(iso: str) -> bool:
    """Whether an ISO date is one that exists: ``1850-02-31`` is none, and neither is year ``0000``,
    which collection systems write for "no date" (read as a year, it made every such work 2,000 years
    old, so public domain)."""
    if iso.startswith("0000"):
        return False
    if len(iso) < 10:
        return True
    try:
        dt.date(int(iso[:4]), int(iso[5:7]), int(iso[8:10]))
    except ValueError:
        return False
    return True


#: No date form a museum writes is longer ("between circa early 19th century and late 20th century" is
#: 55); a longer text is not read as a date.
DATE_CHARACTERS = 100


@lru_cache(maxsize=4096)  # pure, and a batch repeats its dates: parsed once per distinct text
def parse_date(text: str) -> ParsedDate | None:
    """Understand the date forms museums write; None when the text is not a recognised date.

    The forms and their words (English, German, Swedish, French) are in mappings/vocabulary.yaml; the
    table-driven test of real forms is tests/data/transforms/real_forms.yaml.
    """
    words = vocabulary()["dates"]
    s = " ".join(text.replace("–", "-").replace("—", "-").split()).strip(" .,;")
    if len(s) > DATE_CHARACTERS:  # each word read ("ca", "late", "~") is a call deeper
        return None
    low = s.casefold()
    if re.fullmatch(ISO, s):
        return ParsedDate(None, s, None, int(s[:4]), int(s[:4])) if _on_calendar(s) else None
    m = re.fullmatch(rf"({ISO})\s*[-–/]\s*({ISO}|[0-9]{{2}})", s)
    if m:
        start, end = m.group(1), m.group(2)
        if not (_on_calendar(start) and _on_calendar(end)):
            return None
        if len(end) == 2:  # "1788-90": the same century
            end = start[:2] + end
        if end < start:
            return None
        start, end = _whole_periods(start, end)
        if end == start:
            return ParsedDate(None, start, None, int(start[:4]), int(start[:4]))
        return ParsedDate("between", start, end, int(start[:4]), int(end[:4]))
    or_words = "|".join(re.escape(w) for w in words["or"])
    m = re.fullmatch(rf"({ISO})\s+(?:{or_words})\s+({ISO})", low)
    if m and m.group(1) < m.group(2):
        return ParsedDate("or", m.group(1), m.group(2), int(m.group(1)[:4]), int(m.group(2)[:4]))
    for kind in ("circa", "before", "after"):
        for word in sorted(words[kind], key=len, reverse=True):
            if low.startswith(word.casefold()) and (word == "~" or not low[len(word) :][:1].isalpha()):
                inner = parse_date(s[len(word) :])
                if inner is None:
                    return None
                if kind == "circa":
                    return _circa(inner)
                if inner.kind is not None or inner.complex:
                    return None
                year = int(inner.first[:4])
                # before 1969-07-01 may be in 1969; before 1969 (or its first day) is 1968 at the latest
                if kind == "before":
                    latest = year - 1 if inner.first[5:] in ("", "01", "01-01") else year
                    return ParsedDate(kind, inner.first, None, None, latest)
                earliest = year + 1 if inner.first[5:] in ("", "12", "12-31") else year
                return ParsedDate(kind, inner.first, None, earliest, None)
    decade = low
    for prefix in words["decade_prefixes"]:
        decade = decade.removeprefix(prefix.casefold() + " ")
    if decade != low and re.fullmatch(r"[0-9]{3}[1-9]0|[0-9]{2}[1-9]0", decade):  # "années 1920"
        return ParsedDate("decade", decade, None, int(decade), int(decade) + 9)
    for suffix in sorted(words["decade_suffixes"], key=len, reverse=True):
        m = re.fullmatch(rf"([0-9]{{3}}0)\s*{re.escape(suffix.casefold())}", decade)
        if m:
            year = int(m.group(1))
            if year % 100 == 0:
                return ParsedDate("century", str(year // 100 + 1), None, year, year + 99)
            return ParsedDate("decade", str(year), None, year, year + 9)
    century = _century(low)
    if century is not None:
        return ParsedDate("century", str(century), None, (century - 1) * 100, (century - 1) * 100 + 99)
    m = re.fullmatch(r"([0-9]{2}00)-talets\s+(.+)", low)
    if m:
        for part, names in words["part_suffixes"].items():
            if m.group(2) in [n.casefold() for n in names]:
                return _part_of(part, typing.cast(ParsedDate, parse_date(m.group(1) + "-talet")))
        return None
    for part, names in words["parts"].items():
        word, rest = _strip_words(low, s, names)
        if word is None:
            continue
        _, rest = _strip_words(rest.casefold(), rest, words["fillers"])
        period = _period(rest)
        return _part_of(part, period) if period is not None else None
    iso = _month_date(low)
    if iso is not None:
        return ParsedDate(None, iso, None, int(iso[:4]), int(iso[:4]))
    return None


def is_undated(text: str) -> bool:
    """True for the export's way of saying "no date" ("odaterad", "n.d.")."""
    return normalise_key(text).strip(" .") in _undated_words()


@cache
def _undated_words() -> frozenset[str]:
    """The vocabulary's "undated" words as ``is_undated`` compares them (made once)."""
    return frozenset(normalise_key(w).strip(" .") for w in vocabulary()["dates"]["undated"])


@transform("date")
def date(values: Values, ctx: Context) -> Values:
    """Normalise dates for Commons: ISO stays ISO, the rest becomes ``{{other date|...}}``.

    ``1927-09-13`` → ``1927-09-13``; ``1770 - 1780`` / ``1788-90`` → ``{{Other date|between|1770|1780}}``;
    ``ca 1780`` / ``circa`` / ``omkring`` → ``{{Other date|circa|1780}}``; ``före 1748`` →
    ``{{Other date|before|1748}}``; ``efter 1681`` → ``{{Other date|after|1681}}``; ``1780-talet`` /
    ``1780s`` → ``{{Other date|decade|1780}}``; ``1600-talet`` → ``{{Other date|century|17}}``.
    "Undated" words (``odaterad``, ``n.d.``) are dropped. Anything else is kept as text, with a warning.
    The words live in mappings/vocabulary.yaml.
    """
    out: Values = []
    for v in values:
        if is_undated(v):
            continue
        parsed = parse_date(v)
        if parsed is None:
            ctx.warn(f"date {str(v)!r} not recognised; kept as text")
            out.append(str(v))
        else:
            out.append(parsed.wikitext)
    return out


@transform("year")
def year(values: Values, ctx: Context, which: Literal["earliest", "latest"] = "latest") -> Values:
    """The earliest or latest year a date can mean, as digits (for license facts and file names).

    ``year: latest`` gives ``1699`` for ``1600-talet``, ``1747`` for ``före 1748``; nothing for
    ``efter 1681``.
    """
    out: Values = []
    for v in values:
        if is_undated(v):
            continue
        parsed = parse_date(v)
        found = None if parsed is None else (parsed.earliest if which == "earliest" else parsed.latest)
        if parsed is None:
            ctx.warn(f"no year in date {str(v)!r}")
        if found is not None:
            out.append(str(found))
    return out


# --------------------------------------------------------------------------------------------------
# dimensions


NUMBER = r"[0-9]+(?:[.,][0-9]+)?"  # ASCII digits: Commons' templates read no others
#: A dimension's label (``H``, ``Höhe``, ``Diam.``): letters and dots, never a digit, so that a long run of
#: digits is not tried at every split between label and number (25,000 digits took 30 s).
_LABEL = r"[^\W\d][^\W\d.]*(?:\.[^\W\d.]*)*"


def parse_size(text: str) -> dict[str, str] | None:
    """``"Höhe: 58 mm\\nBreite: 92 mm"``, ``"58 x 92 cm"``, ``"Höhe x Breite: 205 x 149 mm"`` or
    ``"H 10 x B 20 cm"`` → Size parameters, or None. A part in brackets (the same size in inches) is
    ignored when the rest is understood."""
    s = " ".join(text.replace("×", "x").replace("\u2009", " ").split()).casefold().strip(" ;")
    for candidate in dict.fromkeys((s, re.sub(r"\s*\([^)]*\)", "", s).strip(" ;"))):
        parsed = _size(candidate)
        if parsed is not None:
            return parsed
    return None


@cache
def _size_words() -> tuple[str, dict[str, str], list[str]]:
    """The unit pattern, label word → Size parameter, and the order of unlabelled numbers."""
    dims = vocabulary()["dimensions"]
    units = sorted((u.casefold() for u in dims["units"]), key=len, reverse=True)
    labels = {
        w.casefold(): kind
        for kind in ("height", "width", "depth", "diameter", "thickness")
        for w in dims[kind]
    }
    return "|".join(re.escape(u) for u in units), labels, dims["unlabelled_order"]


def _size(s: str) -> dict[str, str] | None:
    unit_re, labels, order = _size_words()
    unit_end = rf"({unit_re})\.?"
    m = re.fullmatch(rf"({NUMBER})((?:\s*x\s*{NUMBER})+)\s*{unit_end}", s)
    if m:  # "58 x 92 cm": height, width, depth
        numbers = [m.group(1)] + re.findall(NUMBER, m.group(2))
        if len(numbers) > len(order):
            return None
        return {"unit": m.group(3), **{order[i]: n.replace(",", ".") for i, n in enumerate(numbers)}}
    m = re.fullmatch(rf"([^\d:]+?)\s*:\s*({NUMBER}(?:\s*x\s*{NUMBER})+)\s*{unit_end}", s)
    if m:  # "Höhe x Breite: 205 x 149 mm": the labels name the numbers in order
        names = [labels.get(word.strip()) for word in re.split(r"\s*[x/]\s*", m.group(1))]
        numbers = re.findall(NUMBER, m.group(2))
        if None in names or len(names) != len(numbers) or len(set(names)) != len(names):
            return None
        return {
            "unit": m.group(3),
            **{str(n): v.replace(",", ".") for n, v in zip(names, numbers, strict=True)},
        }
    if re.search(r"[0-9]\s*(?:[a-zäöüé.]+\s*)?x\s+[^\W\d]", s):  # "H 10 x B 20 cm": labels inline
        return _labelled(re.split(r"\s+x\s+", s), labels, unit_end)
    return _labelled(re.split(r"\s*(?:;|\n|,\s)\s*|\s+(?=[^\W\d]+\.?\s*:?\s*[0-9])", s), labels, unit_end)


def _labelled(segments: list[str], labels: dict[str, str], unit_end: str) -> dict[str, str] | None:
    """Segments ``<label> [:] <number> [<unit>]``, one unit for all (given once or on every segment), each
    dimension once (or twice with the same number)."""
    found: dict[str, str] = {}
    unit = None
    for segment in segments:
        if not segment:
            continue
        m = re.fullmatch(rf"({_LABEL}|ø)\s*:?\s*({NUMBER})\s*(?:{unit_end})?", segment.strip())
        if not m or m.group(1) not in labels:
            return None
        seg_unit = m.group(3) or unit
        if unit is not None and seg_unit != unit:
            return None
        unit = seg_unit
        dimension, number = labels[m.group(1)], m.group(2).replace(",", ".")
        if found.setdefault(dimension, number) != number:  # "Höhe: 55 cm; Höhe: 62 cm": two parts
            return None  # of the object, or a mistake; as text, with the warning, never the last one
    if not found or unit is None:
        return None
    return {"unit": unit, **found}


@transform("size")
def size(values: Values, ctx: Context) -> Values:
    """Parse dimensions into ``{{Size|unit=...|height=...|width=...}}``.

    Understands labelled forms (``Höhe: 58 mm; Breite: 92 mm``, ``H 58 cm, B 92 cm``, ``Durchmesser: 23 mm``)
    and ``58 x 92 x 10 cm`` (read as height, width, depth). Label words and units are in
    mappings/vocabulary.yaml. Anything else is kept as text, with a warning.
    """
    out: Values = []
    for v in values:
        parsed = parse_size(str(v))
        if parsed is None:
            ctx.warn(f"dimensions {str(v)!r} not recognised; kept as text")
            out.append(str(v))
        else:
            unit = parsed.pop("unit")
            out.append(size_template(unit, parsed))
    return out


# --------------------------------------------------------------------------------------------------
# images


@transform("iiif_full")
def iiif_full(values: Values, ctx: Context) -> Values:
    """Turn a IIIF Image API URL (service base or any region/size request) into the full image at max size.

    ``https://x/iiif/image/ID/full/300,/0/default.jpg`` and ``https://x/iiif/image/ID`` both give
    ``https://x/iiif/image/ID/full/max/0/default.jpg``.
    """
    out = []
    for v in values:
        url = str(v).strip()
        base = re.sub(r"/(?:info\.json|[^/]+/[^/]+/!?\d+(?:\.\d+)?/[^/]+\.\w+)$", "", url)
        out.append(base.rstrip("/") + "/full/max/0/default.jpg")
    return out


def as_values(raw: Any) -> Values:
    """A record value (absent, str, list of str) as a list of strings; an object (a JSON field that is
    an object in this record, though text in others) is no text and gives none (``FieldCache`` notes it,
    for a warning), rather than Python's ``repr``."""
    if raw is None or isinstance(raw, dict):
        return []
    if isinstance(raw, (list, tuple)):
        return [str(v) for v in raw if v is not None and str(v) != "" and not isinstance(v, dict)]
    return [str(raw)] if str(raw) != "" else []


def holds_object(raw: Any) -> bool:
    """Whether a record value is, or holds, an object (which ``as_values`` leaves out)."""
    return isinstance(raw, dict) or (isinstance(raw, list) and any(isinstance(v, dict) for v in raw))
