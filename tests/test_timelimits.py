"""Time limits on a batch's own code: a crosswalk's regular expression that backtracks for ever, or a page
template that loops, stops the dry run with one line naming it, instead of hanging without a word."""

from __future__ import annotations

import re
import shutil
import signal
import textwrap
import threading
import time
from pathlib import Path

import pytest

from glamupload import dryrun, timelimits
from glamupload.config import load_batch
from glamupload.errors import ConfigError
from glamupload.plan import plan_batch

ROOT = Path(__file__).resolve().parent.parent
GENERIC = Path(__file__).resolve().parent / "golden" / "generic-csv"
#: ``(a+)+$`` against 30 a's and a b: 2**30 ways to split the a's, each tried before the match fails
#: (half a minute here, unlimited; each a more doubles it).
CATASTROPHIC = r"^(a+)+$"
SLOW_VALUE = "a" * 30 + "b"


@pytest.fixture
def short_limit(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(timelimits, "LIMIT_SECONDS", 0.3)
    return 0.3


def test_a_catastrophic_pattern_is_stopped_at_the_limit() -> None:
    started = time.monotonic()
    with pytest.raises(timelimits.TooSlow), timelimits.TimeLimit(0.3):
        re.search(CATASTROPHIC, SLOW_VALUE)
    assert time.monotonic() - started < 3


def test_the_limit_ends_with_its_block_and_a_stray_alarm_is_harmless() -> None:
    with timelimits.TimeLimit(0.2):
        pass
    time.sleep(0.4)  # no timer left to fire
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is timelimits._expired  # installed once, as SIGALRM had none
    signal.raise_signal(signal.SIGALRM)  # someone's alarm outside a block: ignored, not TooSlow


def test_under_a_watch_only_limited_work_is_stopped_and_by_its_own_clock() -> None:
    """A record's planning arms one timer (``Watch``); other work in it (an image read) may take as long
    as it takes, and a pattern gets its whole limit from when it began."""
    with timelimits.Watch(0.2):
        time.sleep(0.35)  # the timer fires meanwhile: nothing limited runs, so nothing is stopped
        started = time.monotonic()
        with pytest.raises(timelimits.TooSlow), timelimits.TimeLimit(0.2):
            re.search(CATASTROPHIC, SLOW_VALUE)
        assert 0.15 < time.monotonic() - started < 3
        with timelimits.TimeLimit(0.2):
            pass  # fast work under the watch: no timer of its own, nothing raised
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_block_a_signal_cut_short_leaves_nothing_that_stops_later_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A reviewer's case: the timer firing on the very instruction that ends a block left the clock (and
    a block's own watch) set with no timer pending: later blocks ran unlimited, and the next record's
    watch stopped work that no limit covered."""
    monkeypatch.setattr(timelimits, "_armed", True)
    monkeypatch.setattr(timelimits, "_watching", threading.get_ident())
    monkeypatch.setattr(timelimits, "_started", time.monotonic() - 60)
    with pytest.raises(timelimits.TooSlow), timelimits.TimeLimit(0.2):  # limited again
        re.search(CATASTROPHIC, SLOW_VALUE)
    monkeypatch.setattr(timelimits, "_started", time.monotonic() - 60)  # and outside any block:
    with timelimits.Watch(0.1):
        time.sleep(0.3)  # nothing limited runs: nothing is stopped
    assert (timelimits._armed, timelimits._started) == (False, None)


def test_the_programs_own_timer_stands() -> None:
    fired: list[int] = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with timelimits.TimeLimit(0.05):
            time.sleep(0.15)  # past the block's limit: the block runs unlimited, nothing raised
        time.sleep(0.4)
        assert fired == [signal.SIGALRM]
        assert timelimits._started is None  # no clock left behind for a later watch to stop work by
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_off_the_main_thread_the_work_runs_unlimited() -> None:
    outcome: list[str] = []

    def work() -> None:
        with timelimits.TimeLimit(0.05):
            time.sleep(0.2)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcome == ["finished"]


def batch_with(tmp_path: Path, transform: str = "", template: str | None = None) -> Path:
    """The generic example batch, its crosswalk's title chain given ``transform``, its page template
    ``template`` (and the first record's title the value that makes ``CATASTROPHIC`` backtrack)."""
    folder = tmp_path / "batch"
    shutil.copytree(GENERIC, folder)
    crosswalk = (ROOT / "mappings" / "generic-csv.yaml").read_text(encoding="utf-8")
    chain = "transforms: [trim, {lang: en}]"
    assert crosswalk.count(chain) == 2
    (folder / "crosswalk.yaml").write_text(
        crosswalk.replace(chain, f"transforms: [trim, {transform}{{lang: en}}]", 1), encoding="utf-8"
    )
    export = folder / "export.csv"
    export.write_text(
        export.read_text(encoding="utf-8").replace("Portrait of a lady", SLOW_VALUE), encoding="utf-8"
    )
    extra = ""
    if template is not None:
        (folder / "templates").mkdir()
        (folder / "templates" / "file-page.j2").write_text(template, encoding="utf-8")
        extra = "templates: templates\n"
    (folder / "batch.yaml").write_text(
        textwrap.dedent(
            """\
            export: {path: export.csv}
            crosswalk: crosswalk.yaml
            institution: {name: Example Museum}
            """
        )
        + extra,
        encoding="utf-8",
    )
    return folder / "batch.yaml"


@pytest.mark.parametrize(
    "transform",
    [
        f"{{keep: '{CATASTROPHIC}'}}, ",
        f"{{replace: {{pattern: '{CATASTROPHIC}', with: x}}}}, ",
    ],
    ids=["keep", "replace"],
)
def test_a_transform_pattern_that_runs_out_of_time_names_record_field_and_pattern(
    tmp_path: Path, short_limit: float, transform: str
) -> None:
    batch = batch_with(tmp_path, transform)
    started = time.monotonic()
    with pytest.raises(ConfigError) as raised:
        list(plan_batch(load_batch(batch)))
    assert time.monotonic() - started < 10
    error = raised.value
    assert Path(error.file or "") == batch.parent / "crosswalk.yaml"
    assert error.message == (
        f"line 2 of the export: params.title: the regular expression {CATASTROPHIC!r} took more than "
        f"0.3 s on {SLOW_VALUE!r} and was stopped"
    )
    assert error.hint is not None and "(a+)+" in error.hint


def test_a_condition_pattern_that_runs_out_of_time_is_named(tmp_path: Path, short_limit: float) -> None:
    batch = batch_with(tmp_path)
    crosswalk = batch.parent / "crosswalk.yaml"
    text = crosswalk.read_text(encoding="utf-8")
    crosswalk.write_text(
        text.replace(
            "  title:\n    field: title\n",
            f"  title:\n    field: title\n    when: {{field: title, matches: '{CATASTROPHIC}'}}\n",
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"the condition on title: the regular expression"):
        list(plan_batch(load_batch(batch)))


def test_a_page_template_that_loops_is_stopped_naming_the_template(
    tmp_path: Path, short_limit: float
) -> None:
    shipped = (ROOT / "templates" / "file-page.j2").read_text(encoding="utf-8")
    looping = shipped.replace(
        "=={{int:filedesc}}==",
        "<% for i in range(100000) %><% for j in range(1000) %><% endfor %><% endfor %>=={{int:filedesc}}==",
    )
    batch = batch_with(tmp_path, template=looping)
    with pytest.raises(ConfigError) as raised:
        list(plan_batch(load_batch(batch)))
    assert Path(raised.value.file or "") == (batch.parent / "templates" / "file-page.j2").resolve()
    assert "took more than 0.3 s to render" in raised.value.message


def test_a_worker_process_stops_the_dry_run_the_same_way(tmp_path: Path, short_limit: float) -> None:
    batch = batch_with(tmp_path, f"{{keep: '{CATASTROPHIC}'}}, ")
    with pytest.raises(ConfigError, match=r"took more than 0\.3 s"):
        dryrun.dry_run(load_batch(batch), tmp_path / "out", jobs=2, thumbnails=False)
    assert not (tmp_path / "out" / "records.jsonl").exists()
