"""The Luigi tasks under the module name of ``luigi --module pipeline.tasks CleanCorpus ...``.

The tasks are defined in :mod:`pipeline.run.tasks`; this module is the name users and cron entries give.
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
    RepairEncoding,
    SegmentParagraphs,
    ShardStage,
    StripBoilerplate,
    TagMetadata,
    WriteShard,
    day_dir,
)

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
    "RepairEncoding",
    "SegmentParagraphs",
    "ShardStage",
    "StripBoilerplate",
    "TagMetadata",
    "WriteShard",
    "day_dir",
]
