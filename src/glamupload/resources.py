"""Locate the data folders (mappings/, templates/) shipped inside the installed package."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def mappings_dir() -> Path:
    """The shipped ``mappings/`` folder (crosswalks, license table, lookup tables)."""
    return Path(str(files("glamupload.mappings")))


def templates_dir() -> Path:
    """The shipped ``templates/`` folder (Jinja2 page templates)."""
    return Path(str(files("glamupload.templates")))
