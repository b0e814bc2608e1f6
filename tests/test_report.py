"""The dry-run report built from real planned batches (SMM, KENOM) and from crafted records.jsonl files.

Expected figures are computed from the records.jsonl the report reads, never typed in, so the tests
hold whatever the crosswalks plan; what they pin down is how the report counts and what it shows.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from PIL import Image
from report_synthetic import ACCEPTED, problem, write
from rich.console import Console

from glamupload import plan, planned, report
from glamupload.cli import cli
from glamupload.cli.dry_run import summary_table
from glamupload.config import load_batch
from glamupload.errors import InputError
from glamupload.exitcodes import ExitStatus
from glamupload.report.html import PART_ROWS
from glamupload.report.parts import PARTS_DIR
from glamupload.report.tally import COLLISION_KIND, DISTINCT_LIMIT
from glamupload.report.thumbnails import THUMBNAIL_PX
from glamupload.sdc.model import StructuredData

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def build(records: Path, out: Path, **options: Any) -> report.ReportSummary:
    """The report of planned files whose images are the examples' (their image folders are under
    examples/)."""
    return report.build_report(records, out, image_roots=[EXAMPLES], **options)


def planned_example(name: str, out: Path) -> Path:
    batch = load_batch(EXAMPLES / name / "batch.yaml")
    return planned.write_records(plan.plan_batch(batch), out)


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def smm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planned_example("smm", tmp_path_factory.mktemp("smm"))


@pytest.fixture(scope="module")
def kenom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return planned_example("kenom", tmp_path_factory.mktemp("kenom"))


def test_smm_summary_counts_what_records_jsonl_holds(smm: Path, tmp_path: Path) -> None:
    items = read(smm)
    result = build(smm, tmp_path, title="SMM")
    data = json.loads(result.summary_path.read_text(encoding="utf-8"))
    assert data == json.loads(json.dumps(result.data))
    assert data["records"] == len({i["record_id"] for i in items}) == 597
    assert data["planned_files"] == len(items)
    verdicts = Counter(i["license"]["verdict"] for i in items)
    for verdict in report.VERDICTS:
        assert data["verdicts"][verdict]["count"] == verdicts[verdict]
        groups = Counter(i["license"]["group"] for i in items if i["license"]["verdict"] == verdict)
        listed = data["verdicts"][verdict]["reasons"]  # by reason group, each with a file's own reason
        assert [[g, n] for g, n, _ in listed] == [[g, n] for g, n in groups.most_common()]
        for group, _, example in listed:
            assert example == next(i["license"]["reason"] for i in items if i["license"]["group"] == group)
    assert data["errors"]["files"] == sum(bool(i["errors"]) for i in items)
    assert data["warnings"]["files"] == sum(bool(i["warnings"]) for i in items)
    assert (
        data["warnings"]["total"]
        == sum(n for _, n in data["warnings"]["kinds"])
        == sum(len(i["warnings"]) for i in items)
    )
    assert data["uploadable"] == sum(i["uploadable"] for i in items)
    assert data["missing_images"]["count"] == 0
    assert dict(data["categories"]["used"]) == Counter(c for i in items for c in i["categories"])
    assert data["wiki"] == {"checked": False}
    assert result.exit_status() is (ExitStatus.RECORD_ERRORS if data["errors"]["files"] else ExitStatus.OK)


def test_coverage_lists_every_template_parameter_with_the_share_filled(smm: Path, tmp_path: Path) -> None:
    items = read(smm)
    coverage = build(smm, tmp_path).data["coverage"]
    templates = Counter(i["template"] for i in items)
    assert {t: c["files"] for t, c in coverage.items()} == templates
    artwork = coverage["Artwork"]["parameters"]
    # every documented parameter is listed, used or not (an empty column is what a curator must see)
    assert {"artist", "title", "medium", "dimensions", "inscriptions"} <= set(artwork)
    for name, share in artwork.items():
        filled = sum(bool(i["params"].get(name, "").strip()) for i in items if i["template"] == "Artwork")
        assert share == round(filled / templates["Artwork"], 4), name


def test_top_values_count_repeated_values_and_give_up_on_free_text(tmp_path: Path) -> None:
    base = {
        "filename": "",
        "license": ACCEPTED,
        "template": "Artwork",
        "errors": [],
        "warnings": [],
        "source": "",
    }
    items = [
        dict(
            base,
            record_id=str(n),
            filename=f"F {n}.jpg",
            params={"medium": "oil" if n % 3 else "ink", "description": f"unique text {n}"},
        )
        for n in range(DISTINCT_LIMIT + 5)
    ]
    top = build(write(items, tmp_path / "records.jsonl"), tmp_path, thumbnails=False).data["top_values"]
    expected = Counter(i["params"]["medium"] for i in items)
    assert top["Artwork.medium"] == {"distinct": 2, "top": [[v, n] for v, n in expected.most_common()]}
    assert top["Artwork.description"] == {"distinct": f"more than {DISTINCT_LIMIT}", "top": []}


def test_kenom_is_all_rejected_with_the_reason_in_summary_and_page(kenom: Path, tmp_path: Path) -> None:
    items = read(kenom)
    data = build(kenom, tmp_path).data
    assert data["records"] == 20
    assert data["verdicts"]["reject"]["count"] == data["planned_files"] == len(items)
    assert data["verdicts"]["accept"]["count"] == data["verdicts"]["review"]["count"] == 0
    assert data["uploadable"] == 0
    reasons = [reason for _, _, reason in data["verdicts"]["reject"]["reasons"]]
    assert reasons and all("NC" in reason for reason in reasons)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for reason in reasons:  # the summary at the top is plain HTML: readable without JavaScript
        assert str(escape(reason)) in html


@pytest.fixture
def crafted(smm: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """Six real SMM planned files, given the problems a real batch can have (and only those)."""
    items = read(smm)[:6]
    for item in items:
        item["errors"], item["warnings"] = [], []
    items[0]["errors"] = [problem("wikitext", "the page has no license section")]
    items[1]["warnings"] = [
        problem("params.date", "date '1887?' not recognised; kept as text"),
        problem("params.date", "date 'ca 1900-talet' not recognised; kept as text"),
    ]
    items[2]["source"] = "images/not-there.jpg"
    items[2]["errors"] = [
        problem("images", "image file 'images/not-there.jpg' not found under /x", "image-missing")
    ]
    items[3]["warnings"] = [
        problem(
            "filename",
            f"{items[4]['filename']!r} is already planned for record "
            f"{items[4]['record_id']}; this file becomes {items[3]['filename']!r}",
            "collision",
        )
    ]
    items[4]["source"] = "https://example.org/image.jpg"
    items[5]["source"] = ""
    return items


def test_problems_are_grouped_by_kind_and_listed(crafted: list[dict[str, Any]], tmp_path: Path) -> None:
    data = build(write(crafted, tmp_path / "in" / "records.jsonl"), tmp_path).data
    assert data["errors"] == {
        "files": 2,
        "total": 2,
        "kinds": [
            ["wikitext: the page has no license section", 1],
            ["images: image file '…' not found under /x", 1],
        ],
    }
    assert data["warnings"]["kinds"] == [
        ["params.date: date '…' not recognised; kept as text", 2],
        [COLLISION_KIND, 1],
    ]
    assert data["collisions"]["count"] == 1
    assert data["collisions"]["examples"][0]["filename"] == crafted[3]["filename"]
    # a path that is not there and a file with no source at all are missing; a URL is not checked here
    assert data["missing_images"] == {
        "count": 2,
        "examples": [
            {
                "record_id": crafted[2]["record_id"],
                "filename": crafted[2]["filename"],
                "source": "images/not-there.jpg",
            },
            {"record_id": crafted[5]["record_id"], "filename": crafted[5]["filename"], "source": ""},
        ],
    }


@pytest.mark.parametrize(
    ("fail_on", "errors", "warnings", "expected"),
    [
        ("error", True, True, ExitStatus.RECORD_ERRORS),
        ("error", False, True, ExitStatus.OK),
        ("warning", False, True, ExitStatus.RECORD_ERRORS),
        ("warning", False, False, ExitStatus.OK),
        ("never", True, True, ExitStatus.OK),
    ],
)
def test_exit_status_follows_fail_on(
    crafted: list[dict[str, Any]],
    tmp_path: Path,
    fail_on: report.FailOn,
    errors: bool,
    warnings: bool,
    expected: ExitStatus,
) -> None:
    for item in crafted:
        item["source"] = ""
        item["errors"] = item["errors"] if errors else []
        item["warnings"] = item["warnings"] if warnings else []
    result = build(write(crafted, tmp_path / "records.jsonl"), tmp_path, thumbnails=False)
    assert result.exit_status(fail_on) is expected


def test_a_broken_line_names_the_file_and_line(smm: Path, tmp_path: Path) -> None:
    lines = smm.read_text(encoding="utf-8").splitlines()[:3]
    bad = tmp_path / "records.jsonl"
    bad.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build(bad, tmp_path / "out")
    assert caught.value.line == 2 and caught.value.file == str(bad)
    assert not (tmp_path / "out" / "report.html").exists()
    (tmp_path / "list.jsonl").write_text('["a list"]\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a planned file"):
        build(tmp_path / "list.jsonl", tmp_path / "out")


def test_report_html_is_self_contained_and_its_data_decodes(smm: Path, tmp_path: Path) -> None:
    items = read(smm)
    build(smm, tmp_path)
    assert not (tmp_path / PARTS_DIR).exists()  # a small report is one file
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<(link|img|iframe)\b|\bsrc=|@import|url\(", html)
    assert "default-src 'none'" in html  # the page may not fetch anything, even by mistake
    assert "'self'" not in html  # not even its own part files: they are inside
    parts = report_sections(html)
    index = [row for n in range(len(items) // PART_ROWS + 1) for row in parts[f"i{n}"]["rows"]]
    assert [(row[0], row[1]) for row in index] == [(i["record_id"], i["filename"]) for i in items]
    details = [d for n in range(len(items) // PART_ROWS + 1) for d in parts[f"d{n}"]["records"]]
    assert details == items  # a row's details are its planned file, as in records.jsonl
    structured = [
        parts[f"d{n}"]["structured"].get(str(i), [])
        for n in range(len(items) // PART_ROWS + 1)
        for i in range(len(parts[f"d{n}"]["records"]))
    ]
    readable = [StructuredData.from_data(i["structured_data"]).describe() for i in items]
    assert structured == readable and "caption (sv): " in readable[0][0]  # SMM's (#18)
    thumbs = parts["d0"]["thumbs"]
    assert all(row[7] >= 0 for row in index)  # every SMM file has its image here, so a thumbnail
    jpeg = base64.b64decode(thumbs[index[0][7]])
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and max(image.size) == THUMBNAIL_PX


def report_sections(html: str) -> dict[str, Any]:
    """The parts inside a report page (``i0``, ``d0``, …), decoded as its script decodes them: base64,
    gzip, JSON."""
    found = re.findall(
        r'<script type="application/x-glamupload-part" id="(\w+)">(.*?)</script>', html, re.DOTALL
    )
    return {name: json.loads(zlib.decompress(base64.b64decode(body), 31)) for name, body in found}


@settings(max_examples=40, deadline=None)
@given(value=st.text(min_size=1, max_size=60))
def test_any_text_from_metadata_stays_text_in_the_html(
    tmp_path_factory: pytest.TempPathFactory, value: str
) -> None:
    out = tmp_path_factory.mktemp("hostile")
    item = {
        "record_id": value,
        "filename": value + ".jpg",
        "wikitext": value,
        "categories": [value],
        "license": {"verdict": "reject", "reason": value},
        "source": "",
        "template": "Artwork",
        "params": {"title": value, "medium": value},
        "errors": [problem("title", value)],
        "warnings": [problem("filename", value)],
    }
    build(write([item, dict(item)], out / "records.jsonl"), out)
    with (out / "report.html").open(encoding="utf-8", newline="") as fh:
        html = fh.read()
    body = html.split('<section id="summary"', 1)[1].split('<section id="files"', 1)[0]
    assert "<script" not in body and "<img" not in body and "<iframe" not in body
    assert html.count("<script") == html.count("</script>")
    assert str(escape(value)) in body  # shown, escaped, in the reasons and values tables


def test_terminal_table_names_the_figures(kenom: Path, tmp_path: Path) -> None:
    result = build(kenom, tmp_path, title="KENOM coins")
    console = Console(record=True, width=100)
    console.print(summary_table(result))
    text = console.export_text()
    assert "KENOM coins" in text
    assert re.search(rf"license reject\s*│\s*{result.data['planned_files']}\b", text)
    assert re.search(r"uploadable\s*│\s*0\b", text)


def test_dry_run_command_writes_the_three_files_and_exits_by_fail_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    kenom = str(EXAMPLES / "kenom" / "batch.yaml")
    ok = CliRunner().invoke(cli, ["dry-run", kenom, "--out", str(out), "--json"])
    assert ok.exit_code == 0, ok.output
    assert {p.name for p in out.iterdir()} == {"records.jsonl", "summary.json", "report.html"}
    printed = json.loads(ok.stdout)
    assert printed["verdicts"]["reject"]["count"] == printed["planned_files"]
    assert f"Report: {out / 'report.html'}" in ok.stderr
    strict = CliRunner().invoke(
        cli, ["dry-run", kenom, "--out", str(out), "--fail-on", "warning", "--no-thumbnails"]
    )
    expected = ExitStatus.RECORD_ERRORS if printed["warnings"]["files"] else ExitStatus.OK
    assert strict.exit_code == expected


def test_an_override_for_a_record_not_planned_is_named_in_the_summary_and_on_the_terminal(
    tmp_path: Path,
) -> None:
    """An override's record id with a typo decided nothing, and nothing said so: the file stayed
    rejected and the reviewer's decision looked taken. Counted across worker processes (--jobs 2)."""
    folder = tmp_path / "batch"
    shutil.copytree(REPO / "tests" / "golden" / "generic-csv", folder)
    entry = "  - record_id: {}\n    wikitext: '{{{{cc-by-4.0}}}}'\n    reviewer: A\n    reason: granted\n"
    (folder / "overrides.yaml").write_text(
        "overrides:\n" + "".join(entry.format(i) for i in ("EX-3", "EX 1", "EX-99")), encoding="utf-8"
    )
    (folder / "batch.yaml").write_text(
        "export: {path: export.csv}\ncrosswalk: generic-csv\ninstitution: {name: Example Museum}\n"
        "overrides: overrides.yaml\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["dry-run", str(folder / "batch.yaml"), "--out", str(out), "--jobs", "2"]
    )
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["overrides"] == {"given": 3, "unused": ["EX 1", "EX-99"]}
    assert "2 override(s) decided nothing: 'EX 1', 'EX-99' (the dry run did not plan" in result.stderr


def test_a_config_mistake_exits_2_and_writes_no_report(tmp_path: Path) -> None:
    batch = tmp_path / "batch.yaml"
    batch.write_text(
        f"export:\n  path: {EXAMPLES / 'kenom' / 'kenom_oai_chunk20.xml'}\ncrosswalk: kenom\nimagez: 1\n"
    )
    result = CliRunner().invoke(cli, ["dry-run", str(batch), "--out", str(tmp_path / "out")])
    assert result.exit_code == ExitStatus.USAGE
    assert "imagez" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out" / "report.html").exists()
