"""Scheduled runs: date partitions, backfills, exit codes, run locks, and a real luigid on loopback."""

from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import luigi
import luigi.rpc
import pytest
from doc_blocks import code_blocks

from pipeline import cli
from pipeline.run.locking import output_lock
from pipeline.tasks import CleanCorpus, CleanDay

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
OPERATIONS = ROOT / "docs" / "operations.md"
DAY = datetime.date(2026, 11, 20)
# Bounds of every wait on luigid: it answers within a second or two even on a loaded machine.
LUIGID_START_SECONDS = 60.0
LUIGID_STOP_SECONDS = 20.0


def _cli(*argv: str) -> int:
    """``python -m pipeline`` in this process (a fresh Luigi instance cache, as in a new process)."""
    luigi.task_register.Register.clear_instance_cache()
    return cli.main(["run", "--log-level", "ERROR", *argv])


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def raw_root(tmp_path: Path) -> Path:
    """Three days: 2026-11-18 and 2026-11-20 delivered, 2026-11-19 missing."""
    root = tmp_path / "raw"
    seeds = sorted(SEEDS.glob("*.txt"))
    for day, picked in (("2026-11-18", seeds[:2]), ("2026-11-20", seeds[2:])):
        (root / day).mkdir(parents=True)
        for seed in picked:
            (root / day / seed.name).write_bytes(seed.read_bytes())
    return root


@pytest.fixture
def small_shards(tmp_path: Path) -> Path:
    config = tmp_path / "small-shards.toml"
    config.write_text("[input]\nshard_files = 1\n")
    return config


def test_one_day_reads_and_writes_its_partition(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-20") == 0
    assert sorted(p.name for p in out.iterdir()) == ["2026-11-20"]
    manifest = json.loads((out / "2026-11-20" / "manifest.json").read_text())
    assert manifest["counts"] == {"input": 3, "clean": 3, "rejected": 0}


def test_one_day_without_raw_data_is_missing_data(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-19") == 20
    assert not out.exists()


def test_backfill_runs_exactly_the_missing_days_then_nothing(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-18") == 0
    done_before = {p: p.stat().st_mtime_ns for p in (out / "2026-11-18").rglob("*") if p.is_file()}

    # 17, 19 and 21 have no raw folder (skipped, not a failure); 18 is done; only 20 runs.
    argv = ("--raw", str(raw_root), "--out", str(out), "--from", "2026-11-17", "--to", "2026-11-21")
    assert _cli(*argv) == 0
    assert sorted(p.name for p in out.iterdir()) == ["2026-11-18", "2026-11-20"]
    assert {p: p.stat().st_mtime_ns for p in done_before} == done_before
    assert json.loads((out / "2026-11-20" / "manifest.json").read_text())["counts"]["input"] == 3

    everything = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert _cli(*argv) == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == everything

    # A late delivery is picked up by the next run of the same range.
    (raw_root / "2026-11-19").mkdir()
    (raw_root / "2026-11-19" / "late.txt").write_text("A document that came a day late is still cleaned.\n")
    assert _cli(*argv) == 0
    assert (out / "2026-11-19" / "manifest.json").exists()


def test_backfill_far_in_the_past_is_not_cut_by_range_defaults(tmp_path: Path) -> None:
    # RangeDaily alone looks back only 100 days and requires at most 50 days per run.
    raw = tmp_path / "raw"
    days = [datetime.date(2001, 1, 1) + datetime.timedelta(days=n * 30) for n in range(3)]
    for day in days:
        (raw / day.isoformat()).mkdir(parents=True)
        (raw / day.isoformat() / "a.txt").write_text(f"The report for {day} says the harvest came early.\n")
    out = tmp_path / "clean"
    assert _cli("--raw", str(raw), "--out", str(out), "--from", "2001-01-01", "--to", "2001-03-31") == 0
    assert sorted(p.name for p in out.iterdir()) == [d.isoformat() for d in days]


def test_usage_errors_exit_2(raw_root: Path, tmp_path: Path) -> None:
    assert _cli("--raw", str(raw_root), "--from", "2026-11-20") == 2
    assert _cli("--raw", str(raw_root), "--from", "2026-11-20", "--to", "2026-11-19") == 2
    with pytest.raises(SystemExit):
        _cli("--raw", str(raw_root), "--date", "2026-11-20", "--from", "2026-11-20", "--to", "2026-11-21")
    with pytest.raises(SystemExit):
        _cli("--raw", str(raw_root), "--date", "20-11-2026")


def test_a_failed_task_exits_task_failed(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    # Broken output storage: the first stage cannot create its folder.
    (out / "2026-11-20" / "_stages").mkdir(parents=True)
    (out / "2026-11-20" / "_stages" / "repair_encoding").write_text("not a folder")
    assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-20") == 30
    assert not (out / "2026-11-20" / "manifest.json").exists()


def test_a_second_local_run_of_the_same_day_exits_already_running(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    argv = ("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-20")
    with output_lock(out / "2026-11-20"):  # the first run, still working
        assert _cli(*argv) == 10
        assert not (out / "2026-11-20" / "manifest.json").exists()
        # Another day is another folder: not blocked.
        assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-18") == 0
    assert _cli(*argv) == 0


def test_the_undated_run_locks_its_output_folder(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    with output_lock(out):
        assert _cli("--raw", str(raw_root / "2026-11-20"), "--out", str(out)) == 10
    assert _cli("--raw", str(raw_root / "2026-11-20"), "--out", str(out)) == 0


# --- a real luigid on loopback -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/task_list?data=%7B%7D", timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def documented_luigid(home: Path, port: int) -> tuple[str, Path]:
    """The shell lines of docs/operations.md that start luigid, with ``home`` for /var and ``port`` for
    8082; and the pid file they name."""
    (block,) = [b for b in code_blocks(OPERATIONS) if "luigid --background" in b.text]
    script = block.text
    for system, here in (("/var/run/luigi", "run"), ("/var/log/luigi", "log"), ("/var/lib/luigi", "lib")):
        script = script.replace(system, str(home / here))
    script = script.replace("8082", str(port)).replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    return script, home / "run" / "luigid.pid"


def start_luigid(home: Path, port: int) -> int:
    """Start luigid exactly as docs/operations.md says; return its pid once it answers."""
    script, pidfile = documented_luigid(home, port)
    url = f"http://127.0.0.1:{port}"
    # --background: the command returns once the daemon is forked; the daemon writes its pid file.
    subprocess.run(["bash", "-e", "-c", script], cwd=ROOT, check=True, timeout=LUIGID_START_SECONDS)
    pid = 0
    deadline = time.monotonic() + LUIGID_START_SECONDS
    while time.monotonic() < deadline:
        if not pid and pidfile.exists() and pidfile.read_text().strip():
            pid = int(pidfile.read_text())
        if pid and _answers(url):
            return pid
        time.sleep(0.2)
    if pid:
        stop_luigid(pid)
    pytest.fail(f"luigid did not answer on {url} within {LUIGID_START_SECONDS} s")


def stop_luigid(pid: int) -> None:
    """Stop luigid as the docs say (SIGTERM: it saves its state to --state-path) and wait for it."""
    if not _alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + LUIGID_STOP_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def luigid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """luigid on 127.0.0.1 and a free port, started as docs/operations.md says; stopped at the end."""
    if not Path(sys.executable).with_name("luigid").exists():
        pytest.skip("the luigid console script is not installed beside this interpreter")
    port = _free_port()
    pid = start_luigid(tmp_path_factory.mktemp("luigid"), port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_luigid(pid)


def test_luigid_started_as_documented_keeps_its_state_across_a_restart(tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("luigid").exists():
        pytest.skip("the luigid console script is not installed beside this interpreter")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    pid = start_luigid(tmp_path, port)
    try:
        luigi.rpc.RemoteScheduler(url).add_task(
            worker="cron-host", task_id="CleanDay_2026_11_20_x", status="FAILED"
        )
    finally:
        stop_luigid(pid)
    state = tmp_path / "lib" / "state.pickle"
    assert state.is_file(), "luigid lost its task table when it stopped"
    # luigid writes it world-writable (--background sets umask 0) and unpickles it at start: only the
    # folder keeps others from it.
    for folder in ("lib", "log", "run"):
        assert (tmp_path / folder).stat().st_mode & 0o777 == 0o700
    pid = start_luigid(tmp_path, port)
    try:
        assert "CleanDay_2026_11_20_x" in _task_list(url, "FAILED")
    finally:
        stop_luigid(pid)


def _task_list(url: str, status: str) -> dict[str, dict[str, object]]:
    query = urllib.parse.quote(json.dumps({"status": status, "upstream_status": "", "search": ""}))
    with urllib.request.urlopen(f"{url}/api/task_list?data={query}", timeout=10) as response:
        return dict(json.loads(response.read())["response"])


def test_two_workers_on_luigid_match_the_local_scheduler(
    luigid: str, raw_root: Path, small_shards: Path, tmp_path: Path
) -> None:
    local, central = tmp_path / "local", tmp_path / "central"
    common = ("--raw", str(raw_root), "--date", "2026-11-20", "--config", str(small_shards))
    assert _cli(*common, "--out", str(local)) == 0
    assert _cli(*common, "--out", str(central), "--workers", "2", "--scheduler-url", luigid) == 0
    assert _files(central / "2026-11-20") == _files(local / "2026-11-20")
    assert len([n for n in _files(central / "2026-11-20") if n.startswith("part-")]) == 3

    done = _task_list(luigid, "DONE")
    day_id = CleanDay(date=DAY, raw_root=str(raw_root), out_root=str(central)).task_id
    assert day_id in done
    shard_tasks = [t for t in done.values() if t["name"] == "WriteShard" and str(central) in str(t["params"])]
    assert len(shard_tasks) == 3
    # What the luigid page shows for each task: how far it got, in words and percent.
    assert {t["progress_percentage"] for t in shard_tasks} == {100}
    assert sorted(str(t["status_message"]) for t in shard_tasks) == [
        f"write shard {n:05d}: 1 documents, done" for n in range(3)
    ]
    # The central scheduler took no file lock: a helper host may work on the same day.
    assert not (central / "2026-11-20" / "_stages" / ".lock").exists()


def test_luigid_refuses_a_day_another_worker_is_publishing(
    luigid: str, raw_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clean"
    corpus = CleanCorpus(raw_dir=str(raw_root / "2026-11-20"), out_dir=str(out / "2026-11-20"))
    # Another worker (any luigi worker speaks this protocol) takes the task that publishes the day.
    other = luigi.rpc.RemoteScheduler(luigid)
    other.add_task(worker="other-host", task_id=corpus.task_id, status="PENDING", runnable=True)
    assert other.get_work(worker="other-host")["task_id"] == corpus.task_id
    assert _task_list(luigid, "RUNNING")[corpus.task_id]["worker_running"] == "other-host"

    code = _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-20", "--scheduler-url", luigid)
    assert code == 10
    assert not (out / "2026-11-20" / "manifest.json").exists()
    # The shard chains were free and are done; only the publication waits for its holder.
    assert len(list((out / "2026-11-20" / "_stages" / "write").glob("*.stats.json"))) == 1
    other.add_task(worker="other-host", task_id=corpus.task_id, status="FAILED", runnable=True)


def test_the_shipped_luigi_config_is_applied_by_the_luigi_module_and_the_command_not_by_the_tasks(
    tmp_path: Path,
) -> None:
    """Importing the run layer leaves Luigi's configuration alone; ``pipeline.tasks`` (the module
    ``luigi --module`` imports) and ``python -m pipeline run`` fill in the shipped defaults."""
    probe = (
        "import luigi.configuration as c, importlib, sys\n"
        "importlib.import_module(sys.argv[1])\n"
        "print(c.get_config().get('worker', 'check_complete_on_run', fallback='unset'))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "LUIGI_CONFIG_PATH"}

    def setting(module: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", probe, module], capture_output=True, text=True, check=True, env=env
        )
        return done.stdout.strip()

    assert setting("pipeline.run.tasks") == "unset"
    assert setting("pipeline.tasks") == "true"
    # The command applies it too: a day without raw data exits with the shipped missing_data code.
    (tmp_path / "raw").mkdir()
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "run",
        "--raw",
        str(tmp_path / "raw"),
        "--out",
        str(tmp_path / "out"),
    ]
    done = subprocess.run([*command, "--date", "2026-11-19"], capture_output=True, text=True, env=env)
    assert done.returncode == 20, done.stderr


def test_an_unreachable_scheduler_is_one_line_and_exit_40_at_once(
    raw_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    code = _cli(
        "--raw", str(raw_root), "--out", str(tmp_path / "out"), "--date", "2026-11-20", "--scheduler-url", url
    )
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 40
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: central scheduler {url} unreachable: "), err
    # Luigi's own retries take 3 x 30 s before they give up.
    assert elapsed < cli.SCHEDULER_PROBE_SECONDS + 5
    assert not (tmp_path / "out").exists()


def test_a_finished_range_loads_no_model_whatever_the_workers(raw_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "clean"
    argv = ["run", "--raw", str(raw_root), "--out", str(out), "--from", "2026-11-17", "--to", "2026-11-21"]
    assert _cli(*argv[1:]) == 0
    # The models load lazily and are cached: an empty cache at the end means they were never loaded.
    probe = (
        "import sys\n"
        "from pipeline import cli\n"
        "from pipeline.clean.lineclass import load_model\n"
        "code = cli.main(sys.argv[1:])\n"
        "print(code, load_model.cache_info().currsize)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv, "--workers", "2"], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.splitlines()[-1] == "0 0", done.stdout + done.stderr


def test_a_backfill_shows_progress_and_says_what_became_of_each_day(
    raw_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "clean"
    assert _cli("--raw", str(raw_root), "--out", str(out), "--date", "2026-11-18") == 0
    capsys.readouterr()
    argv = ("--raw", str(raw_root), "--out", str(out), "--from", "2026-11-01", "--to", "2026-11-21")
    assert _cli(*argv) == 0
    shown = capsys.readouterr()
    # Off a terminal the progress of the days being cleaned is logged, as for an undated run.
    progress = [line for line in shown.err.splitlines() if line.startswith("progress: ")]
    assert progress and "3/3 documents (100.0%)" in progress[-1]
    assert shown.out.splitlines() == [
        f"2026-11-01 .. 2026-11-17: no raw data in {raw_root} (17 days)",
        f"2026-11-18: already complete, 2 documents: 2 clean, 0 rejected -> {out}/2026-11-18/manifest.json",
        f"2026-11-19: no raw data in {raw_root}/2026-11-19",
        f"2026-11-20: cleaned, 3 documents: 3 clean, 0 rejected -> {out}/2026-11-20/manifest.json",
        f"2026-11-21: no raw data in {raw_root}/2026-11-21",
    ]
