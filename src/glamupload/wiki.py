"""The one place that talks to a MediaWiki API (decision 0002: mwclient).

Everything that reaches a wiki goes through :class:`Wiki`: login, batched title and SHA-1 queries,
uploads and page edits. Commands choose the wiki with ``--wiki``: ``sandbox`` (the default, so nothing
reaches Commons unless the user asks), ``commons``, or an ``api.php`` URL.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import mwclient
import mwclient.errors
import requests

from glamupload import __version__, sandbox
from glamupload.errors import AuthError, ConfigError, WikiError

COMMONS_API = "https://commons.wikimedia.org/w/api.php"
KEYRING_SERVICE = "glamupload"
#: Multi-value API parameters take at most 50 values for ordinary accounts.
TITLES_PER_REQUEST = 50
MAXLAG = 5


@dataclass(frozen=True)
class Target:
    """A resolved ``--wiki`` value: the API URL and, for the sandbox, its folder."""

    name: str
    api: str
    sandbox_dir: Path | None = None


def resolve_target(wiki: str, sandbox_dir: Path | None = None) -> Target:
    """Turn ``sandbox`` / ``commons`` / an api.php URL into a :class:`Target`."""
    if wiki == "sandbox":
        directory = (sandbox_dir or sandbox.default_dir()).resolve()
        state = sandbox.status(directory)
        if state is None:
            raise ConfigError(
                "there is no sandbox wiki yet", file=directory,
                hint="start one with `glamupload sandbox start`",
            )
        return Target("sandbox", state.api, directory)
    if wiki == "commons":
        return Target("commons", COMMONS_API)
    parts = urlsplit(wiki)
    if parts.scheme in ("http", "https") and parts.path.endswith("api.php"):
        return Target(parts.netloc, wiki)
    raise ConfigError(
        f"--wiki must be 'sandbox', 'commons' or the URL of an api.php, not {wiki!r}",
        hint="for example --wiki https://test.wikipedia.org/w/api.php",
    )


def resolve_credentials(target: Target) -> tuple[str, str]:
    """Credentials from the environment, the system keyring, or the sandbox folder.

    ``GLAMUPLOAD_USERNAME`` / ``GLAMUPLOAD_PASSWORD`` hold a BotPassword (``User@BotName``); the keyring
    entry is service ``glamupload``, key ``<api url>``, value ``User@BotName:password``.
    """
    username = os.environ.get("GLAMUPLOAD_USERNAME")
    password = os.environ.get("GLAMUPLOAD_PASSWORD")
    if username and password:
        return username, password
    if target.sandbox_dir is not None:
        return sandbox.credentials(target.sandbox_dir)
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, target.api)
    except Exception:  # noqa: BLE001 - no keyring backend is an ordinary situation
        stored = None
    if stored and ":" in stored:
        user, _, secret = stored.partition(":")
        return user, secret
    raise AuthError(
        "missing-credentials",
        f"no credentials for {target.api}",
        hint="set GLAMUPLOAD_USERNAME and GLAMUPLOAD_PASSWORD to a bot password (User@BotName) "
        f"or store 'User@BotName:password' in the keyring under service {KEYRING_SERVICE!r}",
    )


def user_agent(username: str | None) -> str:
    """A descriptive User-Agent, as the Wikimedia User-Agent policy asks."""
    contact = os.environ.get("GLAMUPLOAD_CONTACT") or (f"User:{username.split('@')[0]}" if username else "")
    return f"glamupload/{__version__} ({contact})".replace(" ()", "")


def chunked(items: Iterable[str], size: int = TITLES_PER_REQUEST) -> Iterator[list[str]]:
    """Split titles into groups the API accepts in one request."""
    group: list[str] = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


class Wiki:
    """A logged-in connection to one wiki."""

    def __init__(self, target: Target, username: str | None = None, password: str | None = None,
                 *, timeout: float = 120.0) -> None:
        parts = urlsplit(target.api)
        self.target = target
        self.username = username
        try:
            self.site = mwclient.Site(
                parts.netloc, path=parts.path[: -len("api.php")], scheme=parts.scheme,
                clients_useragent=user_agent(username), max_lag=MAXLAG,
                connection_options={"timeout": timeout}, max_retries=3, retry_timeout=5,
            )
            if username and password:
                self.site.login(username, password)
        except mwclient.errors.LoginError as exc:
            code = exc.code or "Failed"
            raise AuthError(code, exc.info or "login failed", hint="check the bot password") from None
        except (requests.RequestException, mwclient.errors.MaximumRetriesExceeded) as exc:
            raise WikiError("http", f"cannot reach {target.api}: {exc}") from None

    @classmethod
    def connect(cls, wiki: str = "sandbox", sandbox_dir: Path | None = None) -> Wiki:
        """Resolve ``--wiki``, find the credentials and log in."""
        target = resolve_target(wiki, sandbox_dir)
        username, password = resolve_credentials(target)
        return cls(target, username, password)

    def api(self, action: str, **params: Any) -> dict[str, Any]:
        """One API call; API errors become :class:`WikiError` with the wiki's code and message."""
        try:
            return self.site.api(action, **params)
        except mwclient.errors.APIError as exc:
            raise WikiError(exc.code, str(exc.info)) from None

    def siteinfo(self) -> dict[str, Any]:
        """General info, namespaces and file extensions (read at run time, never assumed)."""
        return self.api("query", meta="siteinfo", siprop="general|namespaces|fileextensions")["query"]

    def file_info(self, titles: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """``{title: imageinfo or None}`` for file names (without ``File:``), 50 per request."""
        found: dict[str, dict[str, Any] | None] = {}
        for group in chunked(titles):
            reply = self.api(
                "query", titles="|".join(f"File:{t}" for t in group), prop="imageinfo",
                iiprop="sha1|size|mime|url|user|timestamp",
            )["query"]
            names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
            pages = {p["title"]: p for p in reply.get("pages", {}).values()}
            for title in group:
                full = names.get(f"File:{title}", f"File:{title}")
                page = pages.get(full, {})
                info = page.get("imageinfo")
                found[title] = dict(info[0], title=full) if info else None
        return found

    def files_with_sha1(self, sha1: str) -> list[str]:
        """Titles of the live files whose content has this SHA-1 (hex)."""
        reply = self.api("query", list="allimages", aisha1=sha1, ailimit=50)
        return [img["title"] for img in reply["query"]["allimages"]]

    def upload(self, path: Path, filename: str, text: str, comment: str) -> dict[str, Any]:
        """Upload one whole file (warnings are returned, never ignored)."""
        token = self.site.get_token("csrf")
        with path.open("rb") as fh:
            data = {"action": "upload", "format": "json", "filename": filename, "text": text,
                    "comment": comment, "token": token, "assert": "user", "maxlag": MAXLAG}
            reply = json.loads(self.site.raw_call("api", data, files={"file": (filename, fh)}))
        if "error" in reply:
            raise WikiError(reply["error"]["code"], reply["error"].get("info", ""))
        return reply["upload"]

    def download(self, url: str) -> bytes:
        """Fetch a file's bytes by the URL imageinfo gave (to verify what the wiki holds)."""
        response = self.site.connection.get(url, timeout=120)
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
                "query", titles="|".join(group), prop="revisions",
                rvprop="ids|user|timestamp|comment|content", rvslots="main",
            )["query"]
            names = {n["from"]: n["to"] for n in reply.get("normalized", [])}
            pages = {p["title"]: p for p in reply.get("pages", {}).values()}
            for title in group:
                page = pages.get(names.get(title, title), {})
                revisions = page.get("revisions")
                if not revisions:
                    found[title] = None
                    continue
                rev = revisions[0]
                found[title] = {
                    "title": page["title"], "revid": rev["revid"], "user": rev.get("user"),
                    "timestamp": rev.get("timestamp"), "comment": rev.get("comment", ""),
                    "text": rev["slots"]["main"].get("*", ""),
                }
        return found

    def edit(self, title: str, text: str, summary: str, *, create_only: bool = False,
             base_revid: int | None = None) -> dict[str, Any]:
        """Save a page; ``create_only`` refuses to touch an existing page, ``base_revid`` detects conflicts."""
        params: dict[str, Any] = {"title": title, "text": text, "summary": summary,
                                  "token": self.site.get_token("csrf"), "assert": "user", "bot": 1}
        if create_only:
            params["createonly"] = 1
        if base_revid is not None:
            params["baserevid"] = base_revid
            params["nocreate"] = 1
        return self.api("edit", **params)["edit"]
