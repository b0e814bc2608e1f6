"""The one place that talks to a MediaWiki API (decisions 0002 and 0008).

Everything that reaches a wiki goes through :class:`Wiki`: login, batched title and SHA-1 queries,
uploads and page edits. Commands choose the wiki with ``--wiki``: ``sandbox`` (the default, so nothing
reaches Commons unless the user asks), ``commons``, or an ``api.php`` URL. Credentials come from
:mod:`glamupload.accounts`; a session is kept between runs (:mod:`glamupload.sessions`), so a batch logs in
once, not once per run; a read-only command connects without any credentials.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import requests

from glamupload import PROJECT_URL, __version__, sandbox, sessions
from glamupload.accounts import (
    SOURCES_HELP,
    AccountInfo,
    Credentials,
    Method,
    Secret,
    main_account,
    resolve_credentials,
)
from glamupload.errors import (
    ApiError,
    AuthError,
    ConfigError,
    LocalFileError,
    NotMediaWiki,
    RateLimited,
    Stopped,
    WikiError,
    WikiUnavailable,
)
from glamupload.stopping import StopSignal

COMMONS_API = "https://commons.wikimedia.org/w/api.php"
#: Multi-value API parameters take at most 50 values for ordinary accounts.
TITLES_PER_REQUEST = 50
MAXLAG = 5
#: API error codes that mean "not now": the same request succeeds later.
TRANSIENT_CODES = frozenset({"maxlag", "readonly"})
#: API error codes (and HTTP 429) that mean "you are too fast": waited out for as long as the wiki asks,
#: up to the connection's ``rate_limit_wait`` in all for one request, never counted as failed attempts.
RATE_LIMIT_CODES = frozenset({"ratelimited", "concurrency-limit", "apierror-concurrency-limit"})
#: API error codes that mean the session was lost: log in again and repeat the request.
SESSION_LOST_CODES = frozenset({"assertuserfailed", "assertnameduserfailed", "mustbeloggedin", "notloggedin"})
#: Failures of the connection itself (refused, reset, timed out, cut in the middle of a reply).
NETWORK_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
#: HTTP statuses worth repeating (rate limiting, overload, gateway trouble).
TRANSIENT_HTTP = frozenset({408, 500, 502, 503, 504})
#: How many answers in a row that are not a MediaWiki API's reply (an HTML page) a URL may give before it
#: is called "not a MediaWiki API", while it never gave a real reply (later on, such answers are transient).
NOT_API_ATTEMPTS = 3
#: How long a run keeps waiting on rate limits for one request before it gives up (2 hours).
RATE_LIMIT_WAIT = 7200.0
#: The environment variable that sets how many attempts a transient failure gets (for scripts that
#: would rather fail fast than wait out an outage).
RETRIES_VARIABLE = "GLAMUPLOAD_RETRIES"


@dataclass(frozen=True)
class Target:
    """A resolved ``--wiki`` value: the API URL and, for the sandbox, its folder."""

    name: str
    api: str
    sandbox_dir: Path | None = None
    #: What an upload state records as "the wiki": the API URL, plus the instance for a sandbox.
    identity: str = ""

    def __post_init__(self) -> None:
        if not self.identity:
            object.__setattr__(self, "identity", self.api)


def resolve_target(wiki: str, sandbox_dir: Path | None = None) -> Target:
    """Turn ``sandbox`` / ``commons`` / an api.php URL into a :class:`Target`."""
    if wiki == "sandbox":
        directory = (sandbox_dir or sandbox.default_dir()).resolve()
        state = sandbox.status(directory)
        if state is None:
            raise ConfigError(
                "there is no sandbox wiki yet",
                file=directory,
                hint="start one with `glamupload sandbox start`",
            )
        return Target(
            "sandbox",
            state.api,
            directory,
            identity=f"{state.api} (sandbox {sandbox.instance_id(directory)})",
        )
    if wiki == "commons":
        return Target("commons", COMMONS_API)
    try:
        parts = urlsplit(wiki)
    except ValueError as exc:  # not echoed: it may hold a password that could not be found in it
        raise ConfigError(
            f"--wiki is not a URL that can be read ({exc})",
            hint="for example --wiki https://test.wikipedia.org/w/api.php",
        ) from None
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise ConfigError(
            f"--wiki {shown}: the URL holds a user name or password, which glamupload refuses: a command "
            "line is kept in shell history and shown to every user of the machine in the process list",
            hint=SOURCES_HELP,
        )
    if parts.scheme in ("http", "https") and parts.path.endswith("api.php"):
        return Target(parts.netloc, wiki)
    raise ConfigError(
        f"--wiki must be 'sandbox', 'commons' or the URL of an api.php, not {wiki!r}",
        hint="for example --wiki https://test.wikipedia.org/w/api.php",
    )


def user_agent(username: str | None) -> str:
    """A descriptive User-Agent, as the Wikimedia User-Agent policy asks: ``<client>/<version> (<contact
    information>) <library>/<version>``, the contact being the project's URL and the user's own contact
    (``GLAMUPLOAD_CONTACT``, an e-mail or ``User:Name``, else the account's user page)."""
    contact = os.environ.get("GLAMUPLOAD_CONTACT") or (f"User:{main_account(username)}" if username else "")
    about = "; ".join(part for part in (PROJECT_URL, _header_text(contact.strip())) if part)
    return f"glamupload/{__version__} ({about}) python-requests/{requests.__version__}"


def _header_text(text: str) -> str:
    """Text an HTTP header can carry: a letter outside ASCII (``User:Łukasz``, which the header's Latin-1
    cannot hold) and a control character (a line break would end the header) percent-encoded, as in
    the user page's URL."""
    return "".join(c if " " <= c <= "~" else quote(c, safe="") for c in text)


T = TypeVar("T")


def chunked(
    items: Iterable[T], size: int = TITLES_PER_REQUEST, *, first: int | None = None
) -> Iterator[list[T]]:
    """Split titles (or rows) into groups the API accepts in one request; the first group ``first``
    long when given (a question the caller wants answered before it has gathered a whole group)."""
    group: list[T] = []
    wanted = first or size
    for item in items:
        group.append(item)
        if len(group) == wanted:
            yield group
            group, wanted = [], size
    if group:
        yield group


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter for transient failures, never shorter than ``Retry-After``."""

    attempts: int = 8
    base: float = 1.0
    cap: float = 120.0

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        """The default policy, with ``GLAMUPLOAD_RETRIES`` attempts when that variable is set."""
        value = os.environ.get(RETRIES_VARIABLE)
        if value is None:
            return cls()
        if not value.isdigit() or int(value) < 1:
            raise ConfigError(
                f"{RETRIES_VARIABLE} must be a whole number of attempts, at least 1, not {value!r}"
            )
        return cls(attempts=int(value))

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (0-based); jitter spreads clients apart."""
        backoff = min(self.cap, self.base * 2 ** min(attempt, 32)) * random.uniform(0.5, 1.0)
        return max(backoff, retry_after or 0.0)


def duration(seconds: float) -> str:
    """A wait for people: ``45 s``, ``12 min``, ``2.5 h``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h".replace(".0 h", " h")


def _retry_after(response: requests.Response | None) -> float | None:
    """The ``Retry-After`` header in seconds (only the delta form; dates are rare on MediaWiki)."""
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


#: How a :class:`Wiki` got its session: none (reads only), a token, a session saved by an earlier run or by
#: pywikibot that the wiki still accepted, or a fresh login.
SessionOrigin = Literal["anonymous", "token", "reused", "pywikibot", "login"]


class Wiki:
    """A connection to one wiki, logged in or (for reads) anonymous.

    Every request goes through :meth:`call`, which adds ``maxlag`` and, once logged in, ``assert=user``,
    retries transient failures with backoff, refreshes the CSRF token on ``badtoken`` and logs in again
    when the session is lost. With a :class:`~glamupload.sessions.SessionStore` the session is saved after
    a login and tried first by the next run, which then sends no login request while the wiki accepts it.
    """

    def __init__(
        self,
        target: Target,
        credentials: Credentials | None = None,
        *,
        store: sessions.SessionStore | None = None,
        timeout: float = 120.0,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> None:
        self.target = target
        self.credentials = credentials
        self.store = store
        #: The login name (``User@BotName``); for a token, the account the wiki says it belongs to.
        self.username = credentials.account if credentials else None
        self.timeout = timeout
        self.retry = RetryPolicy.from_environment()
        #: Seconds of rate-limit waits one request may take in all before the command gives up.
        self.rate_limit_wait = RATE_LIMIT_WAIT
        #: Called with (seconds, reason) before every wait, so a wait is shown, never silent (from the
        #: first request on: an unreachable wiki is retried for a minute or two before a command fails).
        self.on_wait = on_wait
        #: Set to stop: waits end and requests in flight are cut (:class:`Stopped`); cleared to go on.
        self.stop_signal = StopSignal()
        self.session_origin: SessionOrigin = "anonymous"
        self._csrf: str | None = None
        self._logged_in = False
        #: Whether this URL ever answered as a MediaWiki API does (until then, HTML means "not one").
        self._seen_api = False
        self.session = self.stop_signal.mount(requests.Session())
        self.session.headers["User-Agent"] = user_agent(self.username)
        if credentials is not None:
            self._open_session(credentials)

    @classmethod
    def connect(
        cls,
        wiki: str = "sandbox",
        sandbox_dir: Path | None = None,
        *,
        read_only: bool = False,
        on_wait: Callable[[float, str], None] | None = None,
    ) -> Wiki:
        """Resolve ``--wiki`` and the credentials, and open a session (a saved one when the wiki accepts it).

        ``read_only`` connects anonymously, without looking for credentials: reads need none, and a
        command that only reads should never cost a login. ``on_wait`` is told of every wait, the first
        requests' included.
        """
        target = resolve_target(wiki, sandbox_dir)
        if read_only:
            return cls(target, on_wait=on_wait)
        return cls(
            target, resolve_credentials(target), store=sessions.SessionStore.default(), on_wait=on_wait
        )

    @property
    def session_file(self) -> Path | None:
        """Where this account's session on this wiki is kept between runs (None: not kept)."""
        creds = self.credentials
        if self.store is None or creds is None or creds.account is None or creds.method is Method.OAUTH2:
            return None
        return self.store.path(self.target.identity, self.target.api, creds.account)

    def _open_session(self, credentials: Credentials) -> None:
        """Authenticate, logging in only when no saved session is accepted.

        A token goes with every request to the wiki's own host (never to a file or source URL). Otherwise
        the session saved by an earlier run, or the one pywikibot saved, is checked with one ``userinfo``
        request; only when the wiki no longer knows it (or it is another account's) does glamupload log in.
        """
        if credentials.method is Method.OAUTH2:
            assert credentials.secret is not None
            self.session.auth = _BearerAuth(credentials.secret, urlsplit(self.target.api).netloc)
            self.username = self._session_user()
            if self.username is None:
                raise AuthError(
                    "oauth-refused",
                    f"{self.target.api} does not accept the OAuth 2 token ({credentials.origin})",
                )
            self.session.headers["User-Agent"] = user_agent(self.username)
            self._logged_in, self.session_origin = True, "token"
            return
        saved = self.session_file
        host = urlsplit(self.target.api).hostname or ""
        origin: SessionOrigin | None = None
        if saved is not None and sessions.load(saved, self.session.cookies):
            origin = "reused"
        elif credentials.cookies is not None and sessions.load(
            credentials.cookies, self.session.cookies, host
        ):
            origin = "pywikibot"
        if origin is not None and self._session_user() == main_account(credentials.account or ""):
            self._logged_in, self.session_origin = True, origin
            self._save_session()
            return
        self.login()

    def login(self) -> None:
        """Log in with the bot password (a login token, then ``action=login``) and save the session.

        The one place a password is sent. Both requests go through :meth:`call` like every other, so a
        lost reply is retried; a refusal is checked against the session (the lost reply may have been
        the wiki's "Success", and the retry then meets a session logged in already).
        """
        creds = self.credentials
        if creds is None or creds.method is not Method.BOT_PASSWORD or creds.secret is None:
            how = creds.describe() if creds else "no credentials"
            raise AuthError(
                "cannot-login",
                f"{self.target.api} no longer accepts the session, and {how} cannot log in again",
                hint="log in again with pywikibot (pwb login), or give glamupload a bot password or an "
                f"OAuth 2 token; {SOURCES_HELP}",
            )
        self._logged_in, self._csrf = False, None
        tokens = self.call({"action": "query", "meta": "tokens", "type": "login"})["query"]["tokens"]
        reply = self.call(
            {
                "action": "login",
                "lgname": creds.account,
                "lgpassword": creds.secret.reveal(),
                "lgtoken": tokens["logintoken"],
            }
        )["login"]
        if reply.get("result") != "Success" and self._session_user() != main_account(creds.account or ""):
            # (a refusal after a retry can mean the first try logged in and only its reply was lost: the
            # session then is the account's, which the userinfo request tells)
            raise AuthError(
                str(reply.get("result") or "Failed"),
                str(reply.get("reason") or "login failed"),
                hint=f"check the bot password: {creds.describe()}",
            )
        self._logged_in, self.session_origin = True, "login"
        self._save_session()

    def _save_session(self) -> None:
        if self.store is not None and self.session_file is not None:
            try:
                self.store.save(self.session_file, self.session.cookies)
            except OSError as exc:
                raise LocalFileError.from_os(exc, "cannot save the wiki session", self.session_file) from None

    def _session_user(self) -> str | None:
        """The account this session is logged in as (None when anonymous): one ``userinfo`` request."""
        try:
            info = self.call({"action": "query", "meta": "userinfo"})["query"]["userinfo"]
        except ApiError as exc:
            if exc.code.startswith("mwoauth"):  # the OAuth extension refuses the token itself
                raise AuthError(
                    exc.code, exc.info, hint=f"make a new owner-only token; {SOURCES_HELP}"
                ) from None
            raise
        return None if "anon" in info else str(info["name"])

    def account_info(self) -> AccountInfo:
        """Who this session is on the wiki: groups, edit count and the upload and edit rate limits."""
        if self.credentials is None:
            raise AuthError(
                "missing-credentials", f"{self.target.api}: connected without credentials", hint=SOURCES_HELP
            )
        reply = self.call(
            {"action": "query", "meta": "userinfo", "uiprop": "groups|rights|ratelimits|editcount"}
        )
        return AccountInfo.from_userinfo(
            reply["query"]["userinfo"],
            wiki=self.target.name,
            api=self.target.api,
            credentials=self.credentials,
            session=self.session_origin,
            on_commons=urlsplit(self.target.api).hostname == urlsplit(COMMONS_API).hostname,
        )

    def api(self, action: str, **params: Any) -> dict[str, Any]:
        """One API call; API errors become :class:`ApiError` with the wiki's code and message."""
        if action == "query":
            params.setdefault("continue", "")
        return self.call({"action": action, **params})

    def call(
        self,
        params: dict[str, Any],
        *,
        files: dict[str, tuple[str, bytes]] | None = None,
        write: bool = False,
    ) -> dict[str, Any]:
        """POST one API request with the retry policy; ``write`` adds a CSRF token.

        ``files`` holds whole byte strings (not open files) so a retry resends exactly the same
        bytes. Repeating a write is safe for what glamupload sends: an upload is never published
        over an existing file or a duplicate without ``ignorewarnings``, and the uploader
        reconciles unclear outcomes with the wiki.
        """
        data: dict[str, Any] = {"format": "json", "maxlag": MAXLAG, **params}
        if self._logged_in:
            data.setdefault("assert", "user")
        if write:
            data["token"] = self.csrf_token()
        tries = _Tries(self)
        refreshed = relogged = False
        while True:
            self.stop_signal.check()
            try:
                response = self.session.post(self.target.api, data=data, files=files, timeout=self.timeout)
                reply = self._reply(response, str(params.get("action", "")))
                error = reply.get("error")
                if not error:
                    return reply
                code, info = str(error.get("code", "")), str(error.get("info", ""))
                if code in RATE_LIMIT_CODES:
                    raise _Transient(f"{code}: {info}", _retry_after(response), rate_limit=True)
                if code in TRANSIENT_CODES or code.startswith("internal_api_error"):
                    raise _Transient(f"{code}: {info}", _retry_after(response))
                if code == "badtoken" and "token" in data and not refreshed:
                    data["token"] = self.csrf_token(force=True)
                    refreshed = True
                    continue
                if code in SESSION_LOST_CODES and not relogged:
                    self.login()
                    if "token" in data:
                        data["token"] = self.csrf_token(force=True)
                    relogged = True
                    continue
                raise ApiError(code, info, error)
            except NETWORK_ERRORS as exc:
                if self.stop_signal.is_set():
                    raise Stopped from None  # the stop cut this request
                failure = _Transient(f"network: {type(exc).__name__}", None)
            except _Transient as exc:
                failure = exc
            delay, shown = tries.wait_after(failure)
            if self.on_wait is not None:
                self.on_wait(delay, shown)
            self.stop_signal.sleep(delay)

    def _reply(self, response: requests.Response, action: str) -> dict[str, Any]:
        """The API reply of an answer, or why it is none: a transient HTTP status (:class:`_Transient`),
        another status (:class:`WikiError`), or something that is not a MediaWiki API's JSON."""
        if response.status_code == 429:
            raise _Transient("HTTP 429", _retry_after(response), rate_limit=True)
        if response.status_code in TRANSIENT_HTTP:
            raise _Transient(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code != 200:
            hint = "" if self._seen_api else " (is this the URL of a MediaWiki api.php?)"
            raise WikiError("http", f"HTTP {response.status_code} from {self.target.api}{hint}")
        kind = response.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
        try:
            reply = response.json()
        except ValueError:
            if kind == "application/json":  # a reply cut short: the same request answers whole later
                raise _Transient("a JSON reply cut short", None) from None
            raise _Transient(f"{kind} instead of JSON", None, not_api=True) from None
        keys = ("error", "query", "batchcomplete", "continue", action)
        if not isinstance(reply, dict) or (not self._seen_api and not any(k in reply for k in keys)):
            raise _Transient("JSON that is not a MediaWiki API reply", None, not_api=True)
        self._seen_api = True
        return reply

    @contextmanager
    def after_stop(self, timeout: float = 1.0) -> Iterator[None]:
        """Requests once more after a stop, each tried once within ``timeout`` seconds, so a stopped run
        can ask the wiki what became of the file it was sending; stopped again afterwards."""
        saved = self.retry, self.timeout, self.rate_limit_wait
        self.retry, self.timeout, self.rate_limit_wait = RetryPolicy(attempts=1), timeout, 0.0
        self.stop_signal.clear()
        try:
            yield
        finally:
            self.retry, self.timeout, self.rate_limit_wait = saved
            self.stop_signal.set()

    def csrf_token(self, force: bool = False) -> str:
        """The session's CSRF token, fetched once and again after ``badtoken``; writing needs a login."""
        if self.credentials is None:
            raise AuthError(
                "login-required",
                f"writing to {self.target.api} needs a login, and this command connected without credentials",
                hint=SOURCES_HELP,
            )
        if self._csrf is None or force:
            reply = self.call({"action": "query", "meta": "tokens", "type": "csrf"})
            self._csrf = str(reply["query"]["tokens"]["csrftoken"])
        return self._csrf

    def siteinfo(self) -> dict[str, Any]:
        """General info, namespaces and file extensions (read at run time, never assumed)."""
        return self.api("query", meta="siteinfo", siprop="general|namespaces|fileextensions")["query"]

    def file_info(self, titles: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """``{title: imageinfo or None}`` for file names (without ``File:``), 50 per request."""
        return self.account_and_files(titles, account=False)[1]

    def account_and_files(
        self, titles: Iterable[str], *, account: bool = True
    ) -> tuple[tuple[int, float] | None, dict[str, dict[str, Any] | None]]:
        """The account's upload rate limit and :meth:`file_info`, asked together.

        The rate limit and the CSRF token ride along with the first group of titles, so a preflight
        of N files costs ceil(N / 50) requests in all.
        """
        found: dict[str, dict[str, Any] | None] = {}
        limit: tuple[int, float] | None = None
        groups = list(chunked(titles)) or ([[]] if account else [])
        for number, group in enumerate(groups):
            params: dict[str, Any] = {
                "action": "query",
                "prop": "imageinfo",
                "iiprop": "sha1|size|mime|url|user|timestamp",
                "continue": "",
            }
            if group:
                params["titles"] = "|".join(f"File:{t}" for t in group)
            if account and number == 0:
                params.update(meta="userinfo|tokens", uiprop="ratelimits", type="csrf")
            reply = self.call(params)["query"]
            if "userinfo" in reply:
                limit = _upload_limit(reply["userinfo"])
                self._csrf = str(reply["tokens"]["csrftoken"])
            names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
            pages = pages_by_title(reply)
            for title in group:
                full = names.get(f"File:{title}", f"File:{title}")
                page = pages.get(full, {})
                info = page.get("imageinfo")
                found[title] = dict(info[0], title=full) if info else None
        return limit, found

    def files_with_sha1(self, sha1: str) -> list[str]:
        """Titles of the live files whose content has this SHA-1 (hex)."""
        reply = self.api("query", list="allimages", aisha1=sha1, ailimit=50)
        return [img["title"] for img in reply["query"]["allimages"]]

    def upload(self, path: Path, filename: str, text: str, comment: str) -> dict[str, Any]:
        """Upload one whole file (warnings are returned, never ignored)."""
        return self.upload_bytes(path.read_bytes(), filename, text, comment)

    def upload_bytes(self, content: bytes, filename: str, text: str, comment: str) -> dict[str, Any]:
        """Upload a whole file in one request; the ``upload`` object (``result`` Success or Warning)."""
        params = {"action": "upload", "filename": filename, "text": text, "comment": comment}
        return self.call(params, files={"file": (filename, content)}, write=True)["upload"]

    def upload_chunk(
        self, filename: str, chunk: bytes, offset: int, filesize: int, filekey: str | None
    ) -> dict[str, Any]:
        """Send one chunk to the stash; the reply carries the server's ``offset`` and ``filekey``.

        Warnings are ignored here only because a stashed chunk publishes nothing; the publish
        step (:meth:`publish_stash`) handles each warning.
        """
        params: dict[str, Any] = {
            "action": "upload",
            "filename": filename,
            "stash": 1,
            "offset": offset,
            "filesize": filesize,
            "ignorewarnings": 1,
        }
        if filekey:
            params["filekey"] = filekey
        return self.call(params, files={"chunk": (filename, chunk)}, write=True)["upload"]

    def stash_status(self, filekey: str) -> dict[str, Any]:
        """Where a chunked upload stands on the server (``result`` Continue + ``offset``)."""
        return self.call({"action": "upload", "filekey": filekey, "checkstatus": 1}, write=True)["upload"]

    def stash_info(self, filekey: str) -> dict[str, Any] | None:
        """Size and SHA-1 of a file in the user's stash, None when the stash no longer holds it."""
        try:
            reply = self.call(
                {"action": "query", "prop": "stashimageinfo", "siifilekey": filekey, "siiprop": "size|sha1"}
            )
        except ApiError:
            return None
        infos = reply.get("query", {}).get("stashimageinfo") or []
        return dict(infos[0]) if infos else None

    def publish_stash(
        self, filename: str, filekey: str, text: str, comment: str, *, ignore_warnings: bool = False
    ) -> dict[str, Any]:
        """Publish a stashed file under ``filename`` (warnings returned unless explicitly judged harmless)."""
        params: dict[str, Any] = {
            "action": "upload",
            "filename": filename,
            "filekey": filekey,
            "text": text,
            "comment": comment,
        }
        if ignore_warnings:
            params["ignorewarnings"] = 1
        return self.call(params, write=True)["upload"]

    def download(self, url: str) -> bytes:
        """Fetch a file's bytes by the URL imageinfo gave (to verify what the wiki holds)."""
        response = self.session.get(url, timeout=120)
        response.raise_for_status()
        return response.content

    def namespace_name(self, canonical: str) -> str:
        """The local name of a namespace given its canonical name (e.g. ``Institution``)."""
        for ns in self.siteinfo()["namespaces"].values():
            if ns.get("canonical") == canonical:
                return str(ns["*"])
        raise WikiError("no-namespace", f"the wiki has no {canonical!r} namespace")

    def page_revisions(self, titles: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """``{title: latest revision (revid, user, timestamp, comment, text) or None}``, 50 per request."""
        found: dict[str, dict[str, Any] | None] = {}
        for group in chunked(titles):
            reply = self.api(
                "query",
                titles="|".join(group),
                prop="revisions",
                rvprop="ids|user|timestamp|comment|content",
                rvslots="main",
            )["query"]
            names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
            pages = pages_by_title(reply)
            for title in group:
                page = pages.get(names.get(title, title), {})
                revisions = page.get("revisions")
                if not revisions:
                    found[title] = None
                    continue
                rev = revisions[0]
                found[title] = {
                    "title": page["title"],
                    "revid": rev["revid"],
                    "user": rev.get("user"),
                    "timestamp": rev.get("timestamp"),
                    "comment": rev.get("comment", ""),
                    "text": rev["slots"]["main"].get("*", ""),
                }
        return found

    def edit(
        self,
        title: str,
        text: str,
        summary: str,
        *,
        create_only: bool = False,
        base_revid: int | None = None,
        base_timestamp: str | None = None,
    ) -> dict[str, Any]:
        """Save a page; ``create_only`` refuses to touch an existing page, ``base_revid`` (and
        ``base_timestamp``, the base revision's) detects conflicts and refuses to recreate a deleted
        page (``nocreate``)."""
        params: dict[str, Any] = {"title": title, "text": text, "summary": summary, "bot": 1}
        if create_only:
            params["createonly"] = 1
        if base_revid is not None:
            params["baserevid"] = base_revid
            params["nocreate"] = 1
        if base_timestamp is not None:
            params["basetimestamp"] = base_timestamp
        return self.call({"action": "edit", **params}, write=True)["edit"]

    def missing_revisions(self, revids: Iterable[int]) -> set[int]:
        """Those of ``revids`` the wiki no longer has (deleted with their page), 50 per request."""
        gone: set[int] = set()
        for group in chunked(sorted(set(revids))):
            reply = self.api("query", revids="|".join(map(str, group)))["query"]
            bad = reply.get("badrevids") or {}
            gone.update(int(entry["revid"]) for entry in (bad.values() if isinstance(bad, dict) else bad))
        return gone

    def first_revision(self, title: str) -> dict[str, Any] | None:
        """The page's first revision (revid, user, timestamp, comment, text), None when it is missing."""
        found = self._revisions(title, rvdir="newer", rvlimit=1, rvprop="ids|user|timestamp|comment|content")
        return found[0] if found else None

    def revisions_after(self, title: str, revid: int) -> list[dict[str, Any]]:
        """The revisions saved after ``revid``, oldest first (revid, user, timestamp, comment, sha1)."""
        found = self._revisions(
            title, rvdir="newer", rvstartid=revid, rvlimit="max", rvprop="ids|user|timestamp|comment|sha1"
        )
        return [rev for rev in found if rev["revid"] != revid]

    def _revisions(self, title: str, **params: Any) -> list[dict[str, Any]]:
        reply = self.api("query", titles=title, prop="revisions", rvslots="main", **params)["query"]
        page: dict[str, Any] = next(iter(reply.get("pages", {}).values()), {})
        return [
            {
                "revid": rev["revid"],
                "user": rev.get("user"),
                "timestamp": rev.get("timestamp"),
                "comment": rev.get("comment", ""),
                "sha1": rev.get("sha1") or rev.get("slots", {}).get("main", {}).get("sha1"),
                "text": rev.get("slots", {}).get("main", {}).get("*"),
            }
            for rev in page.get("revisions", [])
        ]

    def last_log_event(self, title: str, types: Iterable[str] = ("delete", "move")) -> dict[str, Any] | None:
        """The newest deletion or move of a page (``type``, ``action``, ``user``, ``timestamp``,
        ``comment`` and, for a move, ``params.target_title``); None when the logs have none."""
        newest: dict[str, Any] | None = None
        for kind in types:
            reply = self.api(
                "query",
                list="logevents",
                letitle=title,
                letype=kind,
                lelimit=1,
                leprop="type|user|timestamp|comment|details|title",
            )
            for event in reply["query"]["logevents"]:
                if newest is None or event["timestamp"] > newest["timestamp"]:
                    newest = dict(event)
        return newest

    # --- structured data (MediaInfo entities, issue #18) ------------------------------------------

    def page_ids(self, titles: Iterable[str]) -> dict[str, int | None]:
        """``{title: page id or None}`` (a file's MediaInfo entity is ``M`` + its page id), 50 per request."""
        found: dict[str, int | None] = {}
        for group in chunked(titles):
            reply = self.api("query", prop="info", titles="|".join(group))["query"]
            names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
            pages = pages_by_title(reply)
            for title in group:
                page = pages.get(names.get(title, title), {})
                found[title] = None if "missing" in page or "pageid" not in page else int(page["pageid"])
        return found

    def entity(self, entity_id: str) -> dict[str, Any] | None:
        """A MediaInfo entity as ``wbgetentities`` gives it; None when it has no data yet (``missing``)."""
        entity = self.api("wbgetentities", ids=entity_id)["entities"][entity_id]
        return None if "missing" in entity else dict(entity)

    def edit_entity(
        self, entity_id: str, data: dict[str, Any], summary: str, *, base_revid: int | None = None
    ) -> dict[str, Any]:
        """One ``wbeditentity``: every caption and statement in ``data`` in one revision; ``base_revid``
        makes the wiki refuse the edit (``edit-conflict``) when someone saved the entity since it was read."""
        params: dict[str, Any] = {
            "action": "wbeditentity",
            "id": entity_id,
            "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
            "summary": summary,
            "bot": 1,
        }
        if base_revid is not None:
            params["baserevid"] = base_revid
        return self.call(params, write=True)

    def edit_limit(self) -> tuple[int, float] | None:
        """The account's edit rate limit (hits, seconds), for pacing entity writes; None if unlimited."""
        reply = self.call({"action": "query", "meta": "userinfo", "uiprop": "ratelimits"})
        return _upload_limit(reply["query"]["userinfo"], "edit")


def pages_by_title(query: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``pages`` of a query reply by title. MediaWiki 1.39 sends them as an object keyed by page id,
    but as a list when the ids happen to make one (seen while another client publishes the same files)."""
    pages = query.get("pages") or {}
    return {str(p["title"]): p for p in (pages.values() if isinstance(pages, dict) else pages)}


def _upload_limit(userinfo: dict[str, Any], action: str = "upload") -> tuple[int, float] | None:
    """The strictest ``action`` limit of ``uiprop=ratelimits`` as (hits, seconds); None if unlimited."""
    limits = userinfo.get("ratelimits", {}).get(action, {})
    windows = [
        (int(v["hits"]), float(v["seconds"]))
        for v in limits.values()
        if isinstance(v, dict) and v.get("hits")
    ]
    return min(windows, key=lambda w: w[0] / w[1]) if windows else None


class _BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` on requests to the wiki's own host only: a file URL or a
    redirect elsewhere never sees the token."""

    def __init__(self, token: Secret, netloc: str) -> None:
        self.token = token
        self.netloc = netloc

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if urlsplit(request.url or "").netloc == self.netloc:
            request.headers["Authorization"] = f"Bearer {self.token.reveal()}"
        return request


@dataclass
class _Tries:
    """One request's tries: failed attempts, answers that were no API reply, and rate-limit waits (not
    attempts: bounded by the total wait ``rate_limit_wait``)."""

    wiki: Wiki
    attempts: int = 0
    not_api: int = 0
    waits: int = 0
    limited: float = 0.0

    def wait_after(self, failure: _Transient) -> tuple[float, str]:
        """How long to wait before trying again, and why (for people); the error when not to."""
        wiki, retry = self.wiki, self.wiki.retry
        if failure.rate_limit:
            delay = min(retry.delay(self.waits, failure.retry_after), wiki.rate_limit_wait - self.limited)
            self.waits += 1
            if delay <= 0:
                raise RateLimited(
                    "ratelimited",
                    f"{wiki.target.api}: still refused for the rate limit after waiting "
                    f"{duration(self.limited)} ({failure.reason})",
                    hint="run again later, or allow a longer wait (upload --rate-limit-wait MINUTES)",
                )
            self.limited += delay
            most = duration(wiki.rate_limit_wait)
            return delay, f"{failure.reason} (rate limit: {duration(self.limited)} waited of at most {most})"
        self.not_api = self.not_api + 1 if failure.not_api and not wiki._seen_api else 0
        if self.not_api >= NOT_API_ATTEMPTS:
            raise NotMediaWiki(
                "not-mediawiki",
                f"{wiki.target.api} is not a MediaWiki API: it answers {failure.reason}",
                hint="--wiki needs the URL of the wiki's api.php, e.g. https://commons.wikimedia.org/w/api.php",
            )
        self.attempts += 1
        if self.attempts >= retry.attempts:
            raise WikiUnavailable(
                "unavailable",
                f"{wiki.target.api}: {failure.reason} (gave up after {retry.attempts} attempts)",
            )
        delay = retry.delay(self.attempts - 1, failure.retry_after)
        return delay, f"{failure.reason} (then attempt {self.attempts + 1} of {retry.attempts})"


class _Transient(Exception):
    """Internal: a failure worth retrying, with the server's ``Retry-After`` when it sent one.

    ``rate_limit``: the wiki asks us to slow down (waited out, not counted as an attempt); ``not_api``:
    the answer is not a MediaWiki API's (an HTML page), which before any real reply means a wrong URL.
    """

    def __init__(
        self, reason: str, retry_after: float | None, *, rate_limit: bool = False, not_api: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.rate_limit = rate_limit
        self.not_api = not_api
