"""Object storage in and out, against a real S3 API server on loopback (moto's standalone server, started
here as a process of its own), and many hosts sharing nothing but that store and one ``luigid``."""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import luigi
import luigi.rpc
import pytest
import zstandard

from pipeline import cli, storage
from pipeline.run import layout
from pipeline.run.files import atomic_path, list_tree, read_jsonl
from pipeline.run.retention import REUSED_STAGE
from pipeline.tasks import SHIPPED_LUIGI_CFG, CleanCorpus, CleanDay
from pipeline.tools.inspect import inspect_document
from pipeline.tools.output import iter_rejects, part_origin
from pipeline.tools.report import build_report
from pipeline.tools.stats import corpus_stats
from pipeline.tools.verify import verify_output
from tests.corpus_batch import build_batch
from tests.warcs import Response, write_warc

boto3 = pytest.importorskip("boto3")
pytest.importorskip("s3fs")

ROOT = Path(__file__).resolve().parent.parent
# Bounds of every wait on a server process: each answers within seconds even on a loaded machine.
START_SECONDS = 60.0
# A whole run of the small batch takes 10-20 s here; a run still going after this has hung.
RUN_SECONDS = 300.0
PAGE = (
    "<html><head><title>Harbour reopens</title></head><body><nav><a href='/'>Home</a></nav><article>"
    "<h1>Harbour reopens</h1><p>The harbour reopened on Monday after a winter of repairs to the old stone "
    "pier, and the first ferry of the season left on time with a full deck of passengers.</p>"
    "<p>Fishermen said the new moorings would let them land their catch even at low tide.</p>"
    "</article></body></html>"
)


def test_an_output_prefix_names_its_files_as_urls() -> None:
    out = "s3://corpus/daily/2026-11-20/"
    assert layout.manifest_file(out) == "s3://corpus/daily/2026-11-20/manifest.json"
    part = layout.shard_part_file(out, 3, "ab" * 32, "zstd")
    assert part == "s3://corpus/daily/2026-11-20/_stages/write/shard-00003-abababababababab.jsonl.zst"
    assert layout.split_part_file(part, 2) == part.replace(".jsonl.zst", ".00002.jsonl.zst")
    assert layout.batch_shard_file(out, "find_duplicates", "cd" * 32, 1) == (
        "s3://corpus/daily/2026-11-20/_stages/find_duplicates/batch-cdcdcdcdcdcdcdcd/shard-00001.json"
    )
    assert storage.parent(part) == "s3://corpus/daily/2026-11-20/_stages/write"
    # A local folder is named as before.
    assert layout.manifest_file("data/clean") == "data/clean/manifest.json"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args} exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, if only to say no
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing answered on {url} within {START_SECONDS} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 and a free port, and the standard AWS variables pointing at it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    home = tmp_path_factory.mktemp("moto")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    settings = {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    saved = {key: os.environ.get(key) for key in settings}
    os.environ.update(settings)
    try:
        _wait_for(url, process)
        yield url
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _stop(process)


@pytest.fixture
def bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    """A new versioned bucket for one test: ``s3://<name>`` (the versions show every write)."""
    name = request.node.name.lower().replace("_", "-")[:40].strip("-") + f"-{time.monotonic_ns() % 10**6}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=name)
    client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return f"s3://{name}"


def _raw_batch(root: Path) -> Path:
    """The small batch of the other tests, plus a crawl's WARC (gzip per record) and a zstd JSONL."""
    raw, _ = build_batch(root)
    (raw / "crawl").mkdir()
    write_warc(
        raw / "crawl" / "CC-MAIN-0001.warc.gz", [Response("https://example.org/harbour", PAGE.encode())]
    )
    lines = json.dumps({"id": "z", "text": "Tide tables\n" + PAGE.split("<p>")[1].split("</p>")[0]}) + "\n"
    (raw / "crawl" / "feed.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(lines.encode()))
    return raw


def _upload(local: Path, prefix: str) -> None:
    for path in sorted(local.rglob("*")):
        if path.is_file():
            storage.upload(path, storage.join(prefix, path.relative_to(local).as_posix()))


def _published(location: str | Path) -> dict[str, bytes]:
    """The published files of an output folder or prefix (not the run's own files under _stages)."""
    if storage.is_remote(location):
        names = storage.list_names(os.fspath(location))
    else:
        names = sorted(p.name for p in Path(location).iterdir() if p.is_file())
    return {name: storage.read_bytes(storage.join(location, name)) for name in names}


def _without_fingerprint(manifest: bytes) -> dict[str, object]:
    # The fingerprint covers each raw file's version: its mtime on disk, its ETag in the store.
    data = json.loads(manifest)
    data.pop("fingerprint")
    return dict(data)


def _same_output(remote: dict[str, bytes], local: dict[str, bytes]) -> None:
    assert sorted(remote) == sorted(local)
    for name in local:
        if name == layout.MANIFEST:
            assert _without_fingerprint(remote[name]) == _without_fingerprint(local[name])
        else:
            assert remote[name] == local[name], name


def _build(raw: str, out: str, config: Path, keep_stages: bool = False) -> bool:
    luigi.task_register.Register.clear_instance_cache()
    task = CleanCorpus(raw_dir=raw, out_dir=out, config_path=str(config), keep_stages=keep_stages)
    return bool(luigi.build([task], local_scheduler=True, workers=1, log_level="WARNING"))


def _versions(bucket: str) -> list[tuple[str, str]]:
    """Every version of every object of the bucket: a write that changed nothing still adds one."""
    client = boto3.client("s3")
    found = []
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket.removeprefix("s3://")):
        found += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
    return sorted(found)


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The batch's raw folder, its settings (shards of four files, parts of at most three records)
    and its output, cleaned on local disk."""
    root = tmp_path_factory.mktemp("local")
    raw = _raw_batch(root)
    config = root / "settings.toml"
    config.write_text("[input]\nshard_files = 4\n\n[output]\nmax_part_records = 3\ncompression = 'gzip'\n")
    out = root / "out"
    assert _build(str(raw), str(out), config)
    return raw, config, out


def test_a_run_from_s3_to_s3_gives_the_records_of_the_same_run_on_disk(
    local_reference: tuple[Path, Path, Path], bucket: str
) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/raw")
    # A delivery still being copied, under a hidden name as on disk: never input.
    with atomic_path(f"{bucket}/raw/.2026-11-21.partial/late.txt") as tmp:
        tmp.write_text("A late page that is still being copied and must not be read yet.\n")
    out = f"{bucket}/clean"
    assert _build(f"{bucket}/raw", out, config)
    published = _published(out)
    assert len([name for name in published if name.startswith("part-")]) > 2
    _same_output(published, _published(local_out))
    # The tools read the prefix as they read a folder.
    assert verify_output(out) == []
    assert corpus_stats(out).headline() == corpus_stats(local_out).headline()
    assert inspect_document(out, "feed/a") == inspect_document(local_out, "feed/a")
    # The report names the batch by its fingerprint; the rest of the page is the same.
    fingerprints = [json.loads(_published(o)[layout.MANIFEST])["fingerprint"][:12] for o in (out, local_out)]
    assert build_report(out).replace(*fingerprints) == build_report(local_out)

    # A re-run does no work: not one object is written again, not even with the same bytes.
    before = _versions(bucket)
    assert _build(f"{bucket}/raw", out, config)
    assert _versions(bucket) == before


def test_a_changed_object_is_cleaned_again_from_one_listing(
    local_reference: tuple[Path, Path, Path], bucket: str
) -> None:
    raw, config, _ = local_reference
    _upload(raw, f"{bucket}/raw")
    out = f"{bucket}/clean"
    assert _build(f"{bucket}/raw", out, config)
    first = json.loads(storage.read_bytes(layout.manifest_file(out)))
    # Same key, same size, new bytes: only the ETag tells.
    seed = next(name for name in storage.list_names(f"{bucket}/raw") if name.endswith(".txt"))
    data = storage.read_bytes(f"{bucket}/raw/{seed}")
    changed = data.replace(b"e", b"a", 1) if b"e" in data else data[::-1]
    assert len(changed) == len(data) and changed != data
    with atomic_path(f"{bucket}/raw/{seed}") as tmp:
        tmp.write_bytes(changed)
    assert _build(f"{bucket}/raw", out, config)
    assert json.loads(storage.read_bytes(layout.manifest_file(out)))["fingerprint"] != first["fingerprint"]


@contextmanager
def _luigi_setting(section: str, option: str, value: str) -> Iterator[None]:
    config = luigi.configuration.get_config()
    if not config.has_section(section):
        config.add_section(section)
    config.set(section, option, value)
    try:
        yield
    finally:
        config.remove_option(section, option)


def test_a_scratch_prefix_keeps_the_stage_files_apart_from_the_output(
    local_reference: tuple[Path, Path, Path], bucket: str
) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/raw")
    out = f"{bucket}/clean"
    with _luigi_setting("textclean", "stages_root", f"{bucket}/scratch"):
        assert _build(f"{bucket}/raw", out, config)
        _same_output(_published(out), _published(local_out))
        assert inspect_document(out, "feed/a") == inspect_document(local_out, "feed/a")
    bucket_name = bucket.removeprefix("s3://")
    keys = [obj.path for obj in storage.list_objects(bucket)]
    assert not [key for key in keys if key.startswith("clean/_stages/")]
    # What a finished run keeps (each shard's repaired text) is there, and nothing else of the stages.
    scratch = f"scratch/{bucket_name}/clean/_stages/"
    assert [key for key in keys if key.startswith(f"{scratch}{REUSED_STAGE}/")]
    assert not [key for key in keys if key.startswith(f"{scratch}write/")]


def _stage_names(out: str | Path) -> list[str]:
    """The run files of an output, their digests (which cover each raw file's mtime or ETag) masked."""
    return sorted(
        re.sub(r"[0-9a-f]{16}", "*", path)
        for path, _ in list_tree(layout.stages_dir(out))
        if path != layout.LOCK_NAME
    )


def test_what_a_finished_run_keeps_and_gc_are_the_same_on_s3_as_on_disk(
    local_reference: tuple[Path, Path, Path], bucket: str, tmp_path: Path
) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/raw")
    out = f"{bucket}/clean"
    assert _build(f"{bucket}/raw", out, config, keep_stages=True)
    kept = tmp_path / "kept"
    assert _build(str(raw), str(kept), config, keep_stages=True)
    assert _stage_names(out) == _stage_names(kept)
    # With every stage kept, each part is traced to its shard, and a rejected document is shown with
    # what it still had when it was turned away, as on disk.
    manifest = json.loads(storage.read_bytes(layout.manifest_file(out)))
    assert all(part_origin(out, part) is not None for part in manifest["parts"])
    rejected = next(iter_rejects(kept))["id"]
    shown = inspect_document(out, rejected)
    assert shown.exact and shown == inspect_document(kept, rejected)
    assert cli.main(["gc", out]) == 0
    assert _stage_names(out) == _stage_names(local_out)
    assert all(part_origin(out, part) is None for part in manifest["parts"])


def test_an_upload_that_fails_leaves_no_object(bucket: str) -> None:
    path = f"{bucket}/out/part-00000.jsonl"
    with pytest.raises(RuntimeError), atomic_path(path) as tmp:
        tmp.write_bytes(b'{"id": "a"}\n')
        raise RuntimeError("killed while writing")
    assert not storage.exists(path)
    assert storage.list_names(f"{bucket}/out") == []


def test_an_output_inside_the_raw_prefix_is_never_read_back(
    local_reference: tuple[Path, Path, Path], bucket: str
) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/data")
    assert _build(f"{bucket}/data", f"{bucket}/data/clean", config)
    assert _build(f"{bucket}/data", f"{bucket}/data/clean", config)  # a second run sees the same input
    _same_output(_published(f"{bucket}/data/clean"), _published(local_out))


# --- the command line, and processes that share nothing but the store (and luigid) ---------------


def _host_env(home: Path) -> dict[str, str]:
    """The environment of one host: its own working folder and temporary folder, the store's settings."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    return {**os.environ, "TMPDIR": str(home / "tmp"), "HOME": str(home), "PYTHONPATH": str(ROOT)}


def _run_host(home: Path, *argv: str) -> subprocess.Popen[bytes]:
    """``python -m pipeline run ...`` as a host of its own would run it."""
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "run", "--log-level", "INFO", "--progress", "none", *argv],
        cwd=home,
        env=_host_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _finish(process: subprocess.Popen[bytes]) -> tuple[int, str]:
    out, _ = process.communicate(timeout=RUN_SECONDS)
    return process.returncode, out.decode("utf-8", "replace")


def test_the_command_line_takes_s3_locations_and_the_tools_read_them(
    local_reference: tuple[Path, Path, Path], bucket: str, tmp_path: Path
) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/raw")
    out = f"{bucket}/clean"
    # Two workers: each task runs in a process forked from the scheduling one.
    argv = ("--raw", f"{bucket}/raw", "--out", out, "--config", str(config), "--workers", "2")
    code, log = _finish(_run_host(tmp_path / "host", *argv))
    assert code == 0, log
    _same_output(_published(out), _published(local_out))
    assert cli.main(["verify", out]) == 0
    assert cli.main(["stats", out, "--json"]) == 0
    assert cli.main(["report", out]) == 0
    assert storage.read_bytes(f"{out}/report.html").startswith(b"<!DOCTYPE html>")


def test_a_store_whose_backend_is_missing_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    if _installed("gcsfs"):
        pytest.skip("gcsfs is installed here")
    assert cli.main(["run", "--raw", "gs://bucket/raw", "--out", "gs://bucket/clean"]) == 2
    assert "pip install 'textclean-pipeline[gcs]'" in capsys.readouterr().err
    assert cli.main(["verify", "gs://bucket/clean"]) == 2
    assert "pip install 'textclean-pipeline[gcs]'" in capsys.readouterr().err


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def test_dated_mode_takes_s3_roots(local_reference: tuple[Path, Path, Path], bucket: str) -> None:
    raw, config, local_out = local_reference
    _upload(raw, f"{bucket}/raw/2026-11-20")
    luigi.task_register.Register.clear_instance_cache()
    day = CleanDay(
        date=datetime.date(2026, 11, 20),
        raw_root=f"{bucket}/raw",
        out_root=f"{bucket}/clean",
        config_path=str(config),
    )
    assert luigi.build([day], local_scheduler=True, workers=1, log_level="WARNING")
    _same_output(_published(f"{bucket}/clean/2026-11-20"), _published(local_out))
    missing = CleanDay(date=datetime.date(2026, 11, 21), raw_root=f"{bucket}/raw")
    assert not missing.has_raw_data()


@pytest.fixture(scope="module")
def luigid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """luigid on 127.0.0.1 and a free port, with the shipped settings, except that a worker silent for
    3 s (killed) loses its tasks at the next request for work, not after a minute."""
    binary = Path(sys.executable).with_name("luigid")
    if not binary.exists():
        pytest.skip("the luigid console script is not installed beside this interpreter")
    home = tmp_path_factory.mktemp("luigid")
    config = home / "luigi.cfg"
    shipped = SHIPPED_LUIGI_CFG.read_text()
    config.write_text(
        shipped.replace(
            "worker_disconnect_delay = 60", "worker_disconnect_delay = 3\nprune_on_get_work = true"
        )
    )
    port = _free_port()
    process = subprocess.Popen(
        [str(binary), "--address", "127.0.0.1", "--port", str(port), "--state-path", str(home / "state")],
        cwd=home,
        env={**os.environ, "LUIGI_CONFIG_PATH": str(config)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/task_list?data=%7B%7D", process)
        yield url
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def hosts_reference(
    local_reference: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """Settings for the many-hosts runs (shards of three files: 5 shard chains, 43 tasks, to share out)
    and the output of the same batch cleaned by one process on local disk with them."""
    raw, _, _ = local_reference
    root = tmp_path_factory.mktemp("hosts")
    config = root / "three-file-shards.toml"
    config.write_text("[input]\nshard_files = 3\n\n[output]\nmax_part_records = 3\ncompression = 'gzip'\n")
    assert _build(str(raw), str(root / "single"), config)
    return config, root / "single"


def _hosts_batch(
    local_reference: tuple[Path, Path, Path], hosts_reference: tuple[Path, Path], bucket: str, luigid: str
) -> tuple[str, tuple[str, ...], Path]:
    """The batch uploaded for the many-hosts runs: its output location, the command line every host
    runs, and the output of one process on local disk to compare with."""
    raw, _, _ = local_reference
    config, single = hosts_reference
    _upload(raw, f"{bucket}/raw")
    out = f"{bucket}/clean"
    argv = ("--raw", f"{bucket}/raw", "--out", out, "--config", str(config), "--scheduler-url", luigid)
    return out, argv, single


def _ran_tasks(log: str) -> int:
    """How many tasks a run's worker finished (luigi logs ``... done  TaskName(...)`` for each)."""
    return sum(1 for line in log.splitlines() if " done " in line and "Worker(" in line)


def test_two_hosts_on_one_luigid_share_the_batch(
    local_reference: tuple[Path, Path, Path],
    hosts_reference: tuple[Path, Path],
    bucket: str,
    luigid: str,
    tmp_path: Path,
) -> None:
    out, argv, single = _hosts_batch(local_reference, hosts_reference, bucket, luigid)
    hosts = [_run_host(tmp_path / name, *argv) for name in ("host-a", "host-b")]
    results = [_finish(host) for host in hosts]
    # One host finishes the batch (0). The other may run out of free tasks before the end: 10 when
    # the rest is running on the first host, 25 when it waits on tasks the first host holds.
    assert sorted(code for code, _ in results) in ([0, 0], [0, 10], [0, 25]), results
    assert all(_ran_tasks(log) > 0 for _, log in results), [log for _, log in results]
    _same_output(_published(out), _published(single))
    # Neither host wrote anything to the other's working or temporary folder, nor left files there.
    assert [p for p in (tmp_path / "host-a" / "tmp").rglob("*")] == []
    assert [p for p in (tmp_path / "host-b" / "tmp").rglob("*")] == []


def test_a_host_killed_mid_run_leaves_nothing_that_passes_for_complete(
    local_reference: tuple[Path, Path, Path],
    hosts_reference: tuple[Path, Path],
    bucket: str,
    luigid: str,
    tmp_path: Path,
) -> None:
    out, argv, single = _hosts_batch(local_reference, hosts_reference, bucket, luigid)
    victim = _run_host(tmp_path / "host-a", *argv)
    survivor = _run_host(tmp_path / "host-b", *argv)
    stages = layout.stages_dir(out)
    deadline = time.monotonic() + RUN_SECONDS
    while not storage.exists(storage.join(stages, "extract_text")) and time.monotonic() < deadline:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    code, log = _finish(survivor)
    # 0 when it finished the batch. Otherwise it ran out of free tasks while luigid still counted the
    # killed host's as running: 10 (already_running) or, when it never got any, 25 (not_run).
    assert code in (0, 10, 25), log
    if not storage.exists(layout.manifest_file(out)):
        # Whatever was written meanwhile is whole: every file of the run parses to its last line.
        for obj in storage.list_objects(stages):
            if obj.path.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst")):
                assert all(isinstance(r, dict) for r in read_jsonl(storage.join(stages, obj.path)))
        assert verify_output(out)  # no manifest: not an output yet
        time.sleep(4)  # luigid's worker_disconnect_delay for the killed host
        # luigid drops a silent worker when it prunes (each minute on its own, and at a request for
        # work), marking its running task failed; a host that schedules the task before then finds it
        # still running and leaves it alone, and the next one takes it up. Prune now, as the minute's
        # tick would: otherwise this depends on whether the other host asked for work after the delay.
        luigi.rpc.RemoteScheduler(luigid).prune()
        code, log = _finish(_run_host(tmp_path / "host-c", *argv))
        assert code == 0, log
    _same_output(_published(out), _published(single))
