"""Load YAML files a person edits, keeping line numbers so every mistake can be pointed at.

Batch configs and crosswalks are written by curators, not programmers: an error must name the
file, the line and the key, and suggest what they probably meant. PyYAML's composer keeps the
line of every node; we build plain Python data from the nodes and remember, for each path of keys
and list indexes, the line it came from. Pydantic errors (which carry such paths) are then turned
into ``ConfigError`` with that line.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ValidationError

from glamupload.errors import ConfigError

Loc = tuple[str | int, ...]


class LocatedYaml:
    """YAML data plus the line (1-based) of every mapping key and list item, by path."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]) -> None:
        self.path = path
        self.data = data
        self.lines = lines

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line of ``loc`` or of its closest ancestor that has one."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)

    def error(self, message: str, loc: Sequence[str | int], *, hint: str | None = None) -> ConfigError:
        """A ConfigError pointing at ``loc`` in this file."""
        key = ".".join(str(p) for p in loc) or None
        return ConfigError(message, file=self.path, line=self.line(loc), field=key, hint=hint)


def _yaml_hint(exc: yaml.MarkedYAMLError) -> str | None:
    """What a person can do about the YAML reader's words: most often an indentation slip, which it
    notices only a few lines later (where the next key does not fit the block)."""
    problem = exc.problem or ""
    if "'\\t'" in problem or "\t" in problem:
        return "YAML indents with spaces, not tabs: replace the tab on this line with spaces"
    if any(words in problem for words in ("block end", "expected key", "mapping values", "expected ':'")):
        began = exc.context_mark.line + 1 if exc.context_mark is not None else None
        return (
            "check the indentation of this line and of the lines above it: keys of one mapping start in "
            "the same column, with spaces"
            + (f" (the block the reader was in began on line {began})" if began else "")
        )
    return None


def load_yaml(path: Path) -> LocatedYaml:
    """Read ``path`` as YAML (one document, a mapping at the top) with line numbers."""
    if path.exists() and not path.is_file():  # a pipe would wait for ever, /dev/zero fill the memory
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise ConfigError(f"{kind}, not a YAML file", file=path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text ({exc.reason})", file=path) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        if node is not None:
            _check_aliases(node, path)
        lines: dict[Loc, int] = {}
        data = _construct(node, (), lines, path) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise ConfigError(
            f"not valid YAML: {exc.problem}",
            file=path,
            line=mark.line + 1 if mark else None,
            hint=_yaml_hint(exc),
        ) from None
    except RecursionError:
        raise ConfigError(
            "lists or mappings nested too deep to read (hundreds of levels)",
            file=path,
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping of keys at the top of the file", file=path, line=1)
    return LocatedYaml(path, data, lines)


#: How many more values than the file writes its aliases (``*name``) may stand for: reuse is welcome,
#: but nine aliases of nine aliases, eight deep ("billion laughs"), would be 43 million values to build.
ALIAS_VALUES = 100_000


def _check_aliases(root: yaml.Node, path: Path) -> None:
    """Refuse a file whose aliases expand to more than ``ALIAS_VALUES`` values beyond the file's own:
    the size of each node is counted once, however often it is named."""
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        if id(node) not in sizes:
            children = node.value if isinstance(node, yaml.SequenceNode) else []
            if isinstance(node, yaml.MappingNode):
                children = [child for pair in node.value for child in pair]
            sizes[id(node)] = 1 + sum(size(child) for child in children)
        return sizes[id(node)]

    if size(root) > len(sizes) + ALIAS_VALUES:
        raise ConfigError(
            f"its aliases (*name) stand for more than {ALIAS_VALUES:,} values",
            file=path,
            hint="write the values out, or reuse a smaller part",
        )


def _construct(node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path) -> Any:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                raise ConfigError(
                    "keys must be plain names (no lists, mappings or << merges)",
                    file=path,
                    line=key_node.start_mark.line + 1,
                )
            key = str(key_node.value)
            if key in out:
                raise ConfigError(
                    f"key {key!r} appears twice", file=path, line=key_node.start_mark.line + 1, field=key
                )
            lines[loc + (key,)] = key_node.start_mark.line + 1
            out[key] = _construct(value_node, loc + (key,), lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, loc + (i,), lines, path) for i, item in enumerate(node.value)]
    value = yaml.SafeLoader("").construct_object(node)
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ConfigError(
            "a \\u escape stands for half of a UTF-16 pair (\\ud800–\\udfff), which is no character",
            file=path,
            line=node.start_mark.line + 1,
            field=".".join(map(str, loc)) or None,
            hint="write the character itself, or its \\U escape (\\U0001F600)",
        )
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")


def suggest(name: str, valid: Iterable[str]) -> str | None:
    """'did you mean ...' for a mistyped name, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    if not matches:
        lowered = {v.casefold(): v for v in valid}
        matches = [lowered[m] for m in difflib.get_close_matches(name.casefold(), lowered, n=1, cutoff=0.6)]
    return matches[0] if matches else None


def _named(value: str) -> str:
    if not value.strip():
        raise ValueError("empty: write the category's name, or leave the key out")
    return value.strip()


#: A category a config names (``tracking:``): ``""`` meant "none" in one file and "the crosswalk's" in
#: the other, without a word, so it is refused.
CategoryName = Annotated[str, AfterValidator(_named)]


def regex_problem(pattern: str) -> str | None:
    """Why a regular expression a person wrote does not compile, else None. ``re.compile`` raises more
    than ``re.error``: ``OverflowError`` for a repeat count over 4294967295 (``a{4294967296}``) and
    ``RecursionError`` for groups nested thousands deep, and neither may become a crash."""
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        return str(exc) or type(exc).__name__
    return None


def did_you_mean(name: str, valid: Iterable[str]) -> str:
    """A hint sentence: the closest valid name if any, and the valid names."""
    valid = sorted(set(valid))
    close = suggest(name, valid)
    listing = ", ".join(repr(v) for v in valid)
    return (f"did you mean {close!r}? " if close else "") + f"valid names: {listing}"


def validate(model: type[BaseModel], located: LocatedYaml, data: Any = None, loc: Loc = ()) -> Any:
    """Validate ``data`` (default: the whole file) with ``model``; errors become ConfigError."""
    try:
        return model.model_validate(located.data if data is None else data)
    except ValidationError as exc:
        err = first_error(exc)
        full = loc + tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            key = str(full[-1])
            parent = model_at(model, tuple(err["loc"])[:-1])
            hint = did_you_mean(key, field_names(parent)) if parent else None
            raise located.error(f"unknown key {key!r}", full, hint=hint) from None
        if err["type"] == "missing":
            raise located.error(f"required key {str(full[-1])!r} is missing", full[:-1]) from None
        raise located.error(err["msg"], full) from None


def first_error(exc: ValidationError) -> Any:
    """The error to show: a misspelt key first (it usually explains a "missing" one too)."""
    errors = exc.errors()
    return next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a model accepts in YAML (aliases where set)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model that validates the value at ``loc`` under ``model`` (for suggestions)."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            by_key = {f.alias or n: f for n, f in current.model_fields.items()}
            if part not in by_key:
                return None
            current = by_key[part].annotation
        else:
            current = _container_item(current)
            if current is None:
                return None
        current = _unwrap_optional(current)
    current = _unwrap_optional(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap_optional(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return tp


def _container_item(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (list, tuple, set) and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
