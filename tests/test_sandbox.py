"""The sandbox wiki: start, second start, status, stop, reset, port clash, missing PHP/MediaWiki."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from conftest import EXAMPLES

from glamupload import sandbox
from glamupload.cli import cli
from glamupload.errors import SandboxError
from glamupload.exitcodes import ExitStatus


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real ``glamupload`` entry point in a subprocess (as users do)."""
    return subprocess.run(
        [sys.executable, "-m", "glamupload", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )


def test_shared_sandbox_is_configured_as_commons(sandbox_wiki: sandbox.SandboxInfo) -> None:
    reply = requests.get(
        sandbox_wiki.api,
        params={
            "action": "query",
            "meta": "siteinfo",
            "format": "json",
            "formatversion": "2",
            "siprop": "general|namespaces|fileextensions|extensions",
        },
        timeout=30,
    ).json()["query"]
    assert reply["general"]["generator"].startswith("MediaWiki 1.39")
    assert reply["namespaces"]["100"]["name"] == "Creator"
    assert reply["namespaces"]["101"]["name"] == "Creator talk"
    assert reply["namespaces"]["106"]["name"] == "Institution"
    assert reply["namespaces"]["107"]["name"] == "Institution talk"
    extensions = {ext["ext"] for ext in reply["fileextensions"]}
    assert {"jpg", "jpeg", "png", "gif", "tif", "tiff", "webp", "svg", "pdf"} <= extensions
    assert reply["general"]["maxuploadsize"] >= 1024**3
    loaded = {ext["name"] for ext in reply["extensions"]}
    assert {"ParserFunctions", "TitleBlacklist", "Abuse Filter"} <= loaded


def test_credentials_file_is_private(sandbox_wiki: sandbox.SandboxInfo) -> None:
    path = Path(sandbox_wiki.dir) / "credentials.json"
    mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o600
    data = json.loads(path.read_text())
    assert data["uploader"]["password"] == sandbox_wiki.password
    assert data["admin"]["password"] != sandbox_wiki.password


def test_uploader_is_not_an_admin(uploader) -> None:  # type: ignore[no-untyped-def]
    info = uploader.api("query", meta="userinfo", uiprop="groups")["query"]["userinfo"]
    assert info["name"] == "Uploader"
    assert "sysop" not in info["groups"]


def test_start_twice_changes_nothing_and_prints_the_same(sandbox_wiki: sandbox.SandboxInfo) -> None:
    first = run_cli("sandbox", "start", "--dir", sandbox_wiki.dir, "--json")
    second = run_cli("sandbox", "start", "--dir", sandbox_wiki.dir, "--json")
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["api"] == sandbox_wiki.api
    assert data["username"] == "Uploader@glamupload"
    assert data["password"] == sandbox_wiki.password
    assert data["dir"] == sandbox_wiki.dir


def test_status_counts_files_and_hides_the_password(sandbox_wiki, uploader, unique_name) -> None:  # type: ignore[no-untyped-def]
    before = json.loads(run_cli("sandbox", "status", "--dir", sandbox_wiki.dir, "--json").stdout)
    uploader.upload(
        EXAMPLES / "smm" / "images" / "021025691918.jpg", f"{unique_name}.jpg", "status test", "status test"
    )
    result = run_cli("sandbox", "status", "--dir", sandbox_wiki.dir, "--json")
    after = json.loads(result.stdout)
    assert after["running"] is True
    assert after["api"] == sandbox_wiki.api
    assert after["files"] == before["files"] + 1
    assert sandbox_wiki.password not in result.stdout + result.stderr


def test_port_in_use_gives_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli("sandbox", "start", "--dir", str(tmp_path / "w"), "--port", str(port))
    assert result.returncode == ExitStatus.WIKI_UNAVAILABLE
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_stop_status_start_reset_lifecycle(sandbox_dir: Path) -> None:
    directory = sandbox_dir
    port = sandbox.free_port()
    started = run_cli("sandbox", "start", "--dir", str(directory), "--port", str(port), "--json")
    assert started.returncode == 0, started.stderr
    info = json.loads(started.stdout)
    assert requests.get(info["api"], params={"action": "query", "format": "json"}, timeout=30).ok
    first_password = info["password"]
    # upload a file so that reset has something to wipe
    from glamupload.wiki import Wiki

    Wiki.connect("sandbox", directory).upload(
        EXAMPLES / "smm" / "images" / "011024829640.jpg", "Lifecycle.jpg", "x", "x"
    )
    assert sandbox.status(directory).files == 1  # type: ignore[union-attr]

    stopped = run_cli("sandbox", "stop", "--dir", str(directory))
    assert stopped.returncode == 0 and "stopped" in stopped.stderr
    status = json.loads(run_cli("sandbox", "status", "--dir", str(directory), "--json").stdout)
    assert status["running"] is False
    with pytest.raises(requests.ConnectionError):
        requests.get(info["api"], timeout=5)

    restarted = json.loads(run_cli("sandbox", "start", "--dir", str(directory), "--json").stdout)
    assert restarted["password"] == first_password and restarted["api"] == info["api"]
    assert sandbox.status(directory).files == 1  # type: ignore[union-attr]

    reset = run_cli("sandbox", "reset", "--dir", str(directory), "--yes", "--json")
    assert reset.returncode == 0, reset.stderr
    after = json.loads(reset.stdout)
    assert after["password"] != first_password
    assert sandbox.status(directory).files == 0  # type: ignore[union-attr]


def test_missing_php_names_the_packages(tmp_path: Path) -> None:
    bare_path = tmp_path / "bin"
    bare_path.mkdir()
    env = dict(os.environ, PATH=str(bare_path))
    result = subprocess.run(
        [sys.executable, "-m", "glamupload", "sandbox", "start", "--dir", str(tmp_path / "w")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == ExitStatus.WIKI_UNAVAILABLE
    assert "PHP (php-cli)" in result.stderr
    assert "apt-get install -y --no-install-recommends mediawiki php-cli php-sqlite3" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_mediawiki_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "MEDIAWIKI_DIR", tmp_path / "no-mediawiki")
    result = CliRunner().invoke(cli, ["sandbox", "start", "--dir", str(tmp_path / "w")])
    assert result.exit_code == ExitStatus.WIKI_UNAVAILABLE
    assert "MediaWiki 1.39 (Debian package mediawiki" in result.output
    assert "apt-get install" in result.output
    assert not (tmp_path / "w").exists()


def _own_sandbox(tmp_path: Path) -> Path:
    directory = tmp_path / "own"
    sandbox.start(directory, sandbox.free_port())
    return directory


@pytest.mark.wiki
def test_a_no_on_a_pipe_leaves_the_wiki_as_it_was(tmp_path: Path) -> None:
    """`printf 'n\\n' | glamupload sandbox reset`: no terminal, so no question is answered yes."""
    directory = _own_sandbox(tmp_path)
    try:
        from glamupload.wiki import Wiki

        Wiki.connect("sandbox", directory).upload(
            EXAMPLES / "smm" / "images" / "011024829640.jpg", "Kept.jpg", "x", "x"
        )
        instance = sandbox.instance_id(directory)
        for answer in ("n\n", "y\n", ""):
            result = subprocess.run(
                [sys.executable, "-m", "glamupload", "sandbox", "reset", "--dir", str(directory)],
                input=answer,
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            assert result.returncode == ExitStatus.USAGE, result.stderr
            assert "no terminal" in result.stderr and "--yes" in result.stderr
            assert "Traceback" not in result.stderr
            assert sandbox.instance_id(directory) == instance
            assert sandbox.status(directory).files == 1  # type: ignore[union-attr]
    finally:
        sandbox.stop(directory)


def test_start_on_another_port_says_where_it_runs(sandbox_wiki: sandbox.SandboxInfo) -> None:
    other = sandbox.free_port()
    result = run_cli("sandbox", "start", "--dir", sandbox_wiki.dir, "--port", str(other), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["port"] == sandbox_wiki.port
    assert f"already runs on port {sandbox_wiki.port}, not {other}" in result.stderr
    assert f"glamupload sandbox start --port {other}" in result.stderr
    same = run_cli("sandbox", "start", "--dir", sandbox_wiki.dir, "--port", str(sandbox_wiki.port))
    assert "already runs" not in same.stderr


def test_one_variable_chooses_the_sandbox_for_every_command(sandbox_wiki: sandbox.SandboxInfo) -> None:
    env = dict(os.environ, **{sandbox.DIR_VARIABLE: sandbox_wiki.dir})
    status = run_cli("sandbox", "status", "--json", env=env)
    assert json.loads(status.stdout)["api"] == sandbox_wiki.api
    started = run_cli("sandbox", "start", "--json", env=env).stdout
    assert started == run_cli("sandbox", "start", "--dir", sandbox_wiki.dir, "--json").stdout
    dry_run = run_cli(
        "dry-run", str(EXAMPLES / "smm" / "batch.yaml"), "--out", str(Path(sandbox_wiki.dir) / "dry"),
        "--wiki", "sandbox", "--render-limit", "1", "--json", env=env,
    )  # fmt: skip
    assert dry_run.returncode in (0, 1), dry_run.stderr
    assert json.loads(dry_run.stdout)["wiki"]["rendered"] == 1
    assert json.loads(dry_run.stdout)["wiki"]["api"] == sandbox_wiki.api
    help_text = run_cli("upload", "--help", env=env).stdout
    assert sandbox.DIR_VARIABLE in " ".join(help_text.split())


def test_missing_image_scalers_name_their_packages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sandbox, "SCALERS", {str(tmp_path / "no-rsvg"): "librsvg2-bin"})
    with pytest.raises(SandboxError, match="image scalers of Debian's librsvg2-bin") as error:
        sandbox.check_prerequisites()
    assert "imagemagick librsvg2-bin ghostscript poppler-utils djvulibre-bin" in str(error.value)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("credentials.json", '{"uploader": {"username": "U'),
        ("credentials.json", "{}"),
        ("credentials.json", "[]"),
    ]
    + [("sandbox.json", text) for text in ('{"pid": 12', "5", b"\xff".decode("latin-1"))],
)
def test_a_damaged_sandbox_file_is_an_error_naming_it(tmp_path: Path, name: str, text: str) -> None:
    """A credentials or state file cut off by a full disk crashed `sandbox status`, `whoami` and every
    `--wiki sandbox` command (JSONDecodeError, KeyError, TypeError)."""
    (tmp_path / "credentials.json").write_text('{"uploader": {"username": "u", "password": "p"}}')
    (tmp_path / "sandbox.json").write_text('{"pid": 99999999, "port": 8089}')
    (tmp_path / name).write_text(text, encoding="latin-1")
    result = CliRunner().invoke(cli, ["sandbox", "status", "--dir", str(tmp_path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert f"{tmp_path / name}: the sandbox's " in result.stderr and "file is damaged" in result.stderr


@pytest.mark.parametrize("pid", ["0", "-1", "true", "1", str(2**70), "os.getpid()"])
def test_stop_signals_only_this_folders_php_server(tmp_path: Path, pid: str) -> None:
    """`stop` trusted the pid in sandbox.json: after a reboot it may be another program's, and 0, -1 or
    true would have signalled this process's group, every process, or init. Here the pid is this test's
    own process (alive, but no PHP server), or one no process can have."""
    number = os.getpid() if pid == "os.getpid()" else pid
    (tmp_path / "credentials.json").write_text('{"uploader": {"username": "u", "password": "p"}}')
    (tmp_path / "sandbox.json").write_text(f'{{"pid": {number}, "port": 8089}}')
    assert sandbox.stop(tmp_path) is False  # and this test is still running
    info = sandbox.status(tmp_path)
    assert info is not None and not info.running
