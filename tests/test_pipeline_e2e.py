"""End to end through real Luigi on temporary folders: formats, rejects, counts, re-runs, workers, CLI."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import luigi
import pytest
from seed_files import copy_seeds
from warcs import Response, write_warc

from pipeline import cli
from pipeline.clean.chain import STAGES
from pipeline.run import layout
from pipeline.run.files import count_lines
from pipeline.tasks import CleanCorpus, ShardStage
from pipeline.tools.verify import verify_output

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
ARTICLE_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Council backs budget | Example News</title>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>Council backs budget</h1>
<p>The city council approved the new budget on Tuesday after a debate that lasted well into the night.</p>
<p>Advertisement</p>
<p>Members said the plan would raise spending on schools and roads by a tenth over the next four years.</p>
<p>A final vote on the details is expected next month, after a round of public hearings in every district.</p>
</article><footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""


def _build(raw: Path, out: Path, workers: int = 1) -> None:
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(out))
    assert luigi.build([task], local_scheduler=True, workers=workers, log_level="WARNING")


def _snapshot(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


@pytest.fixture
def mixed_batch(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "news").mkdir(parents=True)
    copy_seeds(raw)
    (raw / "news" / "council.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (raw / "news" / "council-copy.htm.gz").write_bytes(gzip.compress(ARTICLE_HTML.encode("utf-8"), mtime=0))
    (raw / "empty.txt").write_bytes(b"")
    (raw / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 500)
    (raw / "undecodable.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (raw / "notes.pdf").write_bytes(b"%PDF-1.4")
    (raw / ".hidden.txt").write_text("ignored")
    return raw


def test_mixed_batch_end_to_end(mixed_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(mixed_batch, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts == {"input": 11, "clean": 7, "rejected": 4}
    assert counts["input"] == counts["clean"] + counts["rejected"]

    records = [
        json.loads(line) for part in manifest["parts"] for line in (out / part).read_text().splitlines()
    ]
    by_id = {r["id"]: r for r in records}
    assert set(by_id) == {s.stem for s in SEEDS.glob("*.txt")} | {"news/council", "news/council-copy"}
    html = by_id["news/council"]
    assert html["title"] == "Council backs budget"
    assert html["source"] == {"path": "news/council.html", "format": "html", "url": None}
    assert "Advertisement" not in html["text"] and "approved the new budget" in html["text"]
    assert html["text"] == by_id["news/council-copy"]["text"]
    assert any(r["rule"] == "extract.not_main_content" for r in html["removed"])
    for record in records:
        assert list(record) == [
            "id",
            "text",
            "paragraphs",
            "paragraph_types",
            "title",
            "language",
            "source",
            "removed",
            "metadata",
        ]
        assert record["text"] == "\n\n".join(record["paragraphs"])

    rejects = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    reasons = {r["id"]: r["reason"] for r in rejects}
    assert reasons == {
        "binary": "binary",
        "empty": "empty",
        "notes.pdf": "unsupported_format",
        "undecodable": "binary",
    }
    for reject in rejects:
        assert set(reject) == {"id", "source", "stage", "reason", "detail"}


def test_rerun_does_no_work_and_output_is_byte_identical(mixed_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(mixed_batch, out)
    before = _snapshot(out)
    stage_files = sorted(p for p in (out / "_stages").rglob("*") if p.is_file())
    mtimes = [p.stat().st_mtime_ns for p in stage_files]
    _build(mixed_batch, out)
    assert _snapshot(out) == before
    assert [p.stat().st_mtime_ns for p in stage_files] == mtimes


def test_an_output_folder_inside_the_raw_folder_is_never_read_back(tmp_path: Path) -> None:
    raw = copy_seeds(tmp_path / "data")
    out = raw / "clean"
    _build(raw, out)
    first = _snapshot(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["input"] == 5
    _build(raw, out)
    assert _snapshot(out) == first


def test_cli_refuses_an_output_folder_that_is_the_raw_folder(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("A document with a sentence to keep in it.\n")
    command = [sys.executable, "-m", "pipeline", "run", "--raw", str(tmp_path), "--out", str(tmp_path)]
    done = _run(command, tmp_path)
    assert done.returncode == 2 and "--raw folder itself" in done.stderr


def test_changed_input_is_picked_up(mixed_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(mixed_batch, out)
    (mixed_batch / "extra.txt").write_text("A new document arrives with a sentence of its own to keep.\n")
    _build(mixed_batch, out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["input"] == 12


def test_two_workers_give_byte_identical_output(mixed_batch: Path, tmp_path: Path) -> None:
    config = tmp_path / "small-shards.toml"
    config.write_text("[input]\nshard_files = 2\n")
    outs = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        luigi.task_register.Register.clear_instance_cache()
        task = CleanCorpus(raw_dir=str(mixed_batch), out_dir=str(out), config_path=str(config))
        assert luigi.build([task], local_scheduler=True, workers=workers, log_level="WARNING")
        outs.append(_snapshot(out))
    assert len([name for name in outs[0] if name.startswith("part-")]) == 6
    assert outs[0] == outs[1]


def test_no_temporary_files_are_left(mixed_batch: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(mixed_batch, out)
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_cli_run_cleans_the_seeds(tmp_path: Path) -> None:
    out = tmp_path / "clean"
    done = _run([sys.executable, "-m", "pipeline", "run", "--raw", str(SEEDS), "--out", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "5 documents: 5 clean, 0 rejected" in done.stdout
    assert (out / "part-00000.jsonl").exists()


def test_cli_refuses_a_missing_raw_folder(tmp_path: Path) -> None:
    done = _run([sys.executable, "-m", "pipeline", "run", "--raw", str(tmp_path / "nope")], tmp_path)
    assert done.returncode == 2 and "does not exist" in done.stderr


def test_luigi_command_runs_the_same_dag(tmp_path: Path) -> None:
    luigi_bin = Path(sys.executable).with_name("luigi")
    if not luigi_bin.exists():
        pytest.skip("the luigi console script is not installed beside this interpreter")
    out_cli, out_luigi = tmp_path / "cli", tmp_path / "luigi"
    assert (
        _run(
            [sys.executable, "-m", "pipeline", "run", "--raw", str(SEEDS), "--out", str(out_cli)], tmp_path
        ).returncode
        == 0
    )
    done = _run(
        [
            str(luigi_bin),
            "--module",
            "pipeline.tasks",
            "CleanCorpus",
            "--raw-dir",
            str(SEEDS),
            "--out-dir",
            str(out_luigi),
            "--local-scheduler",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert _snapshot(out_cli) == _snapshot(out_luigi)


def test_files_with_the_same_id_keep_the_first_and_reject_the_rest(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (raw / "a.txt").write_text("A plain text document with a sentence to keep.\n", encoding="utf-8")
    (raw / "a.i.txt").write_text("Another plain text document, with its own id.\n", encoding="utf-8")
    config = tmp_path / "one-file-shards.toml"
    config.write_text("[input]\nshard_files = 1\n")
    luigi.task_register.Register.clear_instance_cache()
    out = tmp_path / "out"
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(config))
    assert luigi.build([task], local_scheduler=True, log_level="WARNING")
    rejects = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    # The reject is known by its own path, not by the kept record's id, and names both sources.
    assert [(r["id"], r["source"]["path"], r["reason"]) for r in rejects] == [
        ("a.txt", "a.txt", "duplicate_id")
    ]
    assert "a.txt" in rejects[0]["detail"] and "a.html" in rejects[0]["detail"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"input": 3, "clean": 2, "rejected": 1}
    assert verify_output(out) == []


def test_records_with_taken_ids_get_ids_of_their_own_and_the_output_verifies(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    page = ARTICLE_HTML.encode("utf-8")
    (warc_id,) = write_warc(raw / "x.warc", [Response("https://example.org/a", page)], gzip=False)
    (raw / "x.warc.gz").write_bytes(gzip.compress((raw / "x.warc").read_bytes(), mtime=0))
    (raw / "a.txt").write_text("A plain text document with a sentence to keep.\n", encoding="utf-8")
    same = b"The same document, compressed, with a sentence.\n"
    (raw / "a.txt.gz").write_bytes(gzip.compress(same, mtime=0))
    text = "Record number {} of the file, with a sentence of its own."
    lines = [{"id": "7", "text": text.format(n)} for n in range(3)]
    (raw / "r.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out"
    _build(raw, out)
    rejects = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in rejects) == [
        "a.txt.gz",
        "r.jsonl/7",
        "r.jsonl/7#2",
        f"x.warc.gz/{warc_id}",
    ]
    assert {r["reason"] for r in rejects} == {"duplicate_id"}
    clean = [json.loads(line) for line in (out / "part-00000.jsonl").read_text().splitlines()]
    assert sorted(r["id"] for r in clean) == ["a", "r/7", f"x/{warc_id}"]
    assert verify_output(out) == []


def test_luigi_command_backfills_days_with_range_daily(tmp_path: Path) -> None:
    luigi_bin = Path(sys.executable).with_name("luigi")
    if not luigi_bin.exists():
        pytest.skip("the luigi console script is not installed beside this interpreter")
    raw = tmp_path / "raw"
    copy_seeds(raw / "2026-11-20")
    out_cli, out_luigi = tmp_path / "cli", tmp_path / "luigi"
    luigi.task_register.Register.clear_instance_cache()
    assert cli.main(["run", "--raw", str(raw), "--out", str(out_cli), "--date", "2026-11-20"]) == 0
    day = ["--CleanDay-raw-root", str(raw), "--CleanDay-out-root", str(out_luigi), "--local-scheduler"]
    module = [str(luigi_bin), "--module", "pipeline.tasks"]
    # RangeDaily ignores days more than 100 days before (or any after) today unless told otherwise.
    span = ["--start", "2026-11-19", "--stop", "2026-11-21", "--days-back", "9999", "--days-forward", "9999"]
    done = _run([*module, "RangeDaily", "--of", "CleanDay", *span, *day], tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out_luigi.iterdir()) == ["2026-11-20"]  # 2026-11-19: no raw data
    assert _snapshot(out_luigi / "2026-11-20") == _snapshot(out_cli / "2026-11-20")
    # Asked for on its own, a day without raw data is missing data (the shipped [retcode]).
    missing = _run([*module, "CleanDay", "--date", "2026-11-19", *day], tmp_path)
    assert missing.returncode == 20, missing.stderr


def _dedup_batch(raw: Path) -> None:
    raw.mkdir()
    seed = (SEEDS / "000_4debcb856e95d4c8.txt").read_text(encoding="utf-8")
    (raw / "b-original.txt").write_text(seed, encoding="utf-8")
    (raw / "a-exact-copy.txt").write_text(seed, encoding="utf-8")
    lines = seed.splitlines()
    edited = [line.replace("Moscow Vows", "Moscow Pledges") for line in lines if "Rebel fighters" not in line]
    (raw / "c-edited-copy.txt").write_text("\n".join(["Advertisement", *edited]), encoding="utf-8")
    for other in sorted(SEEDS.glob("00[1-4]*.txt")):
        (raw / other.name).write_bytes(other.read_bytes())


def test_duplicates_point_to_the_smallest_id_whatever_the_shards(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _dedup_batch(raw)
    results = []
    for shard_files in (1, 3, 100):
        config = tmp_path / f"shards-{shard_files}.toml"
        config.write_text(f"[input]\nshard_files = {shard_files}\n")
        out = tmp_path / f"out-{shard_files}"
        luigi.task_register.Register.clear_instance_cache()
        task = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(config))
        assert luigi.build([task], local_scheduler=True, workers=2, log_level="WARNING")
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        records = [
            json.loads(line) for part in manifest["parts"] for line in (out / part).read_text().splitlines()
        ]
        results.append({r["id"]: r["metadata"]["duplicate_of"] for r in records})
    assert results[0] == results[1] == results[2]
    dups = {k: v for k, v in results[0].items() if v}
    assert dups == {"b-original": "a-exact-copy", "c-edited-copy": "a-exact-copy"}


def test_drop_duplicates_sends_copies_to_the_rejects(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _dedup_batch(raw)
    config = tmp_path / "drop.toml"
    config.write_text("[corpus]\ndrop_duplicates = true\n")
    out = tmp_path / "out"
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=str(raw), out_dir=str(out), config_path=str(config))
    assert luigi.build([task], local_scheduler=True, log_level="WARNING")
    rejects = {r["id"]: r for r in map(json.loads, (out / "rejected.jsonl").read_text().splitlines())}
    assert {k: (r["reason"], r["detail"]) for k, r in rejects.items()} == {
        "b-original": ("duplicate", "copy of a-exact-copy"),
        "c-edited-copy": ("duplicate", "copy of a-exact-copy"),
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"input": 7, "clean": 5, "rejected": 2}


def test_two_workers_run_each_stage_across_all_shards_before_the_next(tmp_path: Path) -> None:
    """Breadth-first: no shard's later stages run while another shard waits for an earlier one."""
    log = tmp_path / "starts.log"

    def started(task: luigi.Task) -> None:  # runs in the task's own process
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(task.get_task_family() + "\n")

    config = tmp_path / "one-file-shards.toml"
    config.write_text("[input]\nshard_files = 1\n")
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=str(SEEDS), out_dir=str(tmp_path / "out"), config_path=str(config))
    luigi.Task.event_handler(luigi.Event.START)(started)
    try:
        assert luigi.build([task], local_scheduler=True, workers=2, log_level="WARNING")
    finally:
        luigi.Task._event_callbacks[luigi.Task][luigi.Event.START].discard(started)
    order = log.read_text(encoding="utf-8").split()
    stages = [ShardStage.by_stage[stage].__name__ for stage in STAGES]
    assert [order.count(s) for s in stages] == [5] * len(stages)
    # START is written by each task's own process, so the log can lag the dispatch: when a later
    # stage's first task is handed out, every earlier-stage task has been, but the other worker's may
    # not have written its line yet. Breadth-first means at most that one (workers - 1) comes after.
    for earlier, later in zip(stages, stages[1:], strict=False):
        first_later = order.index(later)
        assert order[first_later:].count(earlier) <= 1, (earlier, later, order)


def _records(out: Path) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    lines = [line for part in manifest["parts"] for line in (out / part).read_text().splitlines()]
    return {r["id"]: r for r in map(json.loads, lines)}


def test_learning_and_duplicates_can_be_switched_off(tmp_path: Path) -> None:
    """The line counts and signatures ride on RepairEncoding and TagMetadata; switched off, both are empty."""
    raw = tmp_path / "raw"
    _dedup_batch(raw)
    # Pages of unknown site: a line is learned from BATCH_MIN_DOCS of them on.
    for n, other in enumerate(sorted(SEEDS.glob("00[1-3]*.txt"))):
        (raw / f"z-copy-{n}.txt").write_bytes(other.read_bytes())
    for path in sorted(raw.iterdir()):  # a short line every page repeats, unknown to the rule catalogue
        path.write_text(path.read_text(encoding="utf-8") + "\nQuokka Gazette Weekly\n", encoding="utf-8")
    runs = {}
    for name, settings in {"on": "", "off": "learn_boilerplate = false\nfind_duplicates = false\n"}.items():
        config = tmp_path / f"{name}.toml"
        config.write_text(f"[input]\nshard_files = 2\n[corpus]\n{settings}")
        luigi.task_register.Register.clear_instance_cache()
        task = CleanCorpus(raw_dir=str(raw), out_dir=str(tmp_path / name), config_path=str(config))
        assert luigi.build([task], local_scheduler=True, workers=2, log_level="WARNING")
        runs[name] = _records(tmp_path / name)
    learned = {
        doc_id: [r["rule"] for r in record["removed"] if r["text"] == "Quokka Gazette Weekly"]
        for doc_id, record in runs["on"].items()
    }
    assert all(rules == ["learned.repeated_line"] for rules in learned.values()), learned
    assert runs["on"]["b-original"]["metadata"]["duplicate_of"] == "a-exact-copy"
    for record in runs["off"].values():
        assert "learned.repeated_line" not in {r["rule"] for r in record["removed"]}
        assert record["metadata"]["duplicate_of"] is None


def test_with_several_workers_the_scheduling_process_freezes_its_objects_before_forking(
    tmp_path: Path,
) -> None:
    """The task processes' garbage collections must leave the inherited objects (and their pages) alone."""
    import gc

    from pipeline.cli import main

    gc.unfreeze()
    try:
        assert main(["run", "--raw", str(SEEDS), "--out", str(tmp_path / "out"), "--workers", "2"]) == 0
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


FILLER = (
    "The committee met on Tuesday to discuss the annual budget and the plans for new schools and roads in "
    "the northern district, and the members agreed that the spending should rise by a tenth over the next "
    "four years while taxes stay where they are for households and small firms"
)


def test_learning_keeps_a_shared_wrapped_paragraph_and_learns_a_site_footer(tmp_path: Path) -> None:
    """Twelve documents without URLs share a paragraph hard-wrapped at 60 columns (plain text, and HTML
    that breaks its lines with <br>): each wrap line is short and unpunctuated, but the paragraph is prose
    and stays in every document. A footer line on every page of one host is still learned."""
    import textwrap

    raw = tmp_path / "raw"
    raw.mkdir()
    wrapped = textwrap.fill(FILLER, 60)
    for i in range(6):
        own = (
            f"Report {i} covers topic number {i} at length, in sentences of its own that no other "
            f"document of the batch has, and it goes on for a while."
        )
        (raw / f"doc{i}.txt").write_text(f"{own}\n\n{wrapped}\n\n{own}\n", encoding="utf-8")
        br_wrapped = wrapped.replace("\n", "<br>\n")
        (raw / f"page{i}.html").write_text(
            f"<html><body><article><p>{own}</p><p>{br_wrapped}</p><p>{own}</p></article></body></html>",
            encoding="utf-8",
        )
    footer = "Quokka Gazette Weekly Digest"
    site = [
        {"id": str(i), "url": f"https://www.example.org/{i}", "text": f"{_article(i)}\n{footer}"}
        for i in range(4)
    ]
    (raw / "site.jsonl").write_text("".join(json.dumps(r) + "\n" for r in site), encoding="utf-8")
    _build(raw, tmp_path / "out")
    records = _records(tmp_path / "out")
    shared = [doc_id for doc_id in records if not doc_id.startswith("site/")]
    assert len(shared) == 12
    for doc_id in shared:
        text = " ".join(records[doc_id]["text"].split())
        assert FILLER in text, doc_id
        assert "learned.repeated_line" not in {r["rule"] for r in records[doc_id]["removed"]}
    for i in range(4):
        removed = records[f"site/{i}"]["removed"]
        assert [r["rule"] for r in removed if r["text"] == footer] == ["learned.repeated_line"]
        assert footer not in records[f"site/{i}"]["text"]


def _article(seed: int) -> str:
    """A few sentences of their own for one page of a site."""
    words = "council budget schools roads vote hearing district plan members spending city night".split()
    return "\n".join(
        " ".join(words[(seed * 7 + s * 3 + k) % len(words)] for k in range(12)).capitalize() + "."
        for s in range(6)
    )


def test_a_stage_expects_what_the_stage_before_wrote_without_reading_its_file_again(tmp_path: Path) -> None:
    """The finished progress file of the stage before gives the count; without one, its file's lines do."""
    out = tmp_path / "out"
    corpus = CleanCorpus(raw_dir=str(SEEDS), out_dir=str(out), keep_stages=True)
    assert luigi.build([corpus], local_scheduler=True, workers=1, log_level="WARNING")
    writer = corpus.requires()[0]
    tagging = writer.requires()["docs"]
    before = Path(tagging.documents_path())
    lines = count_lines(before)
    assert lines > 0
    assert tagging.expected_documents() == lines
    kept = before.read_bytes()
    before.unlink()  # the count comes from the progress file alone
    assert tagging.expected_documents() == lines
    before.write_bytes(kept)
    previous = tagging.clone(tagging.previous())
    progress = layout.progress_file(str(out), previous.stage, previous.shard, previous.files_digest())
    Path(progress).write_text('{"done": 1, "finished": false}', encoding="utf-8")
    assert tagging.expected_documents() == lines  # an unfinished count is not the stage's
    Path(progress).unlink()
    assert tagging.expected_documents() == lines
