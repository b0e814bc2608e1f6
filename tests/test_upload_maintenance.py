"""After an upload, the run reports the uploaded pages the wiki files into maintenance categories (as
Commons' patrollers will find them), and every upload's summary names the batch (#15), against the real
sandbox with its stand-ins."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml
from test_conventions import BASE_CROSSWALK, BASE_ROW
from upload_support import make_image, upload_batch

from glamupload.config import load_batch
from glamupload.plan import plan_batch
from glamupload.wiki import Wiki


def write_batch(folder: Path, name: str, rows: list[dict[str, str]]) -> Path:
    """A batch of ``rows`` with the conventions tests' crosswalk, in which ``photographer`` is the only
    author field: a row without a photographer has no machine-readable author."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(BASE_ROW))
        writer.writeheader()
        writer.writerows(rows)
    for row in rows:
        make_image(folder / f"{row['id']}.jpg", f"{name} {row['id']}")
    params = {k: v for k, v in BASE_CROSSWALK["params"].items() if k != "artist"}
    crosswalk = {
        **BASE_CROSSWALK,
        "params": params,
        "images": {"path": "${id}.jpg"},
        "filename": {
            **BASE_CROSSWALK["filename"],
            "parts": {"title": "title", "collection": "collection", "id": "id"},
        },
    }
    (folder / "crosswalk.yaml").write_text(yaml.safe_dump(crosswalk, allow_unicode=True), "utf-8")
    batch = folder / "batch.yaml"
    batch.write_text(
        f"name: {name}\nexport: {{path: export.csv}}\ncrosswalk: crosswalk.yaml\n"
        "institution: {name: Example Museum}\n",
        "utf-8",
    )
    return batch


def test_uploaded_pages_in_maintenance_categories_are_reported(
    uploader: Wiki, unique_name: str, tmp_path: Path
) -> None:
    rows = [
        {**BASE_ROW, "id": "A-1", "title": f"{unique_name} credited"},
        {**BASE_ROW, "id": "A-2", "title": f"{unique_name} anonymous", "photographer": ""},
    ]
    batch = load_batch(write_batch(tmp_path, unique_name.replace(" ", "-"), rows))
    status = upload_batch(batch, uploader)
    assert status.counts["uploaded"] == 2, status.problems
    (page,) = status.maintenance  # the anonymous one: no artist, author or photographer
    assert page.record_id == "A-2" and page.title.startswith(f"File:{unique_name} anonymous")
    assert [f.kind for f in page.findings] == ["no-author"]
    assert status.to_dict()["maintenance"] == [
        {
            "record_id": "A-2",
            "title": page.title,
            "findings": [
                {"kind": "no-author", "category": "Files with no machine-readable author", "template": None,
                 "parameter": None}
            ],
        }
    ]  # fmt: skip
    # every upload's summary ends with the batch id
    for title in [f"File:{p.filename}" for p in plan_batch(batch)]:
        reply = uploader.api("query", prop="revisions", titles=title, rvprop="comment", rvlimit=1)
        (info,) = reply["query"]["pages"].values()
        assert info["revisions"][0]["comment"].endswith(f" [batch {batch.batch_id}]"), title
