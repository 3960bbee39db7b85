"""The Luigi tasks under the module name of ``luigi --module pipeline.tasks CleanCorpus ...``.

The tasks are defined in :mod:`pipeline.run.tasks`; this module is the name users and cron entries give.
Importing it applies the shipped ``luigi.cfg`` (retry policy, exit codes, output checks) under the
user's own settings: ``luigi --module`` imports the module before it reads its configuration for the
run, and offers the pipeline no other point to do so. ``python -m pipeline run`` applies it itself.
"""

from __future__ import annotations

from pipeline.run.tasks import (
    SHIPPED_LUIGI_CFG,
    BatchTask,
    CleanCorpus,
    CleanDay,
    ExtractText,
    FindDuplicates,
    LearnBoilerplate,
    RawDay,
    RawShard,
    ReadDocuments,
    RepairEncoding,
    SegmentParagraphs,
    ShardStage,
    StripBoilerplate,
    TagMetadata,
    WriteShard,
    apply_shipped_luigi_config,
    day_dir,
)

apply_shipped_luigi_config()

__all__ = [
    "SHIPPED_LUIGI_CFG",
    "BatchTask",
    "CleanCorpus",
    "CleanDay",
    "ExtractText",
    "FindDuplicates",
    "LearnBoilerplate",
    "RawDay",
    "RawShard",
    "ReadDocuments",
    "RepairEncoding",
    "SegmentParagraphs",
    "ShardStage",
    "StripBoilerplate",
    "TagMetadata",
    "WriteShard",
    "apply_shipped_luigi_config",
    "day_dir",
]
