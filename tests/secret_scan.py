"""The suite-wide check that no password or token ends up in a file glamupload wrote.

Every secret the tests use is registered here (the sandbox's passwords, the tokens and passwords tests
make up); the files meant to hold one (the sandbox's credentials.json, a pywikibot password file or keyring
a test wrote on purpose) are registered as stores. At the end of the session every other file in the
session's temporary folder — states, reports, records, logs, the wiki's own files, saved sessions, the
PHP server's access log — is read byte for byte and must contain none of them.
"""

from __future__ import annotations

from pathlib import Path


class SecretScan:
    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.stores: set[Path] = set()

    def secret(self, value: str) -> str:
        """Register a secret a test uses; returns it."""
        self.secrets.add(value)
        return value

    def store(self, path: Path) -> Path:
        """Register a file that holds a secret on purpose (a credentials store); returns it."""
        self.stores.add(path.resolve())
        return path

    def findings(self, root: Path) -> list[str]:
        """``"<file>: secret #n"`` for every file under ``root`` (not a store) that contains a secret."""
        needles = sorted(s.encode() for s in self.secrets if len(s) >= 8)
        found = []
        for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
            if path.resolve() in self.stores:
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # removed since the listing (a database's -shm by its closing)
                continue
            found += [f"{path}: secret #{n}" for n, needle in enumerate(needles) if needle in data]
        return found
