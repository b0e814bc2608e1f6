"""Each benchmark script runs end to end at a tiny size and measures what it says (no timing asserted).

The wiki benchmarks start their own sandbox (about half a minute each), so they are marked ``wiki``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import _common


def test_a_varied_smm_export_has_distinct_free_text(tmp_path: Path) -> None:
    _common.build_smm(tmp_path, 1200, vary=True)
    rows = [
        line.split("|") for line in (tmp_path / "export.csv").read_text(encoding="utf-8").splitlines()[1:]
    ]
    described = [n for n in range(597) if rows[n][23].strip()]
    assert len(described) > 100 and all(rows[n][23] != rows[n + 597][23] for n in described)


def test_synthetic_smm_export_has_unique_ids_and_real_images(tmp_path: Path) -> None:
    batch = _common.build_smm(tmp_path, 1300)
    lines = (tmp_path / "export.csv").read_bytes().decode("utf-8").split("\r\n")
    rows = [line.split("|") for line in lines[1:] if line]
    assert len(rows) == 1300
    assert len({row[0] for row in rows}) == 1300
    assert len({row[-1] for row in rows}) == 1300
    assert all((tmp_path / "images" / f"{row[-1]}.jpg").is_file() for row in rows)
    assert batch.is_file()


def test_synthetic_lido_export_has_new_record_ids(tmp_path: Path) -> None:
    from glamupload.readers import open_export

    _common.build_kenom(tmp_path, 45)
    ids = [record.get("lidoRecID") for record in open_export(tmp_path / "export.xml", format="lido")]
    assert len(ids) == 45
    assert len(set(ids)) == 45


def test_a_photograph_sized_jpeg_has_about_its_size(tmp_path: Path) -> None:
    import upload_overhead
    from PIL import Image

    path = upload_overhead.photograph(tmp_path / "p.jpg", 2.0, seed=1)
    assert 1.6e6 < path.stat().st_size < 2.5e6
    with Image.open(path) as image:
        assert image.format == "JPEG"


def test_describe_request_names_the_api_module() -> None:
    query = b"action=query&prop=imageinfo&titles=File%3AA.jpg"
    assert _common.describe_request(query) == "query prop=imageinfo"
    multipart = (
        b'--x\r\nContent-Disposition: form-data; name="action"\r\n\r\nupload\r\n'
        b'--x\r\nContent-Disposition: form-data; name="stash"\r\n\r\n1\r\n--x--\r\n'
    )
    assert _common.describe_request(multipart) == "upload (chunk)"


def test_mapping_throughput(tmp_path: Path) -> None:
    import mapping_throughput

    argv = ["--csv", "600", "--lido", "20", "--jobs", "1", "2", "--workdir", str(tmp_path)]
    rows = mapping_throughput.main(argv)
    dry = {(row["kind"], row["step"]): row for row in rows}
    assert dry["csv", "plan (report off), 1 job"]["result"]["files"] == 600
    assert dry["csv", "dry run + report, 2 jobs"]["result"]["files"] == 600
    assert dry["lido", "dry run + report, 1 job"]["result"]["files"] == 32  # 20 KENOM records, 32 images
    assert dry["lido", "dry run + report, 2 jobs"]["result"]["report_mb"] > 0
    assert dry["csv", "baseline: pandas.read_csv"]["result"]["records"] == 600
    assert all(row["peak_rss"] > 0 and row["cpu_seconds"] >= 0 for row in rows)


def test_mapping_throughput_in_rounds_takes_the_median_ratio(tmp_path: Path) -> None:
    import mapping_throughput

    argv = [
        "--csv",
        "--lido",
        "20",
        "--jobs",
        "2",
        "--rounds",
        "3",
        "--no-plan-only",
        "--workdir",
        str(tmp_path),
    ]
    rows = {row["step"]: row for row in mapping_throughput.main(argv)}
    dry = rows["dry run + report, 2 jobs"]
    assert len(dry["ratios"]) == 3 and dry["ratio"] == sorted(dry["ratios"])[1]
    assert dry["ratio"] == dry["seconds"] / dry["base"]["seconds"]  # against its own round's baseline
    assert rows["baseline: lxml iterparse"]["result"]["records"] == 20


@pytest.mark.wiki
@pytest.mark.parametrize(
    "script, argv",
    [
        ("upload_overhead", ["--files", "3", "--rounds", "2"]),
        ("upload_overhead", ["--files", "3", "--rounds", "1", "--realistic", "0.2", "0.5"]),
        ("pipelining", ["--files", "3", "--latency", "0.1"]),
    ],
)
def test_upload_benchmarks(tmp_path: Path, script: str, argv: list[str]) -> None:
    module = __import__(script)
    result = module.main([*argv, "--workdir", str(tmp_path)])
    glam = result["glamupload"]
    assert glam["results"] == {"uploaded": 3}
    bare = result.get("bare") or result["sequential"]
    assert bare["results"] == {"Success": 3}


@pytest.mark.wiki
def test_resume(tmp_path: Path) -> None:
    import resume

    result = resume.main(["--files", "1200", "--done", "0.9", "--workdir", str(tmp_path)])
    glam = result["glamupload"]
    assert "first upload answered" in glam["marks"]
    assert glam["counts"]["uploaded"] == 1081  # 1080 done before, one new
    assert result["bare"]["result"] == "Success"


@pytest.mark.wiki
def test_large_file(tmp_path: Path) -> None:
    import large_file

    result = large_file.main(["--size", "24", "--workdir", str(tmp_path)])
    runs = result["runs"]
    assert runs["glamupload"]["result"]["result"] == {"uploaded": 1}
    assert runs["glamupload"]["result"]["requests"]["upload (chunk)"] == 6
    assert runs["bare loop"]["result"]["result"] == "Success"


def test_json_folder(tmp_path: Path) -> None:
    import json_folder

    base, dry = json_folder.main(["--files", "40", "--workdir", str(tmp_path)])
    assert base["result"] == {"records": 40}
    assert dry["result"] == {"files": 40, "with errors": 0}


@pytest.mark.wiki  # the soak starts its own sandbox
def test_soak(tmp_path: Path) -> None:
    import soak

    result = soak.main(["--records", "24", "--kills", "2", "--workdir", str(tmp_path)])
    ran, wiki = result["soak"], result["wiki"]
    assert ran["kills"] == 2 and ran["problems"] == [] and ran["faults_total"] > 0
    assert wiki["on_the_wiki"] == wiki["uploadable"] == wiki["upload_log_entries"] > 0
    assert wiki["lost"] == wiki["duplicates"] == wiki["extra_revisions"] == 0
    assert wiki["sha1_mismatches"] == wiki["page_text_mismatches"] == 0
