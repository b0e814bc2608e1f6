"""Start-up under faults (#16): the first requests of a command — the login token, the login, the
command's first reads — go through the one retry policy like every other, so one fault there costs a
wait, not the run; an URL that answers but is not a MediaWiki API is said to be one, with the URL, exit
status 4, after a few seconds; every wait is shown on stderr from the first request on.

A fault proxy (tests/faultproxy.py) sits in front of the real sandbox wiki."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_cli, uploader_env, write_batch
from faultproxy import FaultProxy

from glamupload.accounts import resolve_credentials
from glamupload.errors import NotMediaWiki
from glamupload.exitcodes import ExitStatus
from glamupload.sessions import SessionStore
from glamupload.wiki import Target, Wiki, resolve_target

#: (fault, which of the first four requests gets it): the faults a network gives, on the first request;
#: a reply lost or cut short, on each of the first four (the second is the login itself: the wiki logged
#: in, the client saw nothing, and the retry meets a session that is logged in already).
STARTUP_FAULTS = [(fault, 1) for fault in ("drop", "drop-after", "502", "503", "cut")] + [
    (fault, k) for fault in ("cut-reply", "truncated", "drop-after") for k in (2, 3, 4)
]


def _fresh_login(sandbox_dir: Path, api: str, store: Path, waits: list[str]) -> Wiki:
    """The sandbox uploader through ``api``, logging in afresh (an empty session store)."""
    target = resolve_target("sandbox", sandbox_dir)
    return Wiki(
        Target("proxied", api, target.sandbox_dir, identity=api),
        resolve_credentials(target),
        store=SessionStore(store),
        on_wait=lambda seconds, reason: waits.append(reason),
    )


@pytest.mark.parametrize(("fault", "request_number"), STARTUP_FAULTS)
def test_one_fault_in_the_first_requests_costs_a_wait_not_the_run(
    sandbox_wiki: Any, tmp_path: Path, fault: str, request_number: int
) -> None:
    waits: list[str] = []
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.add("any", "pass", times=request_number - 1)
        proxy.add("any", fault)
        wiki = _fresh_login(Path(sandbox_wiki.dir), proxy.api, tmp_path / "sessions", waits)
        info = wiki.account_info()  # request 3
        general = wiki.siteinfo()["general"]  # request 4
        assert proxy.applied == {fault: 1} and proxy.schedule == []
    assert wiki.session_origin == "login" and info.name == "Uploader"
    assert general["generator"].startswith("MediaWiki")
    assert len(waits) == 1, waits  # the one fault, retried once, and said


@pytest.mark.parametrize("answer", ["html", "other-json"])
def test_an_url_that_is_not_a_mediawiki_api_is_named_quickly(
    sandbox_wiki: Any, tmp_path: Path, answer: str
) -> None:
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.always = answer
        started = time.monotonic()
        with pytest.raises(NotMediaWiki) as refused:
            _fresh_login(Path(sandbox_wiki.dir), proxy.api, tmp_path / "sessions", [])
        took = time.monotonic() - started
    assert proxy.api in refused.value.message and "is not a MediaWiki API" in refused.value.message
    assert refused.value.exit_status == ExitStatus.WIKI_UNAVAILABLE
    assert took < 10  # three answers, not the whole retry schedule of an outage


def test_an_html_page_once_mid_run_is_only_a_transient_fault(sandbox_wiki: Any, tmp_path: Path) -> None:
    waits: list[str] = []
    with FaultProxy(sandbox_wiki.api) as proxy:
        wiki = _fresh_login(Path(sandbox_wiki.dir), proxy.api, tmp_path / "sessions", waits)
        proxy.add("any", "html", times=3)  # a proxy's error page, three times: the wiki is a wiki
        assert wiki.account_info().name == "Uploader"
    assert waits == [f"text/html instead of JSON (then attempt {n} of 8)" for n in (2, 3, 4)]


@pytest.mark.parametrize("command", ["whoami", "pages", "dry-run", "upload"])
def test_commands_say_not_a_mediawiki_api_with_the_url(
    sandbox_wiki: Any, unique_name: str, tmp_path: Path, command: str
) -> None:
    batch = write_batch(tmp_path / "batch", unique_name, 2)
    arguments = {
        "whoami": [],
        "pages": [batch],
        "dry-run": [batch, "--out", tmp_path / "out"],
        "upload": [batch],
    }[command]
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.always = "html"
        done = run_cli(
            command, *arguments, "--wiki", proxy.api, "--json", env=uploader_env(Path(sandbox_wiki.dir))
        )
    assert done.status == ExitStatus.WIKI_UNAVAILABLE, done.stderr
    assert done.error_lines == [
        f"Error: not-mediawiki: {proxy.api} is not a MediaWiki API: it answers text/html instead of JSON"
    ]
    assert "Traceback" not in done.stderr
    assert done.json() == {
        "error": done.error_lines[0].removeprefix("Error: "),
        "exit": 4,
        "hint": "--wiki needs the URL of the wiki's api.php, e.g. https://commons.wikimedia.org/w/api.php",
    }
    assert not (batch.parent / "batch.state.sqlite").exists()  # nothing was started


def test_an_unreachable_wiki_shows_each_wait_then_exit_4(sandbox_wiki: Any, tmp_path: Path) -> None:
    with FaultProxy(sandbox_wiki.api) as proxy:
        proxy.always = "drop"
        env = uploader_env(Path(sandbox_wiki.dir), GLAMUPLOAD_RETRIES="3")
        done = run_cli("whoami", "--wiki", proxy.api, env=env)
    assert done.status == ExitStatus.WIKI_UNAVAILABLE
    waits = [line for line in done.stderr.splitlines() if line.startswith("Waiting ")]
    assert [w.split(": ", 1)[1] for w in waits] == [
        "network: ConnectionError (then attempt 2 of 3)",
        "network: ConnectionError (then attempt 3 of 3)",
    ]
    assert done.error_lines == [
        f"Error: unavailable: {proxy.api}: network: ConnectionError (gave up after 3 attempts)"
    ]
