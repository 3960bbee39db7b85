"""Luigi wiring only: which task runs which stage on which shard, and where its file goes.

    RawShard (external) -> RepairEncoding -> ExtractText -> StripBoilerplate -> SegmentParagraphs
      -> TagMetadata -> WriteShard   (one chain per shard)   -> CleanCorpus (manifest, parts, rejects)

Every intermediate file name carries the shard's digest (its files and the settings), so a changed
input or setting never reuses stale work; the manifest records the batch fingerprint, so a re-run on
the same input does nothing.
"""

from __future__ import annotations

import configparser
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import luigi

from pipeline.config import Config, load_config
from pipeline.corpus import (
    COMPRESSION_SUFFIX,
    MANIFEST,
    Shard,
    assemble_corpus,
    batch_fingerprint,
    plan_shards,
    stage_path,
    write_shard_outputs,
)
from pipeline.document import Document
from pipeline.extract import release_caches
from pipeline.stages import load_documents, stage_functions
from pipeline.writers import read_documents, write_documents, write_json

log = logging.getLogger(__name__)
SHIPPED_LUIGI_CFG = Path(__file__).resolve().parent / "luigi.cfg"
PROGRESS_EVERY = 100


def apply_shipped_luigi_config() -> None:
    """Fill in luigi settings from the shipped ``luigi.cfg`` that the user's own config leaves unset."""
    shipped = configparser.ConfigParser()
    shipped.read(SHIPPED_LUIGI_CFG)
    config = luigi.configuration.get_config()
    for section in shipped.sections():
        if not config.has_section(section):
            config.add_section(section)
        for key, value in shipped.items(section):
            if not config.has_option(section, key):
                config.set(section, key, value)


apply_shipped_luigi_config()


class RawShard(luigi.ExternalTask):
    """The input files of one shard, as they lie in the raw folder."""

    raw_dir = luigi.Parameter()
    shard = luigi.IntParameter()
    digest = luigi.Parameter()
    paths = luigi.ListParameter(significant=False, default=())

    def output(self) -> list[luigi.LocalTarget]:
        # Files that vanished or dangle are not "missing data": reading them yields a reject.
        paths: list[str] = list(map(str, self.paths))
        targets = [luigi.LocalTarget(str(Path(self.raw_dir) / path)) for path in paths]
        return [t for t in targets if t.exists()]


class ShardStage(luigi.Task):
    """Base of the per-shard stages: read the previous stage's file, map the stage, write atomically."""

    raw_dir = luigi.Parameter()
    out_dir = luigi.Parameter()
    config_path = luigi.Parameter(default="", significant=False)
    shard = luigi.IntParameter()
    digest = luigi.Parameter()
    paths = luigi.ListParameter(significant=False, default=())

    stage: ClassVar[str] = ""
    previous: ClassVar[type[luigi.Task]] = RawShard

    def requires(self) -> luigi.Task:
        return self.clone(self.previous)

    def output(self) -> luigi.LocalTarget:
        return luigi.LocalTarget(str(stage_path(self.out_dir, self.stage, self.shard, self.digest)))

    def input_documents(self, config: Config) -> Iterable[Document]:
        """The documents this stage reads: the previous stage's output."""
        return read_documents(self.input().path)

    def run(self) -> None:
        config = load_config(self.config_path or None)
        fn = stage_functions(config)[self.stage]
        write_documents(self.output().path, self._tracked(fn(doc) for doc in self.input_documents(config)))

    def _tracked(self, docs: Iterable[Document]) -> Iterator[Document]:
        done = 0
        for doc in docs:
            yield doc
            done += 1
            if done % PROGRESS_EVERY == 0:
                self.set_status_message(f"{self.stage}: {done} documents")
        self.set_status_message(f"{self.stage}: {done} documents, done")
        self.set_progress_percentage(100)


class RepairEncoding(ShardStage):
    """Raw files -> decoded documents with mojibake repaired."""

    stage = "repair_encoding"
    previous = RawShard

    def input_documents(self, config: Config) -> Iterable[Document]:
        return load_documents(self.raw_dir, self.paths, config)


class ExtractText(ShardStage):
    """HTML documents -> main text and metadata (trafilatura)."""

    stage = "extract_text"
    previous = RepairEncoding

    def run(self) -> None:
        super().run()
        release_caches()


class StripBoilerplate(ShardStage):
    """Body lines -> body lines without boilerplate, each removal logged."""

    stage = "strip_boilerplate"
    previous = ExtractText


class SegmentParagraphs(ShardStage):
    """Body lines -> typed paragraphs."""

    stage = "segment_paragraphs"
    previous = StripBoilerplate


class TagMetadata(ShardStage):
    """Paragraphs -> paragraphs with metadata and quality signals."""

    stage = "tag_metadata"
    previous = SegmentParagraphs


class WriteShard(ShardStage):
    """Tagged documents -> the shard's clean part, its rejects and its stats."""

    stage = "write"
    previous = TagMetadata

    def output(self) -> dict[str, luigi.LocalTarget]:  # type: ignore[override]
        compression = load_config(self.config_path or None).output.compression
        base = stage_path(self.out_dir, self.stage, self.shard, self.digest)
        return {
            "part": luigi.LocalTarget(str(base) + COMPRESSION_SUFFIX[compression]),
            "rejects": luigi.LocalTarget(str(base.with_suffix(".rejected.jsonl"))),
            "stats": luigi.LocalTarget(str(base.with_suffix(".stats.json"))),
        }

    def run(self) -> None:
        out = self.output()
        docs = self._tracked(read_documents(self.input().path))
        config = load_config(self.config_path or None)
        stats = write_shard_outputs(docs, Path(out["part"].path), Path(out["rejects"].path), config)
        write_json(out["stats"].path, stats)


class CleanCorpus(luigi.Task):
    """The whole batch: every shard's chain, then the part files, ``rejected.jsonl`` and the manifest."""

    raw_dir = luigi.Parameter(default="data/raw")
    out_dir = luigi.Parameter(default="data/clean")
    config_path = luigi.Parameter(default="", significant=False)

    _shards: list[Shard] | None = None
    _config: Config | None = None

    def config(self) -> Config:
        """The settings of this run."""
        if self._config is None:
            self._config = load_config(self.config_path or None)
        return self._config

    def shards(self) -> list[Shard]:
        """The batch's shards, planned once per task instance."""
        if self._shards is None:
            self._shards = plan_shards(self.raw_dir, self.config())
        return self._shards

    def requires(self) -> list[WriteShard]:
        return [
            WriteShard(
                raw_dir=self.raw_dir,
                out_dir=self.out_dir,
                config_path=self.config_path,
                shard=s.index,
                digest=s.digest,
                paths=list(s.paths),
            )
            for s in self.shards()
        ]

    def output(self) -> luigi.LocalTarget:
        return luigi.LocalTarget(str(Path(self.out_dir) / MANIFEST))

    def complete(self) -> bool:
        path = Path(self.output().path)
        if not path.exists():
            return False
        try:
            manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return manifest.get("fingerprint") == batch_fingerprint(self.shards())

    def run(self) -> None:
        outputs = []
        for target in self.input():
            stats = json.loads(Path(target["stats"].path).read_text(encoding="utf-8"))
            outputs.append((Path(target["part"].path), Path(target["rejects"].path), stats))
        manifest = assemble_corpus(self.out_dir, outputs, batch_fingerprint(self.shards()), self.config())
        self.set_status_message(json.dumps(manifest["counts"]))
