"""Read an existing pywikibot setup as data: its base folder, ``user-config.py`` and password file.

Most Commons bot operators already run pywikibot; glamupload uses the account and bot password they gave
it, and the session cookie it stored, without asking for them again. Both files are Python to pywikibot,
which executes ``user-config.py``. glamupload never executes either: it parses them with :mod:`ast` and
takes only plain literal assignments, so a user-config that does anything else cannot run code here.

Behaviour mirrors pywikibot 11.9.0 (repository wikimedia/pywikibot; cited per function):
``pywikibot/config.py`` (``get_base_dir``, the user-config checks, ``usernames``, ``password_file``,
``family_files``), ``pywikibot/login.py`` (``LoginManager.__init__`` and ``readPassword``, ``BotPassword``),
``pywikibot/comms/http.py`` (``PywikibotCookieJar``: ``pywikibot-<user>.lwp`` in the base folder),
``pywikibot/scripts/generate_user_files.py`` (the files as ``pwb generate_user_files`` writes them).
"""

from __future__ import annotations

import ast
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from glamupload.resources import mappings_dir

USER_CONFIG = "user-config.py"
#: pywikibot's ``PYWIKIBOT_NO_USER_CONFIG``: any value but ``0`` means "do not use a user-config.py".
NO_USER_CONFIG = "PYWIKIBOT_NO_USER_CONFIG"
#: Characters pywikibot's ``tools.as_filename`` replaces with ``_`` in cookie file names.
_FILENAME_UNSAFE = re.compile(r'[:*?/\\" ]')
#: pywikibot refuses password lines longer than this or with more than 4 ", " (login.py readPassword).
MAX_PASSWORD_LINE = 250


@dataclass(frozen=True)
class Site:
    """A wiki as pywikibot names it: family and site code (``commons``/``commons`` for Commons)."""

    family: str
    code: str


@dataclass(frozen=True)
class Account:
    """What pywikibot would log in with on one site.

    ``login_name`` is ``User@suffix`` for a BotPassword entry, the plain user name otherwise; ``password`` is
    None when the password file has no entry (pywikibot would then ask, or rely on its cookie).
    """

    site: Site
    username: str
    login_name: str
    password: str | None = field(repr=False)
    #: Where the user name and the password were found (file and line), for messages.
    origin: str
    #: pywikibot's saved session for this user (``pywikibot-<User>.lwp``), if the file exists.
    cookie_file: Path | None


@dataclass
class UserConfig:
    """The parts of ``user-config.py`` glamupload uses; ``notes`` says what it skipped and why."""

    path: Path
    usernames: dict[str, dict[str, str]] = field(default_factory=dict)
    username_lines: dict[tuple[str, str], int] = field(default_factory=dict)
    password_file: str | None = None
    family_files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def base_dir(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path | None:
    """The folder pywikibot would take its ``user-config.py`` from, or None when there is none.

    pywikibot's order (config.py ``get_base_dir``): ``-dir:`` (a pywikibot option, not ours),
    ``$PYWIKIBOT_DIR``, the current folder, the ``pwb.py`` folder (``$PYWIKIBOT_DIR_PWB``), then
    ``~/.pywikibot`` — each only if it holds a ``user-config.py``. ``PYWIKIBOT_NO_USER_CONFIG`` set to
    anything but ``0`` "disables loading user config file" (its documentation), so it disables this source.
    """
    env = os.environ if environ is None else environ
    if env.get(NO_USER_CONFIG, "0") != "0":
        return None
    here = cwd or Path.cwd()
    candidates = [
        Path(env["PYWIKIBOT_DIR"]).expanduser() if env.get("PYWIKIBOT_DIR") else None,
        here,
        Path(env["PYWIKIBOT_DIR_PWB"]).expanduser() if env.get("PYWIKIBOT_DIR_PWB") else None,
        Path.home() / ".pywikibot",
    ]
    for folder in candidates:
        if folder is not None and (folder / USER_CONFIG).is_file():
            return folder.absolute()
    return None


#: What ``ast.parse``/``ast.literal_eval`` raise on a file that is not the data pywikibot writes (an
#: unhashable key is a TypeError, a line of 100,000 signs a MemoryError).
_LITERAL_ERRORS = (ValueError, TypeError, SyntaxError, MemoryError, RecursionError)


def read_user_config(path: Path) -> UserConfig:
    """Parse ``user-config.py`` as data: ``usernames``, ``password_file`` and ``family_files``.

    The forms read are those ``generate_user_files`` writes (``usernames['commons']['commons'] = 'Name'``,
    ``password_file = "user-password.cfg"``) and their plain-literal variants. Any other statement is left
    alone; one that sets these names from something that is not a literal is noted, never evaluated.
    pywikibot itself skips a user-config owned by someone else or writable by others (config.py); so do we.
    """
    config = UserConfig(path)
    info = path.stat()
    if info.st_uid not in (os.getuid(), 0):
        config.notes.append(f"{path} is owned by someone else: skipped, as pywikibot does")
        return config
    if info.st_mode & stat.S_IWOTH:
        config.notes.append(f"{path} is writable by others: skipped, as pywikibot does")
        return config
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (UnicodeDecodeError, *_LITERAL_ERRORS) as exc:
        config.notes.append(f"{path} cannot be parsed ({type(exc).__name__}): not used")
        return config
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                _assign(config, target, statement.value, statement.lineno)
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            _assign(config, statement.target, statement.value, statement.lineno)
        elif _mentions_ours(statement):
            config.notes.append(
                f"{path}:{statement.lineno}: sets usernames or password_file inside a statement glamupload "
                "does not run (only plain assignments are read)"
            )
    return config


WATCHED = ("usernames", "password_file", "family_files")


def _mentions_ours(node: ast.stmt) -> bool:
    """Whether a statement glamupload skips (an ``if``, a loop, a ``with``) assigns one of our names."""
    if isinstance(node, ast.Global | ast.Import | ast.ImportFrom | ast.Expr):
        return False
    stores = (
        n for n in ast.walk(node) if isinstance(n, ast.Name | ast.Subscript) and isinstance(n.ctx, ast.Store)
    )
    return any(_root_name(n) in WATCHED for n in stores)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _keys(node: ast.expr) -> list[object] | None:
    """The literal subscript keys of ``name[k1][k2]`` (outermost first), None if one is not a literal."""
    keys: list[object] = []
    while isinstance(node, ast.Subscript):
        try:
            keys.insert(0, ast.literal_eval(node.slice))
        except _LITERAL_ERRORS:
            return None
        node = node.value
    return keys


def _assign(config: UserConfig, target: ast.expr, value: ast.expr, line: int) -> None:
    name = _root_name(target)
    if name not in WATCHED:
        return
    keys = _keys(target)
    try:
        literal = ast.literal_eval(value)
    except _LITERAL_ERRORS:
        literal = _NOT_LITERAL
    where = f"{config.path}:{line}"
    if keys is None or literal is _NOT_LITERAL:
        config.notes.append(f"{where}: {name} is set from an expression, not a literal: not read")
        return
    if name == "password_file" and not keys and (literal is None or isinstance(literal, str)):
        config.password_file = literal
    elif name == "usernames" and _set_usernames(config, keys, literal, line):
        pass
    elif name == "family_files" and len(keys) == 1 and isinstance(keys[0], str) and isinstance(literal, str):
        config.family_files[keys[0]] = literal
    elif name == "family_files" and not keys and isinstance(literal, dict):
        config.family_files.update({str(k): str(v) for k, v in literal.items()})
    else:
        config.notes.append(f"{where}: {name} has a form glamupload does not read")


def _set_usernames(config: UserConfig, keys: list[object], value: object, line: int) -> bool:
    """``usernames[f][c] = 'Name'``, ``usernames[f] = {c: 'Name'}`` or ``usernames = {f: {c: 'Name'}}``."""
    if len(keys) == 2 and all(isinstance(k, str) for k in keys) and isinstance(value, str):
        family, code = str(keys[0]), str(keys[1])
        config.usernames.setdefault(family, {})[code] = value
        config.username_lines[(family, code)] = line
        return True
    nested = {str(keys[0]): value} if len(keys) == 1 else value if not keys else None
    if not isinstance(nested, dict) or not all(isinstance(v, dict) for v in nested.values()):
        return False
    for family, codes in nested.items():
        for code, name in codes.items():
            if isinstance(name, str):
                config.usernames.setdefault(str(family), {})[str(code)] = name
                config.username_lines[(str(family), str(code))] = line
    return True


_NOT_LITERAL = object()


@cache
def _families() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load((mappings_dir() / "pywikibot-families.yaml").read_text("utf-8"))
    return data


def site_for(api: str, family_files: Mapping[str, str]) -> Site | None:
    """Which pywikibot site an api.php URL is: a ``family_files`` URL entry, else a Wikimedia family."""
    parts = urlsplit(api)
    for name, location in family_files.items():
        if location.startswith(("http://", "https://")) and _same_api(location, api):
            return Site(name, name)
    host = parts.hostname or ""
    known = _families()
    hosts = known["hosts"]
    assert isinstance(hosts, dict)
    if host in hosts:
        family, code = hosts[host]
        return Site(str(family), str(code))
    match = re.fullmatch(r"([a-z][a-z0-9-]*)\.([a-z]+)\.org", host)
    language_families = known["language_families"]
    assert isinstance(language_families, list)
    if match and match.group(2) in language_families:
        return Site(match.group(2), match.group(1))
    return None


def _same_api(location: str, api: str) -> bool:
    """pywikibot's AutoFamily takes the URL's host and script path (``/w`` unless it names api.php); a
    family file URL that does not parse names no wiki."""
    try:
        a, b = urlsplit(location), urlsplit(api)
    except ValueError:
        return False
    path = a.path if a.path.endswith("api.php") else (a.path.rstrip("/") or "/w") + "/api.php"
    return (a.netloc.lower(), path) == (b.netloc.lower(), b.path)


def normalize_username(name: str) -> str:
    """pywikibot's ``tools.normalize_username``: runs of ``_``/space become one space, first letter upper."""
    name = re.sub("[_ ]+", " ", name).strip()
    return name[:1].upper() + name[1:]


def username_for(config: UserConfig, site: Site) -> str | None:
    """pywikibot's lookup (login.py ``LoginManager.__init__``): the family's entry, else ``'*'``; within
    it the site code, else ``'*'``."""
    codes = config.usernames.get(site.family) or config.usernames.get("*") or {}
    return codes.get(site.code) or codes.get("*")


def cookie_file(folder: Path, username: str) -> Path:
    """``pywikibot-<User>.lwp`` in the base folder (comms/http.py ``PywikibotCookieJar.load``: the normalised
    user name with ``: * ? / \\ "`` and spaces replaced by ``_``, tools ``as_filename``)."""
    return folder / f"pywikibot-{_FILENAME_UNSAFE.sub('_', username)}.lwp"


def password_path(folder: Path, password_file: str) -> Path:
    """The password file relative to the base folder, else as given (login.py ``readPassword``)."""
    beside = folder / password_file
    return beside if beside.is_file() and not beside.is_symlink() else Path(password_file)


def read_password(path: Path, site: Site, username: str) -> tuple[str, str | None, int | None, list[str]]:
    """``(login name, password, line, notes)`` for ``username`` on ``site`` from a pywikibot password file.

    As login.py ``readPassword`` (10.7.1 and later) does it: lines are read from the last to the first; blank
    lines and ``#`` comments are skipped; a line longer than 250 characters or with more than four ``", "``
    is refused; ``BotPassword`` is removed and the rest read with ``ast.literal_eval``; a tuple of 2 to 4
    items is ``(code, family, username, password)`` with the leading items defaulting to the site; the first
    match wins. ``(user, BotPassword(suffix, password))`` logs in as ``user@suffix``. Notes never quote a
    line (it holds a password): only the file and the line number.
    """
    notes: list[str] = []
    if path.is_symlink() or not path.is_file():
        return username, None, None, [f"the password file {path} does not exist (or is a symlink)"]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return username, None, None, [f"{path} is readable by others (mode {mode:o}): not used; chmod 600 it"]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:  # only the file: the byte may be the password's
        return username, None, None, [f"{path} is not UTF-8 text, as pywikibot reads it: not used"]
    for number in range(len(lines), 0, -1):
        line = lines[number - 1].strip()
        if not line or line.startswith("#"):
            continue
        where = f"{path}:{number}"
        if line.count(", ") > 4 or len(line) > MAX_PASSWORD_LINE:
            notes.append(f"{where}: too long or too complex for pywikibot: not read")
            continue
        bot_password = "BotPassword" in line
        try:
            entry = ast.literal_eval(line.replace("BotPassword", "") if bot_password else line)
        except _LITERAL_ERRORS:
            notes.append(f"{where}: not a Python literal: not read")
            continue
        if not isinstance(entry, tuple) or not 2 <= len(entry) <= 4:
            notes.append(f"{where}: not a tuple of 2 to 4 items: not read")
            continue
        code, family, user, secret = (site.code, site.family)[: 4 - len(entry)] + entry
        if (code, family) != (site.code, site.family) or not isinstance(user, str):
            continue
        if normalize_username(user) != normalize_username(username):
            continue
        if isinstance(secret, str) and not bot_password:
            return username, secret, number, notes
        if (
            bot_password
            and isinstance(secret, tuple)
            and len(secret) == 2
            and all(isinstance(s, str) for s in secret)
        ):
            suffix, password = secret
            return f"{username}@{suffix}", password, number, notes
        notes.append(f"{where}: the password has a form pywikibot does not accept: not read")
    return username, None, None, notes


def account_for(api: str, environ: Mapping[str, str] | None = None) -> tuple[Account | None, list[str]]:
    """The pywikibot account for the wiki at ``api``, and notes on what was found and skipped.

    None when there is no pywikibot setup, it names no user for this wiki, or it has neither a password
    entry nor a saved session for that user.
    """
    folder = base_dir(environ)
    if folder is None:
        return None, []
    config = read_user_config(folder / USER_CONFIG)
    notes = list(config.notes)
    site = site_for(api, config.family_files)
    if site is None:
        return None, [*notes, f"pywikibot ({folder}): no family in user-config.py is {api}"]
    configured = username_for(config, site)
    if not configured:
        return None, [
            *notes,
            f"pywikibot ({folder}): user-config.py names no user for {site.family}:{site.code}",
        ]
    username = normalize_username(configured)
    line = config.username_lines.get((site.family, site.code)) or config.username_lines.get(
        (site.family, "*")
    )
    origin = f"{config.path}" + (f":{line}" if line else "")
    login_name, password, password_line = username, None, None
    if config.password_file:
        where = password_path(folder, config.password_file)
        login_name, password, password_line, more = read_password(where, site, username)
        notes += more
        if password is not None:
            origin += f", {where}:{password_line}"
    cookies = cookie_file(folder, username)
    saved = cookies if cookies.is_file() else None
    if password is None and saved is None:
        notes.append(
            f"pywikibot ({folder}): {username} on {site.family}:{site.code} has no password entry and no "
            f"saved session ({cookies.name})"
        )
        return None, notes
    if saved is not None:
        origin += f", session {saved}"
    return Account(site, username, login_name, password, origin, saved), notes
