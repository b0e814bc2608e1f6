"""Credentials without a wiki: the order of the sources, secrets that never print, pywikibot's files read
as data (never executed) exactly as pywikibot reads them, saved-session files, and the secret scan."""

from __future__ import annotations

import json
import os
import pickle
import re
import stat
from http.cookiejar import Cookie, CookieJar
from pathlib import Path

import keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend
from secret_scan import SecretScan

from glamupload import pywikibot_setup, sessions
from glamupload.accounts import (
    AccountInfo,
    Credentials,
    Method,
    RateLimit,
    Secret,
    Source,
    find_credentials,
    resolve_credentials,
)
from glamupload.cli import cli
from glamupload.errors import AuthError, ConfigError
from glamupload.exitcodes import ExitStatus
from glamupload.wiki import COMMONS_API, Target, resolve_target

COMMONS = Target("commons", COMMONS_API)
TOKEN = "stand-in-oauth2-token-0123456789abcdef"
PASSWORD = "stand-in-bot-password-0123456789abcdef"


class KeyringStandIn(KeyringBackend):
    """A stand-in for the system keyring (none runs here): entries kept in memory."""

    priority = 1

    def __init__(self, entries: dict[tuple[str, str], str]) -> None:
        super().__init__()
        self.entries = entries

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """Entries of the keyring stand-in glamupload reads through the keyring API."""
    entries: dict[tuple[str, str], str] = {}
    previous = keyring.get_keyring()
    keyring.set_keyring(KeyringStandIn(entries))
    yield entries
    keyring.set_keyring(previous)


# --- secrets never print ----------------------------------------------------------------------------------


def test_a_secret_never_prints(secret_scan: SecretScan) -> None:
    secret = Secret(secret_scan.secret(PASSWORD))
    credentials = Credentials(
        Method.BOT_PASSWORD, Source.ENVIRONMENT, "GLAMUPLOAD_USERNAME", "Museum@glam", secret
    )
    shown = [
        repr(secret),
        str(secret),
        f"{secret}",
        repr(credentials),
        str(credentials),
        credentials.describe(),
    ]
    shown.append(json.dumps(credentials.to_dict()))
    assert all(PASSWORD not in text for text in shown)
    assert "Museum@glam" in credentials.describe() and "environment" in credentials.describe()
    assert secret.reveal() == PASSWORD
    with pytest.raises(TypeError):
        pickle.dumps(credentials)


# --- the order of the sources -----------------------------------------------------------------------------


def test_sandbox_folder_comes_first_for_the_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "wiki"
    folder.mkdir()
    (folder / "credentials.json").write_text(
        json.dumps({"uploader": {"username": "Uploader@glamupload", "password": "x" * 32}})
    )
    monkeypatch.setenv("GLAMUPLOAD_USERNAME", "Museum@glam")
    monkeypatch.setenv("GLAMUPLOAD_PASSWORD", PASSWORD)
    found = resolve_credentials(Target("sandbox", "http://127.0.0.1:1/api.php", folder))
    assert (found.source, found.account) == (Source.SANDBOX, "Uploader@glamupload")
    assert found.kind == "sandbox"


def test_environment_token_then_password_then_keyring(
    monkeypatch: pytest.MonkeyPatch, stored: dict[tuple[str, str], str]
) -> None:
    stored[("glamupload", COMMONS_API)] = f"Keyring@glam:{PASSWORD}"
    assert resolve_credentials(COMMONS).source is Source.KEYRING
    monkeypatch.setenv("GLAMUPLOAD_USERNAME", "Museum@glam")
    monkeypatch.setenv("GLAMUPLOAD_PASSWORD", PASSWORD)
    found = resolve_credentials(COMMONS)
    assert (found.source, found.method, found.account) == (
        Source.ENVIRONMENT,
        Method.BOT_PASSWORD,
        "Museum@glam",
    )
    assert found.secret == Secret(PASSWORD)
    monkeypatch.setenv("GLAMUPLOAD_OAUTH_TOKEN", TOKEN)
    token = resolve_credentials(COMMONS)
    assert (token.source, token.method, token.account, token.kind) == (
        Source.ENVIRONMENT,
        Method.OAUTH2,
        None,
        "OAuth 2 token",
    )


def test_a_token_copied_with_its_line_break_works_and_one_that_is_no_token_is_refused_unshown(
    monkeypatch: pytest.MonkeyPatch, stored: dict[tuple[str, str], str]
) -> None:
    """A token read from a Windows file keeps its "\\r"; one pasted from a document has typographic
    quotes. Both crashed the first request, and its error printed the token."""
    monkeypatch.setenv("GLAMUPLOAD_OAUTH_TOKEN", TOKEN + "\r\n")
    assert resolve_credentials(COMMONS).secret == Secret(TOKEN)
    for bad in (f"“{TOKEN}”", f"{TOKEN[:10]} {TOKEN[10:]}", TOKEN + "\x01"):
        monkeypatch.setenv("GLAMUPLOAD_OAUTH_TOKEN", bad)
        with pytest.raises(AuthError) as caught:
            resolve_credentials(COMMONS)
        assert caught.value.code == "bad-token" and "GLAMUPLOAD_OAUTH_TOKEN does not hold" in str(
            caught.value
        )
        assert TOKEN[:10] not in f"{caught.value} {caught.value.hint}"
    monkeypatch.delenv("GLAMUPLOAD_OAUTH_TOKEN")
    stored[("glamupload", f"oauth2:{COMMONS_API}")] = f"“{TOKEN}”"
    with pytest.raises(AuthError, match="the keyring's service 'glamupload', entry oauth2:"):
        resolve_credentials(COMMONS)


def test_keyring_token_before_keyring_password(stored: dict[tuple[str, str], str]) -> None:
    stored[("glamupload", COMMONS_API)] = f"Keyring@glam:{PASSWORD}"
    stored[("glamupload", f"oauth2:{COMMONS_API}")] = TOKEN
    found = resolve_credentials(COMMONS)
    assert (found.source, found.method) == (Source.KEYRING, Method.OAUTH2)
    assert found.secret == Secret(TOKEN) and f"oauth2:{COMMONS_API}" in found.origin


def test_keyring_comes_before_pywikibot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stored: dict[tuple[str, str], str]
) -> None:
    folder = _pywikibot(tmp_path, monkeypatch, "usernames['commons']['commons'] = 'Museum bot'\n")
    (folder / "pywikibot-Museum_bot.lwp").write_text("#LWP-Cookies-2.0\n")
    assert resolve_credentials(COMMONS).source is Source.PYWIKIBOT
    stored[("glamupload", COMMONS_API)] = f"Keyring@glam:{PASSWORD}"
    assert resolve_credentials(COMMONS).source is Source.KEYRING


def test_half_an_environment_pair_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLAMUPLOAD_USERNAME", "Museum@glam")
    with pytest.raises(AuthError, match="GLAMUPLOAD_USERNAME is set but GLAMUPLOAD_PASSWORD is not"):
        resolve_credentials(COMMONS)


def test_missing_credentials_name_every_source() -> None:
    with pytest.raises(AuthError) as err:
        resolve_credentials(COMMONS)
    text = str(err.value)
    for place in (
        "GLAMUPLOAD_OAUTH_TOKEN",
        "GLAMUPLOAD_USERNAME",
        "keyring",
        "oauth2:",
        "pywikibot",
        "sandbox",
    ):
        assert place in text
    assert err.value.exit_status == ExitStatus.AUTH


def test_credentials_in_a_wiki_url_are_refused() -> None:
    with pytest.raises(ConfigError, match="holds a user name or password") as err:
        resolve_target(f"https://Museum%40glam:{PASSWORD}@commons.wikimedia.org/w/api.php")
    assert PASSWORD not in str(err.value) and "https://commons.wikimedia.org/w/api.php" in str(err.value)
    result = CliRunner().invoke(cli, ["whoami", "--wiki", f"https://bot:{PASSWORD}@example.org/w/api.php"])
    assert result.exit_code == ExitStatus.USAGE
    assert "holds a user name or password" in result.stderr and PASSWORD not in result.stderr


def test_a_wiki_url_that_does_not_parse_is_a_usage_error_that_does_not_echo_it() -> None:
    with pytest.raises(ConfigError, match="not a URL that can be read") as err:  # it was a crash
        resolve_target(f"https://bot:{PASSWORD}@[commons.wikimedia.org/w/api.php")
    assert "Invalid IPv6 URL" in str(err.value) and PASSWORD not in str(err.value)
    result = CliRunner().invoke(cli, ["whoami", "--wiki", f"https://bot:{PASSWORD}@[example.org/w/api.php"])
    assert result.exit_code == ExitStatus.USAGE and PASSWORD not in result.stderr


# --- pywikibot: where, what, how ---------------------------------------------------------------------------


def _pywikibot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, name: str = "pwb") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "user-config.py").write_text(config)
    monkeypatch.delenv("PYWIKIBOT_NO_USER_CONFIG")
    monkeypatch.setenv("PYWIKIBOT_DIR", str(folder))
    return folder


def test_base_folder_order_is_pywikibots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, here, named = tmp_path / "home", tmp_path / "here", tmp_path / "named"
    for folder in (home / ".pywikibot", here, named):
        folder.mkdir(parents=True)
        (folder / "user-config.py").write_text("")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(here)
    env = {"PYWIKIBOT_DIR": str(named)}
    assert pywikibot_setup.base_dir(env) == named
    assert pywikibot_setup.base_dir({"PYWIKIBOT_DIR": str(tmp_path / "no-config-there")}) == here
    (here / "user-config.py").unlink()
    assert pywikibot_setup.base_dir({}) == home / ".pywikibot"
    assert pywikibot_setup.base_dir({**env, "PYWIKIBOT_NO_USER_CONFIG": "1"}) is None
    assert pywikibot_setup.base_dir({**env, "PYWIKIBOT_NO_USER_CONFIG": "0"}) == named


def test_user_config_is_read_as_data_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = tmp_path / "user-config-ran"
    folder = _pywikibot(
        tmp_path,
        monkeypatch,
        f"""import os
open({str(ran)!r}, "w").close()
family = 'commons'
usernames['commons']['commons'] = 'Museum bot'
usernames['wikipedia'] = {{'en': 'Someone else'}}
password_file = os.path.expanduser('~/elsewhere.cfg')
if os.path.exists('/'):
    password_file = "user-password.cfg"
family_files['mywiki'] = 'https://wiki.example.org/w/api.php'
""",
    )
    config = pywikibot_setup.read_user_config(folder / "user-config.py")
    assert not ran.exists()
    assert config.usernames == {"commons": {"commons": "Museum bot"}, "wikipedia": {"en": "Someone else"}}
    assert config.password_file is None
    assert config.family_files == {"mywiki": "https://wiki.example.org/w/api.php"}
    assert any(":6: password_file is set from an expression" in note for note in config.notes)
    assert any(":7: sets usernames or password_file inside a statement" in note for note in config.notes)


def test_a_user_config_writable_by_others_is_skipped_as_pywikibot_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _pywikibot(tmp_path, monkeypatch, "usernames['commons']['commons'] = 'Museum bot'\n")
    (folder / "user-config.py").chmod(0o666)
    config = pywikibot_setup.read_user_config(folder / "user-config.py")
    assert config.usernames == {} and "writable by others" in config.notes[0]


def test_sites_as_pywikibot_names_them() -> None:
    # a family file URL that does not parse (urlsplit raises) names no wiki: it was a crash
    own = {"broken": "https://[wiki.example.org", "glamsandbox": "http://127.0.0.1:8089/api.php"}
    own["short"] = "https://wiki.example.org"
    assert pywikibot_setup.site_for(COMMONS_API, own) == pywikibot_setup.Site("commons", "commons")
    assert pywikibot_setup.site_for("https://test.wikipedia.org/w/api.php", own) == pywikibot_setup.Site(
        "wikipedia", "test"
    )
    assert pywikibot_setup.site_for("http://127.0.0.1:8089/api.php", own) == pywikibot_setup.Site(
        "glamsandbox", "glamsandbox"
    )
    assert pywikibot_setup.site_for("https://wiki.example.org/w/api.php", own) == pywikibot_setup.Site(
        "short", "short"
    )
    assert pywikibot_setup.site_for("https://unknown.example.net/api.php", own) is None


def test_usernames_fall_back_to_star_as_pywikibot_does() -> None:
    config = pywikibot_setup.UserConfig(Path("user-config.py"), usernames={"*": {"*": "Everywhere"}})
    assert pywikibot_setup.username_for(config, pywikibot_setup.Site("commons", "commons")) == "Everywhere"
    config.usernames["commons"] = {"*": "Family wide"}
    assert pywikibot_setup.username_for(config, pywikibot_setup.Site("commons", "commons")) == "Family wide"


def _password_file(tmp_path: Path, lines: list[str], mode: int = 0o600) -> Path:
    path = tmp_path / "user-password.cfg"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(mode)
    return path


def test_password_file_read_as_pywikibot_reads_it(tmp_path: Path) -> None:
    commons = pywikibot_setup.Site("commons", "commons")
    path = _password_file(
        tmp_path,
        [
            "# a comment, then entries from general to specific: the last match wins",
            "('Museum bot', 'main-account-password')",
            "('wikipedia', 'Museum bot', 'wikipedia-only')",
            "('commons', 'commons', 'museum_bot', BotPassword('glam', 'commons-bot-password'))",
            "('Someone else', BotPassword('x', 'not-ours'))",
            "",
        ],
    )
    assert pywikibot_setup.read_password(path, commons, "Museum bot")[:3] == (
        "Museum bot@glam",
        "commons-bot-password",
        4,
    )
    wikipedia = pywikibot_setup.Site("wikipedia", "en")
    assert pywikibot_setup.read_password(path, wikipedia, "Museum bot")[:3] == (
        "Museum bot",
        "wikipedia-only",
        3,
    )


def test_bad_password_lines_are_named_never_quoted(tmp_path: Path) -> None:
    secret = "do-not-print-me-0123456789"
    path = _password_file(
        tmp_path,
        [
            f"('Museum bot', '{secret}')",
            f"('Museum bot', '{secret}' + 'x')",
            f"('Museum bot', BotPassword('glam', '{'y' * 260}'))",
            f"['Museum bot', '{secret}']",
        ],
    )
    login, password, line, notes = pywikibot_setup.read_password(
        path, pywikibot_setup.Site("c", "c"), "Museum bot"
    )
    assert (login, password, line) == ("Museum bot", secret, 1)
    assert [note.split(": ")[0].rsplit(":", 1)[1] for note in notes] == ["4", "3", "2"]
    assert all(secret not in note and "y" * 20 not in note for note in notes)
    assert "too long" in notes[1] and "not a tuple" in notes[0] and "not a Python literal" in notes[2]


def test_password_and_config_files_python_cannot_read_as_data_are_notes_not_crashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A password file saved as cp1252 on Windows, an unhashable key, a line of 100,000 signs: each was a
    crash (UnicodeDecodeError, TypeError, MemoryError) of every command that logs in."""
    site = pywikibot_setup.Site("c", "c")
    latin1 = tmp_path / "latin1.cfg"
    latin1.write_bytes(b"('Museum bot', 'p\xe4ss')\n")
    latin1.chmod(0o600)
    _, password, _, notes = pywikibot_setup.read_password(latin1, site, "Museum bot")
    assert password is None and notes == [f"{latin1} is not UTF-8 text, as pywikibot reads it: not used"]
    path = _password_file(tmp_path, ["{[]: 1}"])
    assert pywikibot_setup.read_password(path, site, "Museum bot")[3] == [
        f"{path}:1: not a Python literal: not read"
    ]
    folder = _pywikibot(tmp_path, monkeypatch, "usernames = {[1]: 'x'}\nusernames[{[]: 1}] = 'y'\n")
    config = pywikibot_setup.read_user_config(folder / "user-config.py")
    assert config.usernames == {} and len(config.notes) == 2 and "not a literal" in config.notes[0]
    (folder / "user-config.py").write_text("x = " + "-" * 100_000 + "1\n")
    config = pywikibot_setup.read_user_config(folder / "user-config.py")
    [note] = config.notes  # the parser's stack: MemoryError on Python 3.11, RecursionError on others
    assert re.fullmatch(
        rf"{re.escape(str(folder))}/user-config.py cannot be parsed \((Memory|Recursion)Error\): not used",
        note,
    )


def test_a_password_file_others_can_read_is_not_used(tmp_path: Path) -> None:
    path = _password_file(tmp_path, ["('Museum bot', BotPassword('glam', 'secret-secret'))"], mode=0o644)
    login, password, _, notes = pywikibot_setup.read_password(
        path, pywikibot_setup.Site("c", "c"), "Museum bot"
    )
    assert password is None and "readable by others (mode 644)" in notes[0]


def test_pywikibot_credentials_and_their_cookie_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _pywikibot(
        tmp_path,
        monkeypatch,
        "usernames['commons']['commons'] = 'museum_bot'\npassword_file = 'user-password.cfg'\n",
    )
    _password_file(folder, ["('Museum bot', BotPassword('glam', 'commons-bot-password'))"])
    (folder / "pywikibot-Museum_bot.lwp").write_text("#LWP-Cookies-2.0\n")
    found = resolve_credentials(COMMONS)
    assert (found.source, found.method, found.account) == (
        Source.PYWIKIBOT,
        Method.BOT_PASSWORD,
        "Museum bot@glam",
    )
    assert found.cookies == folder / "pywikibot-Museum_bot.lwp"
    assert "user-config.py:1" in found.origin and "user-password.cfg:1" in found.origin
    (folder / "user-password.cfg").unlink()
    only_session = resolve_credentials(COMMONS)
    assert (only_session.method, only_session.secret, only_session.kind) == (
        Method.SESSION,
        None,
        "pywikibot",
    )
    (folder / "pywikibot-Museum_bot.lwp").unlink()
    none, notes = find_credentials(COMMONS)
    assert none is None and any("no password entry and no saved session" in note for note in notes)


# --- saved sessions -----------------------------------------------------------------------------------------


def _cookie(name: str, domain: str) -> Cookie:
    return Cookie(
        0, name, "v", None, False, domain, False, False, "/", True, False, None, True, None, None, {}
    )


def test_session_files_are_private_and_named_without_secrets(tmp_path: Path) -> None:
    store = sessions.SessionStore(tmp_path / "sessions")
    path = store.path("https://commons.wikimedia.org/w/api.php", COMMONS_API, "Museum@glam")
    assert path.name.startswith("commons.wikimedia.org-Museum@glam-") and path.suffix == ".lwp"
    assert (
        store.path("https://commons.wikimedia.org/w/api.php (sandbox 1)", COMMONS_API, "Museum@glam") != path
    )
    jar = CookieJar()
    jar.set_cookie(_cookie("commonswiki_session", "commons.wikimedia.org"))
    store.save(path, jar)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    assert [p.name for p in store.folder.iterdir()] == [path.name]  # no temporary file left behind
    again = CookieJar()
    assert sessions.load(path, again) and [c.name for c in again] == ["commonswiki_session"]
    path.write_text("not an LWP file")
    assert not sessions.load(path, CookieJar())


def test_only_the_wikis_cookies_are_taken_from_pywikibots_file(tmp_path: Path) -> None:
    jar = CookieJar()
    for name, domain in (("centralauth_Session", ".wikimedia.org"), ("enwiki_session", "en.wikipedia.org")):
        jar.set_cookie(_cookie(name, domain))
    path = tmp_path / "pywikibot-Museum_bot.lwp"
    sessions.SessionStore(tmp_path).save(path, jar)
    taken = CookieJar()
    assert sessions.load(path, taken, "commons.wikimedia.org")
    assert [c.name for c in taken] == ["centralauth_Session"]


# --- the scan itself ----------------------------------------------------------------------------------------


def test_the_secret_scan_finds_a_planted_secret(tmp_path: Path) -> None:
    scan = SecretScan()
    scan.secret("planted-secret-value")
    (tmp_path / "state.sqlite").write_bytes(b"\x00\x01planted-secret-value\x02")
    kept = scan.store(tmp_path / "credentials.json")
    kept.write_text("planted-secret-value")
    (tmp_path / "clean.txt").write_text("nothing here")
    assert scan.findings(tmp_path) == [f"{tmp_path / 'state.sqlite'}: secret #0"]


def test_the_suite_keeps_the_developers_own_setup_out(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert os.environ["PYWIKIBOT_NO_USER_CONFIG"] == "1"
    assert Path(os.environ["XDG_DATA_HOME"]).is_relative_to(tmp_path_factory.getbasetemp())
    assert sessions.SessionStore.default().folder.is_relative_to(tmp_path_factory.getbasetemp())
    assert keyring.get_password("glamupload", COMMONS_API) is None


# --- whoami's account summary -------------------------------------------------------------------------------


def _info(groups: list[str], on_commons: bool) -> AccountInfo:
    credentials = Credentials(Method.OAUTH2, Source.KEYRING, "entry", None, Secret(TOKEN))
    userinfo = {
        "id": 3,
        "name": "Museum bot",
        "groups": ["*", "user", *groups],
        "rights": ["noratelimit"] if "bot" in groups else ["upload"],
        "ratelimits": {} if "bot" in groups else {"upload": {"user": {"hits": 8, "seconds": 60}}},
    }
    return AccountInfo.from_userinfo(
        userinfo,
        wiki="commons",
        api=COMMONS_API,
        credentials=credentials,
        session="token",
        on_commons=on_commons,
    )


def test_whether_commons_bot_policy_applies() -> None:
    ordinary = _info(["autoconfirmed"], on_commons=True)
    assert not ordinary.bot and ordinary.upload_limits == (RateLimit("user", 8, 60.0),)
    assert "Commons:Bots/Requests" in ordinary.bot_policy and "5-20 edits" in ordinary.bot_policy
    bot = _info(["bot", "autopatrolled"], on_commons=True)
    assert (bot.bot, bot.autopatrolled, bot.unlimited) == (True, True, True)
    assert bot.bot_policy.startswith("the account has the bot flag")
    assert _info(["autoconfirmed"], on_commons=False).bot_policy.startswith("not Commons")
    assert TOKEN not in json.dumps(ordinary.to_dict())
