"""`glamupload upload` never takes silence for a yes: without a terminal, uploading to a wiki other than
the sandbox needs --yes (the sandbox's own API URL stands in for Commons here, reached as any other wiki)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES

from glamupload import sandbox
from glamupload.exitcodes import ExitStatus


def test_upload_to_another_wiki_without_a_terminal_refuses(
    sandbox_wiki: sandbox.SandboxInfo, tmp_path: Path
) -> None:
    username, password = sandbox.credentials(Path(sandbox_wiki.dir))
    env = dict(os.environ, GLAMUPLOAD_USERNAME=username, GLAMUPLOAD_PASSWORD=password)
    state = tmp_path / "smm.state.sqlite"
    before = sandbox.status(Path(sandbox_wiki.dir)).files  # type: ignore[union-attr]
    result = subprocess.run(
        [sys.executable, "-m", "glamupload", "upload", str(EXAMPLES / "smm" / "batch.yaml"),
         "--wiki", sandbox_wiki.api, "--state", str(state), "--limit", "1"],
        input="y\n", capture_output=True, text=True, env=env, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == ExitStatus.USAGE, result.stderr
    assert f"Upload to {sandbox_wiki.api} as {username}?" in result.stderr
    assert "no terminal" in result.stderr and "--yes" in result.stderr
    assert not state.exists()
    assert sandbox.status(Path(sandbox_wiki.dir)).files == before  # type: ignore[union-attr]
    assert password not in result.stdout + result.stderr
