"""Credentials: one typed value, found in one documented order, never printable.

Where credentials come from, tried in this order (the first that has some for the wiki wins):

1. **the sandbox folder** — for ``--wiki sandbox`` only: the rehearsal wiki's own uploader account
   (``credentials.json``). It comes first because any other credentials a user has are for a real wiki and
   would fail on the sandbox, which never has the user's accounts.
2. **the environment** — ``GLAMUPLOAD_OAUTH_TOKEN`` (an OAuth 2 owner-only access token), else
   ``GLAMUPLOAD_USERNAME`` + ``GLAMUPLOAD_PASSWORD`` (a bot password, ``User@BotName``): what a user sets
   for one shell or one CI job overrides what is stored.
3. **the system keyring** — service ``glamupload``: entry ``oauth2:<api.php URL>`` holds a token, entry
   ``<api.php URL>`` holds ``User@BotName:password``.
4. **pywikibot's configuration** — the user-config.py and password file of an existing pywikibot setup
   (:mod:`glamupload.pywikibot_setup`), read as data, with pywikibot's saved session.

:func:`resolve_credentials` says which one was chosen (``Credentials.source`` and ``origin``); when none
has credentials the error lists every place looked at. A password or token is a :class:`Secret`: its
``repr`` and ``str`` are masked, so it cannot reach output, logs, a state file or a report by accident.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from glamupload import pywikibot_setup, sandbox
from glamupload.errors import AuthError

if TYPE_CHECKING:
    from glamupload.wiki import Target

KEYRING_SERVICE = "glamupload"
KEYRING_TOKEN_PREFIX = "oauth2:"
ENV_TOKEN = "GLAMUPLOAD_OAUTH_TOKEN"
ENV_USERNAME = "GLAMUPLOAD_USERNAME"
ENV_PASSWORD = "GLAMUPLOAD_PASSWORD"

#: Every place credentials can come from, for --help texts and "no credentials" errors.
SOURCES_HELP = (
    f"credentials are taken from, in this order: the sandbox folder (--wiki sandbox only); {ENV_TOKEN} (an "
    f"OAuth 2 owner-only token) or {ENV_USERNAME} + {ENV_PASSWORD} (a bot password, User@BotName); the "
    f"keyring (service {KEYRING_SERVICE!r}, entry '{KEYRING_TOKEN_PREFIX}<api.php URL>' for a token or "
    "'<api.php URL>' for 'User@BotName:password'); an existing pywikibot setup (PYWIKIBOT_DIR, the current "
    "folder, ~/.pywikibot). See docs/accounts.md"
)


class Secret:
    """A password or token. It prints as ``Secret('***')``; only :meth:`reveal` gives the value, and the one
    place that calls it is the wiki layer, when it sends the value to the wiki."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not pickled: it would end up in a file")


class Source(StrEnum):
    """Where credentials came from."""

    SANDBOX = "sandbox folder"
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    PYWIKIBOT = "pywikibot"


class Method(StrEnum):
    """How glamupload authenticates with them."""

    #: ``action=login`` with ``User@BotName`` and its password (or an account password on a sandbox).
    BOT_PASSWORD = "bot password"
    #: ``Authorization: Bearer <token>`` on every request: nothing to log in.
    OAUTH2 = "OAuth 2 token"
    #: Only a session pywikibot saved: usable while the wiki accepts it, no way to log in again.
    SESSION = "pywikibot session"


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with on one wiki, and where it came from.

    ``account`` is the login name (``User@BotName``; None for a token until the wiki says whose it is).
    ``cookies`` is a session another tool saved (pywikibot's ``.lwp``) to try before logging in.
    """

    method: Method
    source: Source
    origin: str
    account: str | None
    secret: Secret | None = field(default=None, repr=False)
    cookies: Path | None = None

    @property
    def kind(self) -> str:
        """One word for reports: ``bot password``, ``OAuth 2 token``, ``pywikibot`` or ``sandbox``."""
        if self.source is Source.PYWIKIBOT:
            return "pywikibot"
        if self.source is Source.SANDBOX:
            return "sandbox"
        return str(self.method)

    def describe(self) -> str:
        """``bot password Museum@glam from the environment (GLAMUPLOAD_USERNAME)``: never the secret."""
        who = f" {self.account}" if self.account else ""
        return f"{self.method}{who} from the {self.source} ({self.origin})"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "kind": self.kind,
            "method": str(self.method),
            "source": str(self.source),
            "origin": self.origin,
            "account": self.account,
        }


def main_account(login_name: str) -> str:
    """The account a login name acts as, as the wiki writes it (``museum_bot@glam`` → ``Museum bot``)."""
    return pywikibot_setup.normalize_username(login_name.partition("@")[0])


def sandbox_account(directory: Path, which: Literal["uploader", "admin"] = "uploader") -> Credentials:
    """The sandbox's uploader (a bot password) or its administrator (an account password)."""
    username, password = sandbox.credentials(directory, which)
    return Credentials(
        Method.BOT_PASSWORD, Source.SANDBOX, str(directory / "credentials.json"), username, Secret(password)
    )


def resolve_credentials(target: Target, environ: Mapping[str, str] | None = None) -> Credentials:
    """The credentials for ``target``, from the first source in the documented order that has some.

    Raises :class:`AuthError` naming every source and what was found there when none has credentials.
    """
    found, notes = find_credentials(target, environ)
    if found is not None:
        return found
    raise AuthError(
        "missing-credentials",
        f"no credentials for {target.api}" + "".join(f"\n  - {note}" for note in notes),
        hint=SOURCES_HELP,
    )


def find_credentials(
    target: Target, environ: Mapping[str, str] | None = None
) -> tuple[Credentials | None, list[str]]:
    """The first source's credentials (None if no source has any), and notes on what each source lacked."""
    env = os.environ if environ is None else environ
    notes: list[str] = []
    if target.sandbox_dir is not None:
        return sandbox_account(target.sandbox_dir), notes
    for source in (_from_environment, _from_keyring):
        found = source(target, env)
        if found is not None:
            return found, notes
    notes.append(f"environment: neither {ENV_TOKEN} nor {ENV_USERNAME}/{ENV_PASSWORD} is set")
    notes.append(
        f"keyring: no entry {KEYRING_TOKEN_PREFIX}{target.api} or {target.api} "
        f"under service {KEYRING_SERVICE!r}"
    )
    account, pywikibot_notes = pywikibot_setup.account_for(target.api, env)
    notes += pywikibot_notes or [
        "pywikibot: no user-config.py in PYWIKIBOT_DIR, the current folder or ~/.pywikibot"
    ]
    if account is None:
        return None, notes
    if account.password is None:
        return Credentials(
            Method.SESSION, Source.PYWIKIBOT, account.origin, account.login_name, None, account.cookie_file
        ), notes
    return (
        Credentials(
            Method.BOT_PASSWORD,
            Source.PYWIKIBOT,
            account.origin,
            account.login_name,
            Secret(account.password),
            account.cookie_file,
        ),
        notes,
    )


def _from_environment(target: Target, env: Mapping[str, str]) -> Credentials | None:
    token = env.get(ENV_TOKEN)
    if token:
        return Credentials(Method.OAUTH2, Source.ENVIRONMENT, ENV_TOKEN, None, _token(token, ENV_TOKEN))
    username, password = env.get(ENV_USERNAME), env.get(ENV_PASSWORD)
    if username and password:
        return Credentials(Method.BOT_PASSWORD, Source.ENVIRONMENT, ENV_USERNAME, username, Secret(password))
    if username or password:
        missing = ENV_PASSWORD if username else ENV_USERNAME
        raise AuthError(
            "missing-credentials",
            f"{ENV_USERNAME if username else ENV_PASSWORD} is set but {missing} is not",
            hint="set both (a bot password: User@BotName and its password), or unset it",
        )
    return None


def _from_keyring(target: Target, env: Mapping[str, str]) -> Credentials | None:
    token = _keyring_get(KEYRING_TOKEN_PREFIX + target.api)
    if token:
        origin = f"service {KEYRING_SERVICE!r}, entry {KEYRING_TOKEN_PREFIX}{target.api}"
        return Credentials(
            Method.OAUTH2, Source.KEYRING, origin, None, _token(token, f"the keyring's {origin}")
        )
    stored = _keyring_get(target.api)
    if stored and ":" in stored:
        user, _, secret = stored.partition(":")
        origin = f"service {KEYRING_SERVICE!r}, entry {target.api}"
        return Credentials(Method.BOT_PASSWORD, Source.KEYRING, origin, user, Secret(secret))
    return None


def _token(value: str, origin: str) -> Secret:
    """An OAuth 2 access token: visible ASCII only (it is sent in a header). The line break a token copied
    from a Windows file keeps is dropped; anything else is refused without showing the token."""
    token = value.strip()
    if not all("!" <= c <= "~" for c in token):
        raise AuthError(
            "bad-token",
            f"{origin} does not hold an OAuth 2 access token: it has a space, a control character or a "
            "character outside ASCII (a typographic quote?)",
            hint="copy the access token again, as the wiki showed it (docs/accounts.md)",
        )
    return Secret(token)


def _keyring_get(entry: str) -> str | None:
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, entry)
    except Exception:  # noqa: BLE001 - no keyring backend is an ordinary situation
        return None
    return str(value) if value else None


# --- who the account is: groups, limits, Commons' bot policy -------------------------------------------

#: Commons:Bots/Requests: "If you want to run a bot on Commons, you must get permission first" and "Please
#: make a small test run (5–20 edits)" (https://commons.wikimedia.org/wiki/Commons:Bots/Requests).
BOT_REQUESTS = "https://commons.wikimedia.org/wiki/Commons:Bots/Requests"


@dataclass(frozen=True)
class RateLimit:
    """One limit the wiki applies to the account: ``hits`` actions per ``seconds``, for ``scope``
    (``user``, ``newbie``, ``ip``…, as MediaWiki's ``$wgRateLimits`` names them)."""

    scope: str
    hits: int
    seconds: float

    def __str__(self) -> str:
        return f"{self.hits} per {self.seconds:g} s ({self.scope})"


@dataclass(frozen=True)
class AccountInfo:
    """What ``whoami`` shows: the account as the wiki sees it and what limits a batch will meet."""

    wiki: str
    api: str
    name: str
    credentials: Credentials
    session: str
    groups: tuple[str, ...]
    editcount: int | None
    unlimited: bool
    upload_limits: tuple[RateLimit, ...]
    edit_limits: tuple[RateLimit, ...]
    on_commons: bool

    @property
    def bot(self) -> bool:
        return "bot" in self.groups

    @property
    def autopatrolled(self) -> bool:
        return "autopatrolled" in self.groups

    @property
    def bot_policy(self) -> str:
        """Whether Commons' bot policy applies to a batch from this account, and what it asks."""
        if not self.on_commons:
            return "not Commons: Commons' bot policy does not apply here (it will when you upload to Commons)"
        if self.bot:
            return "the account has the bot flag: an approved bot (a new kind of task needs its own request)"
        return (
            "no bot flag: a batch upload is bot work on Commons. Ask for permission first at "
            f"{BOT_REQUESTS} and make a small test run of 5-20 edits (glamupload upload --limit 10)"
        )

    @classmethod
    def from_userinfo(
        cls,
        userinfo: Mapping[str, Any],
        *,
        wiki: str,
        api: str,
        credentials: Credentials,
        session: str,
        on_commons: bool,
    ) -> AccountInfo:
        """From ``meta=userinfo&uiprop=groups|rights|ratelimits|editcount``."""
        limits = userinfo.get("ratelimits") or {}
        return cls(
            wiki=wiki,
            api=api,
            name=str(userinfo["name"]),
            credentials=credentials,
            session=session,
            groups=tuple(g for g in userinfo.get("groups", []) if g not in ("*", "user")),
            editcount=userinfo.get("editcount"),
            unlimited="noratelimit" in userinfo.get("rights", []),
            upload_limits=_limits(limits.get("upload")),
            edit_limits=_limits(limits.get("edit")),
            on_commons=on_commons,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "wiki": self.wiki,
            "api": self.api,
            "account": self.name,
            "credentials": self.credentials.to_dict(),
            "session": self.session,
            "groups": list(self.groups),
            "bot": self.bot,
            "autopatrolled": self.autopatrolled,
            "editcount": self.editcount,
            "rate_limits": {
                "unlimited": self.unlimited,
                "upload": [asdict(limit) for limit in self.upload_limits],
                "edit": [asdict(limit) for limit in self.edit_limits],
            },
            "bot_policy": self.bot_policy,
        }


def _limits(scopes: Mapping[str, Any] | None) -> tuple[RateLimit, ...]:
    return tuple(
        RateLimit(str(scope), int(value["hits"]), float(value["seconds"]))
        for scope, value in (scopes or {}).items()
        if isinstance(value, Mapping) and "hits" in value
    )
