"""The structured-data writer as a subprocess, for the kill-and-resume tests:
``python sdc_support.py STATE SANDBOX_DIR STANDIN_API`` writes the state's entities through the MediaInfo
stand-in (tests/mediainfo_standin.py) and prints the entity counts as JSON;
``python sdc_support.py update BATCH SANDBOX_DIR STANDIN_API`` runs ``glamupload update`` on the batch
through the stand-in and prints its structured-data counts as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from glamupload.accounts import resolve_credentials
from glamupload.config import load_batch
from glamupload.sdc.write import EntityWriter
from glamupload.state import BatchState
from glamupload.update import UpdateRun
from glamupload.wiki import Target, Wiki, resolve_target


def standin_wiki(sandbox_dir: Path, api: str) -> Wiki:
    """The sandbox's uploader through the stand-in: the same wiki (same identity in the state), the
    MediaInfo actions answered by the stand-in."""
    real = resolve_target("sandbox", sandbox_dir)
    target = Target("sandbox", api, real.sandbox_dir, identity=real.identity)
    return Wiki(target, resolve_credentials(target))


def write_batch_files(folder: Path, structured_data: dict[str, Any], filename: dict[str, Any]) -> Path:
    """``batch.yaml`` and ``crosswalk.yaml`` in ``folder`` for its ``export.csv`` (``|``-separated:
    id, title, rights, …) and ``images/ID.png``, with this ``structured_data`` section."""
    crosswalk = {
        "record_id": "id",
        "template": "Information",
        "params": {"description": "title"},
        "rights": {"image": "rights", "facts": {"kind": {"value": "photo"}}},
        "images": {"path": "images/${id}.png"},
        "categories": {"fixed": ["Upload tests"]},
        "filename": filename,
        "structured_data": structured_data,
    }
    (folder / "crosswalk.yaml").write_text(json.dumps(crosswalk), encoding="utf-8")
    batch = {
        "export": {"path": "export.csv", "format": "csv", "delimiter": "|"},
        "crosswalk": "crosswalk.yaml",
    }
    (folder / "batch.yaml").write_text(json.dumps(batch), encoding="utf-8")
    return folder / "batch.yaml"


def main(argv: list[str]) -> None:
    if argv[0] == "update":
        batch_path, sandbox_dir, api = Path(argv[1]), Path(argv[2]), argv[3]
        with UpdateRun(load_batch(batch_path), standin_wiki(sandbox_dir, api)) as run:
            result = run.run()
        print(json.dumps(result.entity_counts))
        sys.exit(int(result.exit_status))
    state_path, sandbox_dir, api = Path(argv[0]), Path(argv[1]), argv[2]
    with BatchState(state_path) as db:
        summary = EntityWriter(db, standin_wiki(sandbox_dir, api), batch_name="test").run()
    print(json.dumps(summary.counts))
    sys.exit(int(summary.exit_status))


if __name__ == "__main__":
    main(sys.argv[1:])
