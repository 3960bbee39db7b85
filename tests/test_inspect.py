"""`inspect`: one document with every removed line in its place, on a batch cleaned by the real DAG."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from corpus_batch import cleaned_batch  # noqa: F401 - a session fixture

from pipeline.cli import main
from pipeline.document import document_from_dict
from pipeline.tools.inspect import (
    UnknownDocument,
    _rebuild_from_stages,
    align_kept_and_removed,
    inspect_document,
    placed_body,
)
from pipeline.tools.output import iter_clean, iter_rejects, part_origin


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> SimpleNamespace:
    """``python -m pipeline ARGS`` in this process (the same entry point, without a 3 s interpreter start)."""
    code = main(list(args))
    captured = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)


def _by_stage(removed: list[dict[str, str]], stage: str) -> list[tuple[str, str]]:
    return [(r["text"], r["rule"]) for r in removed if r["stage"] == stage]


def test_every_clean_document_is_rebuilt_exactly(cleaned_batch: tuple[Path, Path]) -> None:  # noqa: F811
    _, out = cleaned_batch
    records = list(iter_clean(out))
    assert len(records) == 9
    for _, record in records:
        found = inspect_document(out, record["id"])
        assert found.exact, record["id"]
        kept = [e.text for e in found.entries if e.rule is None]
        removed = [{"text": e.text, "rule": e.rule, "stage": e.stage} for e in found.entries if e.rule]
        assert kept == record["paragraphs"]
        # Each stage's removals keep their recorded order; all of them are shown, none twice.
        for stage in ("extract_text", "strip_boilerplate"):
            assert _by_stage(removed, stage) == _by_stage(record["removed"], stage)
        assert len(removed) == len(record["removed"])


def test_the_places_records_hold_give_the_body_the_runs_files_give(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
) -> None:
    _, out = cleaned_batch
    for part, record in iter_clean(out):
        doc = document_from_dict(record)
        assert all(r.at is not None for r in doc.removed), record["id"]
        origin = part_origin(out, part)
        assert origin is not None
        assert placed_body(doc) == _rebuild_from_stages(out, *origin, doc), record["id"]


def test_removed_lines_stand_where_they_were(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = cleaned_batch
    done = _cli(capsys, "inspect", str(out), "news/council")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    body = lines[lines.index("") + 1 :]
    assert [line[:41] for line in body] == [
        "  - [extract.not_main_content] Home World",
        "  - [title.repeat] Council backs budget",
        "  The city council approved the new budge",
        "  - [ads.label] Advertisement",
        "  Members said the plan would raise spend",
        "  A final vote on the details is expected",
        "  - [extract.not_main_content] Copyright ",
    ]
    assert "title     Council backs budget" in lines
    assert "language  en" in lines


def test_jsonl_record_shows_title_and_ad_above_the_body(cleaned_batch: tuple[Path, Path]) -> None:  # noqa: F811
    _, out = cleaned_batch
    found = inspect_document(out, "feed/a")
    assert [(e.rule, e.text[:20]) for e in found.entries][:3] == [
        ("title.heading", "Local library extend"),
        ("ads.label", "Advertisement"),
        (None, "The library will ope"),
    ]


def test_a_rejected_document_shows_its_reject_and_what_was_cut(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = cleaned_batch
    assert {r["id"] for r in iter_rejects(out)} == {"empty", "only-widgets", "notes.pdf"}
    done = _cli(capsys, "inspect", str(out), "only-widgets")
    assert done.returncode == 0, done.stderr
    assert "REJECTED at segment_paragraphs: empty_after_cleaning" in done.stdout
    assert "  - [ads.label] Advertisement" in done.stdout
    assert "  - [share.button] Share this" in done.stdout
    done = _cli(capsys, "inspect", str(out), "notes.pdf")
    assert done.returncode == 0 and "unsupported_format" in done.stdout


def test_unknown_id_exits_non_zero_with_a_message(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out = cleaned_batch
    done = _cli(capsys, "inspect", str(out), "no/such/doc")
    assert done.returncode == 3
    assert "no document with id 'no/such/doc'" in done.stderr and done.stdout == ""
    with pytest.raises(UnknownDocument):
        inspect_document(out, "no/such/doc")


def test_not_an_output_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = _cli(capsys, "inspect", str(tmp_path), "x")
    assert done.returncode == 2 and "manifest.json" in done.stderr


def test_the_published_files_alone_place_every_removed_line(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, out = cleaned_batch
    copy = tmp_path / "published"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("_stages"))
    for _, record in iter_clean(copy):
        found = inspect_document(copy, record["id"])
        assert found.exact and found.entries == inspect_document(out, record["id"]).entries


def test_without_places_or_stage_files_every_line_is_still_shown(
    cleaned_batch: tuple[Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    _, out = cleaned_batch
    # An output whose records do not say where their removals stood, copied without the run's files.
    copy = tmp_path / "published"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns("_stages"))
    for part in copy.glob("part-*.jsonl"):
        records = [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
        for record in records:
            for removal in record["removed"]:
                del removal["at"]
        part.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    found = inspect_document(copy, "news/council")
    assert not found.exact and "_stages" in found.note
    assert [e.rule for e in found.entries if e.rule] == sorted(
        [e.rule for e in found.entries if e.rule], key=lambda r: not r.startswith("title.")
    )
    assert sum(1 for e in found.entries if e.rule) == 4


@pytest.mark.parametrize(
    ("lines", "kept", "removed", "expected"),
    [
        pytest.param(["a", "b", "c"], ["a", "c"], ["b"], [False, True, False], id="one-cut"),
        # The same short line cut in the header and kept in the body: position decides, not text.
        pytest.param(
            ["Menu", "Body.", "Menu", "End."],
            ["Body.", "Menu", "End."],
            ["Menu"],
            [True, False, False, False],
            id="same-line-cut-then-kept",
        ),
        pytest.param(
            ["Body.", "Menu", "End.", "Menu"],
            ["Body.", "Menu", "End."],
            ["Menu"],
            [False, False, False, True],
            id="same-line-kept-then-cut",
        ),
        pytest.param(["  x  "], ["  x"], [], [False], id="kept-line-right-stripped"),
        pytest.param(["a", "b"], ["a"], ["c"], None, id="no-alignment"),
    ],
)
def test_alignment_of_kept_and_removed_lines(
    lines: list[str], kept: list[str], removed: list[str], expected: list[bool] | None
) -> None:
    assert align_kept_and_removed(lines, kept, removed) == expected


def test_documents_of_every_part_of_a_split_shard_are_rebuilt_exactly(tmp_path: Path) -> None:
    from corpus_batch import build_batch, run_batch

    raw, out = build_batch(tmp_path)
    config = tmp_path / "split-parts.toml"
    config.write_text("[input]\nshard_files = 4\n[output]\nmax_part_records = 1\n")
    run_batch(raw, out, config)
    records = list(iter_clean(out))
    # Several parts per shard: part numbers are not shard numbers.
    assert len(records) == 9 and len({part for part, _ in records}) == 9
    for part, record in records:
        found = inspect_document(out, record["id"])
        assert found.exact, (part, record["id"])
        assert [e.text for e in found.entries if e.rule is None] == record["paragraphs"]
