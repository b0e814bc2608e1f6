"""Shared fixtures, test tiers and the Hypothesis profiles.

The wiki is Debian's MediaWiki 1.39 started by glamupload's own sandbox code in a temporary folder on
a free port, so the tests exercise the same path users take. Tests give their files unique names
(see ``unique_name``) so they can share the wiki.

The whole session runs with its own per-user data folder (saved wiki sessions), no pywikibot setup and no
keyring unless a test makes one, and ends with a scan of every file written under the session's temporary
folder for the passwords and tokens the tests used (``secret_scan``).

Tiers: a test that uses a fixture below which starts a wiki (``sandbox_wiki``, ``uploader``,
``own_sandbox``, ``sandbox_dir``) is marked ``wiki``; one that uses ``browser_tab`` is marked
``browser``. The marks follow from the fixtures; a test that starts a sandbox some other way (the
benchmark scripts start their own) carries ``@pytest.mark.wiki``, and one without the mark fails when
it tries, so none can be forgotten. ``-m "not wiki and not browser"`` runs the fast tier.

Hypothesis: with ``CI`` set (``CI=true``, as ``.ci/run`` sets it) the ``ci`` profile is loaded:
derandomized, so every run tries the same examples and a failure is reproducible; Hypothesis then uses no
example database by design. Otherwise the ``dev`` profile searches afresh each run and keeps what it
finds in the working copy's ``.hypothesis/`` (not committed). A counterexample worth keeping becomes an
explicit ``@example`` on its property and a named test: reviewed code that runs in every profile.
See docs/decisions/0013-test-tiers-and-hypothesis-profiles.md.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from browser import Page, chromium
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from secret_scan import SecretScan

from glamupload import sandbox
from glamupload.wiki import Wiki

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
_counter = itertools.count()
PYWIKIBOT_TEMPLATES = REPO / "tests" / "data" / "pywikibot"
OwnSandbox = Callable[[str], AbstractContextManager[sandbox.SandboxInfo]]

# No deadline and no too_slow health check in either profile: both depend on the machine's speed.
_not_timed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("ci", _not_timed, derandomize=True)
settings.register_profile(
    "dev", _not_timed, database=DirectoryBasedExampleDatabase(REPO / ".hypothesis" / "examples")
)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in {"true", "1", "yes"} else "dev")

#: Fixtures that start a sandbox MediaWiki, and the one that starts Chromium (see the module docstring).
WIKI_FIXTURES = {"sandbox_wiki", "own_sandbox", "sandbox_dir"}
BROWSER_FIXTURES = {"browser_tab"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & WIKI_FIXTURES:
            item.add_marker(pytest.mark.wiki)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _only_wiki_tests_start_a_wiki(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail a test outside the wiki tier that would start a sandbox (its tier would be wrong)."""
    if request.node.get_closest_marker("wiki") is not None:
        return

    def refuse(*args: object, **kwargs: object) -> sandbox.SandboxInfo:
        sandbox.check_prerequisites()  # a missing PHP or MediaWiki is still reported as users see it
        pytest.fail(
            "this test starts a sandbox MediaWiki but is not marked wiki: use a sandbox fixture "
            f"({', '.join(sorted(WIKI_FIXTURES))}) or mark it @pytest.mark.wiki"
        )

    monkeypatch.setattr(sandbox, "start", refuse)


@pytest.fixture(scope="session", autouse=True)
def secret_scan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretScan]:
    """The session's private per-user folders, and at its end the scan for leaked secrets.

    ``XDG_DATA_HOME`` (where glamupload keeps sessions) points into the session's temporary folder, the
    developer's own pywikibot setup is switched off (``PYWIKIBOT_NO_USER_CONFIG``) and the keyring is the
    empty null backend, for this process and the ones it starts. At the end every file under the session's
    temporary folder is searched for every registered secret; one found fails the run.
    """
    scan = SecretScan()
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("XDG_DATA_HOME", str(home / "data"))
        env.setenv("PYWIKIBOT_NO_USER_CONFIG", "1")
        env.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
        for name in ("GLAMUPLOAD_USERNAME", "GLAMUPLOAD_PASSWORD", "GLAMUPLOAD_OAUTH_TOKEN", "PYWIKIBOT_DIR"):
            env.delenv(name, raising=False)
        yield scan
    leaks = scan.findings(tmp_path_factory.getbasetemp())
    assert not leaks, "secrets found in files written during the tests:\n" + "\n".join(leaks)


@pytest.fixture(scope="session")
def own_sandbox(tmp_path_factory: pytest.TempPathFactory, secret_scan: SecretScan) -> OwnSandbox:
    """``with own_sandbox("name") as info:`` — a sandbox wiki of one's own in a fresh folder, its
    passwords registered with the secret scan, stopped afterwards: for the shared session wiki, and for
    modules whose settings it must not have."""

    @contextmanager
    def started(name: str) -> Iterator[sandbox.SandboxInfo]:
        directory = tmp_path_factory.mktemp(name) / "wiki"
        try:
            info = sandbox.start(directory, sandbox.free_port())
            secret_scan.store(directory / "credentials.json")
            for account in ("uploader", "admin"):
                secret_scan.secret(sandbox.credentials(directory, account)[1])
            yield info
        finally:
            sandbox.stop(directory)

    return started


@pytest.fixture(scope="session")
def sandbox_wiki(own_sandbox: OwnSandbox) -> Iterator[sandbox.SandboxInfo]:
    """A running sandbox wiki for the whole test session, stopped at the end."""
    with own_sandbox("sandbox") as info:
        yield info


@pytest.fixture
def sandbox_dir(tmp_path: Path) -> Iterator[Path]:
    """A folder for a test that starts, stops and resets a sandbox itself; whatever still runs there
    is stopped afterwards, even when the test failed half-way."""
    directory = tmp_path / "own"
    yield directory
    sandbox.stop(directory)


@pytest.fixture(scope="session")
def uploader(sandbox_wiki: sandbox.SandboxInfo) -> Wiki:
    """The sandbox's ordinary (non-admin) uploader account, logged in through the wiki layer."""
    return Wiki.connect("sandbox", Path(sandbox_wiki.dir))


@pytest.fixture
def browser_tab() -> Iterator[Page]:
    """A fresh headless Chromium with one tab (tests/browser.py); stopped, its profile removed, afterwards."""
    with chromium() as tab:
        yield tab


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A file-name stem no other test uses in this session."""
    stem = f"T{os.getpid()} {request.node.name[:60]} {next(_counter)}"
    return " ".join(stem.replace("_", " ").replace("[", "(").replace("]", ")").split())


@pytest.fixture
def pywikibot_dir(
    tmp_path: Path, secret_scan: SecretScan, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """Make a pywikibot base folder as ``pwb generate_user_files`` writes it, and point PYWIKIBOT_DIR at it.

    ``make(api, username, bot_name=None, password=None)`` writes user-config.py (``SMALL_CONFIG``, with the
    ``family_files`` line a user adds for a wiki without a family file) and, with a password, the password
    file ``user-password.cfg`` with one ``BotPassword`` line, mode 600 (tests/data/pywikibot/PROVENANCE.md).
    """

    def make(api: str, username: str, bot_name: str | None = None, password: str | None = None) -> Path:
        folder = tmp_path / "pywikibot"
        folder.mkdir(mode=0o700, exist_ok=True)
        family = "glamsandbox"
        config = (
            (PYWIKIBOT_TEMPLATES / "user-config.py.template")
            .read_text()
            .format(
                main_family=family,
                main_code=family,
                usernames=f"usernames['{family}']['{family}'] = '{username}'",
                botpasswords='password_file = "user-password.cfg"' if password else "password_file = None",
            )
        )
        (folder / "user-config.py").write_text(config + f"family_files['{family}'] = '{api}'\n")
        if password is not None:
            secret_scan.secret(password)
            line = f"('{username}', BotPassword('{bot_name}', {password!r}))"  # the generator's format
            path = secret_scan.store(folder / "user-password.cfg")
            path.write_text("")
            path.chmod(0o600)
            path.write_text(
                (PYWIKIBOT_TEMPLATES / "user-password.cfg.template").read_text().format(botpasswords=line)
            )
        monkeypatch.delenv("PYWIKIBOT_NO_USER_CONFIG")
        monkeypatch.setenv("PYWIKIBOT_DIR", str(folder))
        return folder

    return make
