"""Where every file of a run lies in its output folder: the published files, and the run's own files
under ``_stages/``. Names only; reading and writing them is :mod:`pipeline.run.files`' job.

    OUT/manifest.json, OUT/rejected.jsonl, OUT/part-00000.jsonl[.gz|.zst], ...   published
    OUT/_stages/<stage>/shard-NNNNN-<digest>.jsonl.zst        a stage's documents for one shard
    OUT/_stages/repair_encoding/shard-...counts.json          line counts for learn_boilerplate
    OUT/_stages/tag_metadata/shard-...ids.jsonl, ...npy       dedup signatures for find_duplicates
    OUT/_stages/write/shard-...jsonl[.gz|.zst], ...rejected.jsonl, ...stats.json   one shard's output
    OUT/_stages/<batch stage>/batch-<fingerprint>.json        a batch-level stage's result
    OUT/_stages/find_duplicates/batch-<fingerprint>/shard-NNNNN.json   duplicates of one shard
    OUT/_stages/_progress/<stage>-shard-NNNNN-<digest>.json   progress of a running task
    OUT/_stages/batch.json                                    the batch last planned: its shards' digests
    OUT/_stages/.lock                                         held by the run writing the folder

``OUT/_stages`` moves under a scratch prefix when the Luigi configuration names one (:func:`scratch_root`).

``OUT`` is a local folder or an object-store prefix (``s3://bucket/clean``): every name here is a plain
string joined with ``/`` (:func:`pipeline.storage.join`), which both understand.

``<digest>`` is the first 16 hex digits of a shard digest: for the stages before the learned-lines
barrier the shard's own (its files and the settings), for the others the batch's (every shard's files
and the settings); see :mod:`pipeline.run.plan`. A changed input or setting gives new names and stale
files are never reused. :mod:`pipeline.run.retention` says which of these files a finished output keeps.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import luigi

from pipeline.storage import is_remote, join, name, sibling

MANIFEST = "manifest.json"
REJECTED = "rejected.jsonl"
STAGES_DIR = "_stages"
PROGRESS_DIR = "_progress"
LOCK_NAME = ".lock"
BATCH_RECORD = "batch.json"
#: The per-shard step after the stages: a shard's part, rejects and stats.
WRITE = "write"
#: File-name suffix of each output compression.
COMPRESSION_SUFFIX = {"none": "", "gzip": ".gz", "zstd": ".zst"}
#: A published part file.
PART_NAME = re.compile(r"^part-\d{5}\.jsonl(?:\.gz|\.zst)?$")
#: Any file of one shard in a stage's folder: its index and digest.
SHARD_FILE = re.compile(r"^shard-(\d{5})-([0-9a-f]{16})\.")
#: A progress file: its stage, shard index and digest.
PROGRESS_FILE = re.compile(r"^([a-z_]+)-shard-(\d{5})-([0-9a-f]{16})\.json$")
#: The end of the name of a shard's stats, which the writer writes last.
STATS_SUFFIX = ".stats.json"


def stages_dir(out_dir: str | Path) -> str:
    """The folder of the run's own files: ``OUT/_stages``, or the output's own folder under the scratch
    prefix of :func:`scratch_root` when one is set (``SCRATCH/corpus/daily/2026-11-20/_stages`` for
    ``s3://corpus/daily/2026-11-20``), so each output keeps its own stage files there."""
    scratch = scratch_root()
    if not scratch:
        return join(out_dir, STAGES_DIR)
    text = os.fspath(out_dir)
    relative = text.split("://", 1)[1] if is_remote(text) else os.path.abspath(text).lstrip("/")
    return join(scratch, relative.strip("/"), STAGES_DIR)


def scratch_root() -> str:
    """Where the run's own files go instead of the output's prefix: ``[textclean] stages_root`` of the
    Luigi configuration (a local folder or an object-store prefix; every host and tool must use the same),
    empty for none. A bucket of its own can then expire them by a lifecycle rule, apart from the output."""
    return str(luigi.configuration.get_config().get("textclean", "stages_root", "") or "")


def _shard_file(out_dir: str | Path, stage: str, shard: int, digest: str, suffix: str) -> str:
    return join(stages_dir(out_dir), stage, f"shard-{shard:05d}-{digest[:16]}{suffix}")


def stage_file(out_dir: str | Path, stage: str, shard: int, digest: str) -> str:
    """Where a stage keeps its documents for one shard (zstandard: a tenth of the size of the JSON
    Lines for a few percent of the stage's time)."""
    return _shard_file(out_dir, stage, shard, digest, ".jsonl.zst")


def line_counts_file(out_dir: str | Path, stage: str, shard: int, digest: str) -> str:
    """Where a stage keeps the line counts of one shard (what ``learn_boilerplate`` adds up)."""
    return _shard_file(out_dir, stage, shard, digest, ".counts.json")


def signature_files(out_dir: str | Path, stage: str, shard: int, digest: str) -> tuple[str, str]:
    """Where a stage keeps one shard's dedup signatures: ids and hashes, and the MinHash array."""
    return (
        _shard_file(out_dir, stage, shard, digest, ".ids.jsonl"),
        _shard_file(out_dir, stage, shard, digest, ".minhash.npy"),
    )


def shard_part_file(out_dir: str | Path, shard: int, digest: str, compression: str) -> str:
    """Where the writer keeps a shard's (first) clean part before the batch is assembled."""
    return _shard_file(out_dir, WRITE, shard, digest, ".jsonl" + COMPRESSION_SUFFIX[compression])


def split_part_file(part_path: str, index: int) -> str:
    """Where a shard keeps its ``index``-th part: ``part_path`` itself, then ``<stem>.00001.jsonl...``."""
    if index == 0:
        return part_path
    first = name(part_path)
    cut = first.index(".jsonl")
    return sibling(part_path, f"{first[:cut]}.{index:05d}{first[cut:]}")


def shard_rejects_file(out_dir: str | Path, shard: int, digest: str) -> str:
    """Where the writer keeps a shard's rejects."""
    return _shard_file(out_dir, WRITE, shard, digest, ".rejected.jsonl")


def shard_stats_file(out_dir: str | Path, shard: int, digest: str) -> str:
    """Where the writer keeps a shard's stats; written last, it marks the shard finished."""
    return _shard_file(out_dir, WRITE, shard, digest, STATS_SUFFIX)


def shard_of(name: str) -> tuple[int, str]:
    """The shard index and 16-hex digest a shard file's name carries (ValueError for another name)."""
    match = SHARD_FILE.match(name)
    if not match:
        raise ValueError(f"not a shard file: {name}")
    return int(match.group(1)), match.group(2)


def batch_file(out_dir: str | Path, stage: str, fingerprint: str) -> str:
    """Where a batch-level stage keeps its result for the batch with ``fingerprint``."""
    return join(stages_dir(out_dir), stage, f"batch-{fingerprint[:16]}.json")


def batch_shard_file(out_dir: str | Path, stage: str, fingerprint: str, shard: int) -> str:
    """Where a batch-level stage keeps its result for one shard (beside :func:`batch_file`)."""
    return join(batch_file(out_dir, stage, fingerprint).removesuffix(".json"), f"shard-{shard:05d}.json")


def progress_file(out_dir: str | Path, stage: str, shard: int, digest: str) -> str:
    """Where a stage task leaves its progress for one shard."""
    return join(stages_dir(out_dir), PROGRESS_DIR, f"{stage}-shard-{shard:05d}-{digest[:16]}.json")


def progress_of(name: str) -> tuple[str, int, str]:
    """The stage, shard index and 16-hex digest a progress file's name carries (ValueError otherwise)."""
    match = PROGRESS_FILE.match(name)
    if not match:
        raise ValueError(f"not a progress file: {name}")
    return match.group(1), int(match.group(2)), match.group(3)


def batch_record_file(out_dir: str | Path) -> str:
    """Where the last planned batch's shards and digests are recorded (what names its stage files)."""
    return join(stages_dir(out_dir), BATCH_RECORD)


def lock_file(out_dir: str | Path) -> str:
    """The lock file of an output folder (in its ``_stages``, so the published folder holds only the
    output; there even with a scratch prefix, which may be remote and cannot be locked)."""
    return join(out_dir, STAGES_DIR, LOCK_NAME)


def manifest_file(out_dir: str | Path) -> str:
    """The folder's manifest, written last: it marks the output complete."""
    return join(out_dir, MANIFEST)


def part_name(index: int, compression: str) -> str:
    """The file name of a part: ``part-00000.jsonl`` plus ``.gz``/``.zst`` when compressed."""
    return f"part-{index:05d}.jsonl{COMPRESSION_SUFFIX[compression]}"
