"""`report`, `stats` and the progress of `run`, on a batch cleaned by the real DAG."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from corpus_batch import build_batch, cleaned_batch  # noqa: F401 - a session fixture

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.run.plan import plan_shards
from pipeline.run.progress import Known, ProgressReporter, Snapshot, format_progress, measure
from pipeline.tools.report import write_report
from pipeline.tools.stats import corpus_stats

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = {"counts", "rejects", "rules", "languages", "lengths", "quality", "samples"}


class _Page(HTMLParser):
    """Sections, plots and every reference to another resource in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.shapes_in_svg: list[int] = []
        self.external: list[tuple[str, str]] = []
        self.tags: list[str] = []
        self.samples = 0
        self.cut_rules: list[str] = []
        self._in_rule = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(attr.get("id") or "")
        if tag == "svg":
            self.svgs.append(attr)
            self.shapes_in_svg.append(0)
        if tag in ("rect", "line", "text") and self.shapes_in_svg:
            self.shapes_in_svg[-1] += 1
        if tag == "details":
            self.samples += 1
        self._in_rule = tag == "span" and attr.get("class") == "rule"
        for name in ("src", "href"):
            if attr.get(name):
                self.external.append((tag, attr[name] or ""))
        if tag in ("script", "link", "img", "iframe", "object"):
            self.external.append((tag, ""))

    def handle_data(self, data: str) -> None:
        if self._in_rule:
            self.cut_rules.append(data)
            self._in_rule = False


def test_report_renders_every_section_and_plot_with_no_external_resource(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
) -> None:
    _, out = cleaned_batch
    path = write_report(out)
    assert path == str(out / "report.html")
    text = Path(path).read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert set(page.sections) == SECTIONS
    # rejects x2, rules x2, languages x2, lengths x1, then one plot per quality signal
    stats = corpus_stats(out)
    expected_plots = 7 + len(stats.numeric_signals) + len(stats.flag_signals)
    assert len(page.svgs) == expected_plots >= 15
    assert all(svg.get("aria-label") and svg.get("viewbox") for svg in page.svgs)
    assert all(n >= 3 for n in page.shapes_in_svg), "an empty plot"
    assert page.external == [], "the report must open with no network"
    assert "@import" not in text and "url(" not in text
    # The sample shows the documents' removed lines, labelled with their rules.
    assert page.samples == 9
    assert {"ads.label", "extract.not_main_content", "share.button"} <= set(page.cut_rules)
    assert "Council backs budget" in text and "Neue Brücke eröffnet" in text


def test_report_numbers_match_the_manifest(cleaned_batch: tuple[Path, Path]) -> None:  # noqa: F811
    _, out = cleaned_batch
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    head = corpus_stats(out).headline()
    assert {k: head[k] for k in ("input", "clean", "rejected")} == manifest["counts"]
    assert head["rejected_by_reason"] == manifest["rejected_by_reason"]
    assert {r: v["lines"] for r, v in head["removed_by_rule"].items()} == manifest["removed_by_rule"]
    assert head["languages"] == {"en": 8, "de": 1}
    assert head["duplicates"] == 0
    lines = list(head["removed_by_rule"].values())
    assert lines == sorted(lines, key=lambda v: -v["lines"]), "rules ranked by lines removed"


def test_stats_command_prints_a_table_and_json(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = cleaned_batch
    assert main(["stats", str(out)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == ["input", "12"]
    assert "rejected by reason" in table and "empty_after_cleaning" in table and "ads.label" in table
    assert main(["stats", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["clean"] == 9 and data["rejected"] == 3


def test_report_command_and_missing_folder(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = cleaned_batch
    target = tmp_path / "r.html"
    assert main(["report", str(out), "--output", str(target), "--sample", "2"]) == 0
    page = _Page()
    page.feed(target.read_text(encoding="utf-8"))
    assert page.samples == 2
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "manifest.json" in capsys.readouterr().err


def test_progress_of_a_finished_batch_counts_every_document(cleaned_batch: tuple[Path, Path]) -> None:  # noqa: F811
    raw, out = cleaned_batch
    # The JSONL file holds two documents: known once the first stage has read its shard.
    shards = plan_shards(raw, load_config(str(out.parent / "small-shards.toml")))
    snap = measure(out, shards)
    assert (snap.documents_total, snap.fraction, snap.shards_done, snap.shards) == (12, 1.0, 3, 3)


def test_progress_polls_do_not_read_finished_stages_again(cleaned_batch: tuple[Path, Path]) -> None:  # noqa: F811
    raw, out = cleaned_batch
    shards = plan_shards(raw, load_config(str(out.parent / "small-shards.toml")))
    known: Known = {}
    first = measure(out, shards, known=known)
    assert sorted(known) == [s.index for s in shards]
    # A second poll must not touch a finished shard's files (a batch of thousands of shards is polled
    # twice a second by the scheduling process): with the files gone, it still counts them done.
    stages = out / "_stages"
    hidden = out.parent / "hidden-stages"
    stages.rename(hidden)
    try:
        again = measure(out, shards, known=known)
        assert (
            (again.work_done, again.shards_done)
            == (first.work_done, first.shards_done)
            == (
                first.work_total,
                3,
            )
        )
        assert measure(out, shards).work_done == 0  # without what was known, nothing is found
    finally:
        hidden.rename(stages)


def test_progress_before_a_run_and_the_reporter_off_a_terminal(tmp_path: Path) -> None:
    raw, out = build_batch(tmp_path)
    shards = plan_shards(raw, load_config(None))
    before = measure(out, shards, now=0.0)
    assert (before.work_done, before.documents_total) == (0, 11)  # 11 files before the JSONL is read
    stream = io.StringIO()
    reporter = ProgressReporter(lambda: [(out, shards)], stream, live=False, poll_seconds=0.05)
    with reporter:
        from corpus_batch import run_batch

        run_batch(raw, out)
    lines = stream.getvalue().splitlines()
    assert lines and all(line.startswith("progress: ") for line in lines)
    assert "12/12 documents (100.0%)" in lines[-1] and "shards 1/1" in lines[-1]
    assert len(lines) <= 12, "off a terminal: a line per 10% (or minute), not per poll"
    assert "\r" not in stream.getvalue()
    # A live line is redrawn in place and ends with a newline.
    live = io.StringIO()
    with ProgressReporter(lambda: [(out, shards)], live, live=True, poll_seconds=0.01):
        pass
    assert live.getvalue().startswith("\r") and live.getvalue().endswith("\n")
    assert format_progress(before, measure(out, shards, now=10.0)).startswith(
        "12/12 documents (100.0%)  1.2 docs/s"
    )


def test_cli_run_logs_progress_when_not_on_a_terminal(tmp_path: Path) -> None:
    raw, out = build_batch(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "--raw", str(raw), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("progress: ")]
    assert progress and "12/12 documents (100.0%)" in progress[-1]
    assert "12 documents: 9 clean, 3 rejected" in done.stdout


def test_the_last_log_line_shows_the_last_shard_done() -> None:
    """A poll that saw every document but not the last shard's output must not be the final line."""
    stream = io.StringIO()
    reporter = ProgressReporter(lambda: [], stream, live=False)
    reporter._start = Snapshot(0, 12, 6, 0, 1, 0.0)
    reporter._emit(Snapshot(12, 12, 6, 0, 1, 1.0), final=False)
    reporter._emit(Snapshot(12, 12, 6, 1, 1, 1.5), final=True)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "shards 0/1" in lines[0] and "shards 1/1" in lines[1]
    reporter._emit(Snapshot(12, 12, 6, 1, 1, 2.0), final=True)
    assert len(stream.getvalue().splitlines()) == 2, "nothing new: no repeated line"
