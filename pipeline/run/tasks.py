"""Luigi wiring only: which task runs which stage on which shard, and where its file goes.

    per shard:  RawShard (external) -> ReadDocuments -> ExtractText -> RepairEncoding (+ its line counts)
    batch:      every RepairEncoding's line counts -> LearnBoilerplate
    per shard:  RepairEncoding + LearnBoilerplate -> StripBoilerplate -> SegmentParagraphs
                -> TagMetadata (+ its dedup signatures)
    batch:      every TagMetadata's signatures -> FindDuplicates
    per shard:  TagMetadata + FindDuplicates -> WriteShard
    batch:      every WriteShard -> CleanCorpus (manifest, parts, rejects)

Each stage of :data:`pipeline.clean.chain.STAGES` has one task, named after it (``strip_boilerplate``
-> ``StripBoilerplate``), which reads the file of the stage before it; the batch-level stages of
:mod:`pipeline.corpus` have one task each too. The line counts and the signatures are side outputs of
the stage before the step that needs them, not tasks of their own: as tasks they would read that
stage's whole file again and cost a task process each, for work that takes a fraction of the reading.

Scheduled runs work on date partitions: ``CleanDay`` cleans ``RAW/YYYY-MM-DD`` into ``OUT/YYYY-MM-DD``
(one ``CleanCorpus``), and Luigi's ``RangeDaily --of CleanDay`` backfills the days that are missing.

Where each file goes is :mod:`pipeline.run.layout`'s; every file is read and written through
:mod:`pipeline.run.files`. Every intermediate file name carries the shard's digest (its files and the
settings), so a changed input or setting never reuses stale work; the manifest records the batch
fingerprint, so a re-run on the same input does nothing.
"""

from __future__ import annotations

import configparser
import datetime
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import luigi

from pipeline import storage
from pipeline.clean import (
    extract_text,
    read_documents,
    repair_encoding,
    segment_paragraphs,
    strip_boilerplate,
    tag_metadata,
)
from pipeline.clean.chain import STAGES, stage_before, stage_functions
from pipeline.clean.extract_text import release_caches
from pipeline.config import PACKAGE_DIR, Config, load_config
from pipeline.corpus import find_duplicates, learn_boilerplate
from pipeline.corpus.find_duplicates import Signature, mark_duplicate, signature
from pipeline.corpus.learn_boilerplate import LineCounter, counts_from_dict, counts_to_dict, merge_counts
from pipeline.document import Document
from pipeline.run import layout
from pipeline.run.files import (
    FileTarget,
    count_lines,
    exists,
    read_json,
    read_stage_file,
    target,
    write_json,
    write_stage_file,
)
from pipeline.run.plan import Shard, batch_fingerprint, plan_for, plan_shards, remember_plan, stage_digest
from pipeline.run.progress import documents_written, record_progress
from pipeline.run.retention import record_batch, tidy_stages
from pipeline.run.signature_files import SignatureFiles, duplicates_by_shard, write_signatures
from pipeline.run.writers import assemble_corpus, write_shard_outputs

log = logging.getLogger(__name__)
#: Luigi settings shipped with the pipeline (retry policy, exit codes, output checks).
SHIPPED_LUIGI_CFG = PACKAGE_DIR / "luigi.cfg"
#: Documents between two progress reports of a shard task. With a central scheduler every report is
#: an RPC to luigid, so a report per document would cost more than the cleaning of short documents.
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


def shard_paths(
    raw_dir: str, out_dir: str, config_path: str, fingerprint: str, shard: int, digest: str
) -> tuple[str, ...]:
    """The input paths of one shard, from its batch's plan (kept once per process, not in every task)."""
    planned = plan_for(raw_dir, out_dir, load_config(config_path or None), fingerprint)[shard]
    if planned.digest != digest:
        raise RuntimeError(f"shard {shard} of {raw_dir} is not the one this task was planned with")
    return planned.paths


#: A task on one shard (``ShardParameters`` and a Luigi task), as :meth:`BatchParameters.on_shard` builds it.
_ShardTask = TypeVar("_ShardTask", bound="ShardParameters")

#: A stage's side output: what sees each document on its way to the stage file, and what then writes it.
SideOutput = tuple[Callable[[Document], object], Callable[[], object]]


class BatchParameters:
    """The parameters of every task of a batch: its raw folder, its output folder, its settings."""

    raw_dir = luigi.Parameter(default="data/raw")
    out_dir = luigi.Parameter(default="data/clean")
    config_path = luigi.Parameter(default="", significant=False)

    def on_shard(self, task: type[_ShardTask], shard: Shard, fingerprint: str) -> _ShardTask:
        """``task`` on one shard of this batch."""
        parameters: dict[str, Any] = {
            "raw_dir": self.raw_dir,
            "out_dir": self.out_dir,
            "config_path": self.config_path,
            "shard": shard.index,
            "digest": shard.digest,
            "shard_digest": shard.own,
            "fingerprint": fingerprint,
        }
        return task(**parameters)


class ShardParameters(BatchParameters):
    """The parameters of a task on one shard: the batch's, the shard and its digest."""

    shard = luigi.IntParameter()
    digest = luigi.Parameter()
    # The shard's own files and the settings (its digest above already covers them): names the files
    # of the stages before the learned-lines barrier (``plan.SHARD_LOCAL_STAGES``).
    shard_digest = luigi.Parameter(significant=False)
    # The batch this shard belongs to (its digest already covers it): names the plan that lists the
    # shard's files (not a parameter of every task: a batch of millions of files would be held by each)
    # and the batch-level tasks.
    fingerprint = luigi.Parameter(significant=False, default="")


class RawShard(ShardParameters, luigi.ExternalTask):
    """The input files of one shard, as they lie in the raw folder."""

    def output(self) -> list[FileTarget]:
        if storage.is_remote(self.raw_dir):
            # The batch's one listing found these objects when it was planned: a request per object
            # here would cost more than the listing.
            return []
        # Files that vanished or dangle are not "missing data": reading them yields a reject.
        paths = shard_paths(
            self.raw_dir, self.out_dir, self.config_path, self.fingerprint, self.shard, self.digest
        )
        files = [os.path.join(self.raw_dir, path) for path in paths]
        return [target(file) for file in files if exists(file)]

    def complete(self) -> bool:
        # The shard is the files its batch's planning found; one gone since is a reject when read.
        return True


class ShardStage(ShardParameters, luigi.Task):
    """Base of the per-shard stages: read the previous stage's file, map the stage, write atomically."""

    stage: ClassVar[str] = ""
    #: The task of each stage of the chain, filled in as the stage tasks below are defined.
    by_stage: ClassVar[dict[str, type[ShardStage]]] = {}
    # Earlier stages first (breadth-first over the shards). Luigi otherwise prefers the tasks it
    # planned first, the later stages, so a run ended with one shard's whole chain of stages running
    # alone before each batch-wide task while the other processes waited. Each stage sets its own.
    priority = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.stage in STAGES:
            ShardStage.by_stage[cls.stage] = cls

    @classmethod
    def previous(cls) -> type[luigi.Task]:
        """The task whose output this one reads: the task of the stage before, or the raw files."""
        return ShardStage.by_stage[stage_before(cls.stage)] if cls.stage != STAGES[0] else RawShard

    def requires(self) -> Any:
        return self.clone(self.previous())

    def files_digest(self) -> str:
        """The digest that names this stage's files for the shard."""
        return stage_digest(self.stage, self.digest, self.shard_digest)

    def output(self) -> FileTarget:
        return target(layout.stage_file(self.out_dir, self.stage, self.shard, self.files_digest()))

    def documents_path(self) -> str:
        """The previous stage's file for this shard."""
        found = self.input()
        # Nested when this stage also needs a batch-level file and the previous one has side outputs.
        while isinstance(found, dict):
            found = found["docs"]
        return str(found.path)

    def documents_output(self) -> str:
        """This stage's file for this shard."""
        output = self.output()
        return str(output["docs"].path if isinstance(output, dict) else output.path)

    def paths(self) -> tuple[str, ...]:
        """The shard's input files, relative to the raw folder."""
        return shard_paths(
            self.raw_dir, self.out_dir, self.config_path, self.fingerprint, self.shard, self.digest
        )

    def stage_documents(self, config: Config) -> Iterable[Document]:
        """This stage's documents: the previous stage's, each mapped by the stage's function."""
        fn = stage_functions(config)[self.stage]
        return (fn(doc) for doc in read_stage_file(self.documents_path()))

    def expected_documents(self) -> int | None:
        """How many documents this stage will see, for progress reports: what the previous stage's
        progress file says it wrote, else the lines of its file.

        Counting the lines means decompressing the whole file once more before reading it: 0.86 CPU-s
        over the stage tasks of a 600-page HTML run, 1.4% of ``trafilatura.extract`` on the same pages.
        """
        previous = self.clone(self.previous())
        assert isinstance(previous, ShardStage)
        written = documents_written(self.out_dir, previous.stage, self.shard, previous.files_digest())
        return count_lines(self.documents_path()) if written is None else written

    def run(self) -> None:
        config = load_config(self.config_path or None)
        docs = self._tracked(self.stage_documents(config))
        side = self.side_output(config)
        write_stage_file(self.documents_output(), _tap(docs, side[0]) if side else docs)
        if side:
            side[1]()

    def side_output(self, config: Config) -> SideOutput | None:
        """The stage's side output, if it has one (line counts, dedup signatures)."""
        return None

    def batch_task(self, cls: type[BatchTask]) -> BatchTask:
        """The batch-level task ``cls`` of this shard's batch."""
        return cls(
            raw_dir=self.raw_dir,
            out_dir=self.out_dir,
            config_path=self.config_path,
            fingerprint=self.fingerprint,
        )

    def _tracked(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Pass ``docs`` through, reporting documents done (and the share of the shard) to the scheduler."""
        total = self.expected_documents()
        files: set[str] = set()
        label = f"{self.stage} shard {self.shard:05d}"
        # The shard's files are looked up in the batch plan (which reads the settings): once a task.
        planned_files = len(self.paths())
        n_files = max(1, planned_files)
        self.set_status_message(f"{label}: started, {planned_files} files")
        self.set_progress_percentage(0)
        done = 0
        for doc in docs:
            yield doc
            done += 1
            files.add(doc.source.path)
            if done % PROGRESS_EVERY == 0:
                if total:
                    message, share = f"{done}/{total} documents", done / total
                else:
                    message = f"{done} documents from {len(files)}/{n_files} files"
                    share = len(files) / n_files
                self.set_status_message(f"{label}: {message}")
                self.set_progress_percentage(min(99, int(100 * share)))
                record_progress(self.out_dir, self.stage, self.shard, self.files_digest(), done, False)
        self.set_status_message(f"{label}: {done} documents, done")
        record_progress(self.out_dir, self.stage, self.shard, self.files_digest(), done, finished=True)
        self.set_progress_percentage(100)


class ReadDocuments(ShardStage):
    """Raw files -> decoded documents (and rejects for what cannot be read or is not text)."""

    stage = read_documents.STAGE
    priority = 90

    def stage_documents(self, config: Config) -> Iterable[Document]:
        return read_documents.read_documents(self.raw_dir, self.paths(), config)

    def expected_documents(self) -> int | None:
        # A raw file may hold one document or thousands (.jsonl): progress counts files instead.
        return None


class ExtractText(ShardStage):
    """HTML documents -> main text and metadata (trafilatura); text documents pass through."""

    stage = extract_text.STAGE
    priority = 80

    def run(self) -> None:
        super().run()
        release_caches()


class RepairEncoding(ShardStage):
    """Text -> text with mojibake repaired (ftfy); and, per site, how many documents each distinct short
    line of the shard occurs in, in the text ``strip_boilerplate`` reads next (what ``LearnBoilerplate``
    adds up)."""

    stage = repair_encoding.STAGE
    priority = 70

    def output(self) -> dict[str, FileTarget]:  # type: ignore[override]
        digest = self.files_digest()
        return {
            "docs": target(layout.stage_file(self.out_dir, self.stage, self.shard, digest)),
            "counts": target(layout.line_counts_file(self.out_dir, self.stage, self.shard, digest)),
        }

    def side_output(self, config: Config) -> SideOutput:
        counter = LineCounter(config.boilerplate)
        path = self.output()["counts"].path
        see = counter.add if config.corpus.learn_boilerplate else _ignore
        return see, lambda: write_json(path, counts_to_dict(counter.counts()))


class BatchTask(BatchParameters, luigi.Task):
    """Base of the tasks that read something of every shard of a batch and write one small file."""

    # Required and significant here: a batch-level task has no shard digest, its batch names it.
    fingerprint = luigi.Parameter()

    stage: ClassVar[str] = ""

    def per_shard(self) -> type[ShardStage]:
        """The per-shard task whose output this one reads, on every shard."""
        raise NotImplementedError

    def requires(self) -> list[ShardStage]:
        config = load_config(self.config_path or None)
        shards = plan_for(self.raw_dir, self.out_dir, config, self.fingerprint)
        return [self.on_shard(self.per_shard(), s, self.fingerprint) for s in shards]

    def output(self) -> FileTarget:
        return target(layout.batch_file(self.out_dir, self.stage, self.fingerprint))


class LearnBoilerplate(BatchTask):
    """Every shard's line counts -> the lines that are boilerplate per site."""

    stage = learn_boilerplate.STAGE

    def per_shard(self) -> type[ShardStage]:
        return ShardStage.by_stage[stage_before(strip_boilerplate.STAGE)]

    def run(self) -> None:
        self.set_status_message(f"merging line counts of {len(self.input())} shards")
        counts = merge_counts(counts_from_dict(read_json(t["counts"].path)) for t in self.input())
        learned = learn_boilerplate.learn_boilerplate(counts)
        write_json(self.output().path, {site: sorted(keys) for site, keys in learned.items()})


class StripBoilerplate(ShardStage):
    """Body lines -> body lines without boilerplate (catalogue, structure, learned lines), each logged."""

    stage = strip_boilerplate.STAGE
    priority = 60

    def requires(self) -> dict[str, luigi.Task]:
        return {"docs": super().requires(), "learned": self.batch_task(LearnBoilerplate)}

    def stage_documents(self, config: Config) -> Iterable[Document]:
        data = read_json(self.input()["learned"].path)
        fn = stage_functions(config, {site: frozenset(keys) for site, keys in data.items()})[self.stage]
        return (fn(doc) for doc in read_stage_file(self.documents_path()))


class SegmentParagraphs(ShardStage):
    """Body lines -> typed paragraphs."""

    stage = segment_paragraphs.STAGE
    priority = 50


class TagMetadata(ShardStage):
    """Paragraphs -> paragraphs with metadata and quality signals; and the dedup signature (content
    hash, MinHash) of every clean document (what ``FindDuplicates`` reads)."""

    stage = tag_metadata.STAGE
    priority = 40

    def output(self) -> dict[str, FileTarget]:  # type: ignore[override]
        digest = self.files_digest()
        ids, minhash = layout.signature_files(self.out_dir, self.stage, self.shard, digest)
        return {
            "docs": target(layout.stage_file(self.out_dir, self.stage, self.shard, digest)),
            "ids": target(ids),
            "minhash": target(minhash),
        }

    def side_output(self, config: Config) -> SideOutput:
        signatures: list[Signature] = []
        out = self.output()

        def collect(doc: Document) -> None:
            if not doc.rejected:
                signatures.append(signature(doc))

        see = collect if config.corpus.find_duplicates else _ignore
        return see, lambda: write_signatures(out["ids"].path, out["minhash"].path, signatures)


class FindDuplicates(BatchTask):
    """Every shard's signatures -> for each shard, ``{duplicate id: kept id}`` of its documents.

    The per-shard maps go beside the batch's output file, which is written last (so it marks them all
    done) and holds the counts.
    """

    stage = find_duplicates.STAGE

    def per_shard(self) -> type[ShardStage]:
        return ShardStage.by_stage[STAGES[-1]]

    def shard_map(self, shard: int) -> str:
        """Where the duplicates of one shard's documents go."""
        return layout.batch_shard_file(self.out_dir, self.stage, self.fingerprint, shard)

    def run(self) -> None:
        config = load_config(self.config_path or None)
        shards = self.requires()
        self.set_status_message(f"reading signatures of {len(shards)} shards")
        files = SignatureFiles([(t["ids"].path, t["minhash"].path) for t in self.input()])
        total = 0
        maps = duplicates_by_shard(files, config.corpus.near_duplicate_threshold)
        for task, duplicates in zip(shards, maps, strict=True):
            write_json(self.shard_map(task.shard), duplicates)
            total += len(duplicates)
        write_json(self.output().path, {"documents": len(files), "duplicates": total, "shards": len(shards)})


class WriteShard(ShardStage):
    """Tagged documents, with their duplicates marked -> the shard's clean part, its rejects and its stats."""

    stage = layout.WRITE
    priority = 20

    @classmethod
    def previous(cls) -> type[luigi.Task]:
        return ShardStage.by_stage[STAGES[-1]]

    def requires(self) -> dict[str, luigi.Task]:
        return {"docs": self.clone(self.previous()), "duplicates": self.batch_task(FindDuplicates)}

    def output(self) -> dict[str, FileTarget]:  # type: ignore[override]
        compression = load_config(self.config_path or None).output.compression
        return {
            "part": target(layout.shard_part_file(self.out_dir, self.shard, self.digest, compression)),
            "rejects": target(layout.shard_rejects_file(self.out_dir, self.shard, self.digest)),
            "stats": target(layout.shard_stats_file(self.out_dir, self.shard, self.digest)),
        }

    def run(self) -> None:
        out = self.output()
        config = load_config(self.config_path or None)
        finder = self.requires()["duplicates"]
        assert isinstance(finder, FindDuplicates)
        duplicates = read_json(finder.shard_map(self.shard))
        drop = config.corpus.drop_duplicates
        docs = self._tracked(
            mark_duplicate(doc, duplicates, drop) for doc in read_stage_file(self.documents_path())
        )
        stats = write_shard_outputs(docs, out["part"].path, out["rejects"].path, config)
        write_json(out["stats"].path, stats)


def _tap(docs: Iterator[Document], see: Callable[[Document], object]) -> Iterator[Document]:
    """``docs`` unchanged, each shown to ``see`` on its way."""
    for doc in docs:
        see(doc)
        yield doc


def _ignore(doc: Document) -> None:
    """A side output that takes nothing from the documents (its step is switched off)."""


class CleanCorpus(BatchParameters, luigi.Task):
    """The whole batch: every shard's chain, then the part files, ``rejected.jsonl`` and the manifest;
    then the run's files that the finished output no longer needs are removed (see
    :mod:`pipeline.run.retention`), all of the batch's kept with ``keep_stages``."""

    keep_stages = luigi.BoolParameter(default=False, significant=False)
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
            self._shards = plan_shards(self.raw_dir, self.config(), self.out_dir)
        return self._shards

    def requires(self) -> list[WriteShard]:
        fingerprint = remember_plan(self.shards())
        # Asked for only while the output is not complete: from now on the folder's run files belong to
        # this batch, and ``gc`` leaves them alone until its output is published.
        record_batch(self.out_dir, self.shards(), fingerprint)
        return [self.on_shard(WriteShard, s, fingerprint) for s in self.shards()]

    def output(self) -> FileTarget:
        return target(layout.manifest_file(self.out_dir))

    def complete(self) -> bool:
        try:
            manifest: dict[str, Any] = read_json(self.output().path)
        except (OSError, ValueError):
            return False
        return manifest.get("fingerprint") == batch_fingerprint(self.shards())

    def run(self) -> None:
        self.set_status_message(f"assembling {len(self.shards())} shards into {self.out_dir}")
        outputs = []
        for shard in self.input():
            stats = read_json(shard["stats"].path)
            outputs.append((shard["part"].path, shard["rejects"].path, stats))
        fingerprint = batch_fingerprint(self.shards())
        manifest = assemble_corpus(self.out_dir, outputs, fingerprint, self.config())
        tidy_stages(self.out_dir, keep_all=self.keep_stages)
        self.set_status_message(json.dumps(manifest["counts"]))


class RawDay(luigi.ExternalTask):
    """One day's raw folder, ``RAW/YYYY-MM-DD``, delivered by whatever feeds the pipeline."""

    date = luigi.DateParameter()
    raw_root = luigi.Parameter(default="data/raw")

    def output(self) -> FileTarget:
        return target(day_dir(self.raw_root, self.date))


def day_dir(root: str | Path, date: datetime.date) -> str:
    """The partition of ``root`` for one day: ``root/YYYY-MM-DD``."""
    return storage.join(root, date.isoformat())


class CleanDay(luigi.WrapperTask):
    """One day: ``RAW/YYYY-MM-DD`` cleaned into ``OUT/YYYY-MM-DD`` (a whole :class:`CleanCorpus`).

    Asked for on its own, a day without a raw folder is missing data (Luigi's ``missing_data`` exit
    code). In a range (``RangeDaily --of CleanDay``) such a day counts as done, see :meth:`bulk_complete`.
    """

    date = luigi.DateParameter()
    raw_root = luigi.Parameter(default="data/raw", positional=False)
    out_root = luigi.Parameter(default="data/clean", positional=False)
    config_path = luigi.Parameter(default="", significant=False, positional=False)
    keep_stages = luigi.BoolParameter(default=False, significant=False, positional=False)

    def has_raw_data(self) -> bool:
        """Whether the day's raw folder exists."""
        return storage.is_dir(day_dir(self.raw_root, self.date))

    def corpus(self) -> CleanCorpus:
        """The day's batch."""
        return CleanCorpus(  # type: ignore[call-arg]
            raw_dir=day_dir(self.raw_root, self.date),
            out_dir=day_dir(self.out_root, self.date),
            config_path=self.config_path,
            keep_stages=self.keep_stages,
        )

    def requires(self) -> luigi.Task:
        if not self.has_raw_data():
            return RawDay(date=self.date, raw_root=self.raw_root)
        return self.corpus()

    @classmethod
    def bulk_complete(cls, parameter_tuples: Iterable[Any]) -> list[Any]:
        """The dates among ``parameter_tuples`` that a range has nothing to do for.

        A day is done when its output is complete for its current input, and also when it has no raw
        folder at all ("no data": nothing to clean yet, not a failure). A later range run picks the day
        up once its folder appears, so a late delivery is cleaned by the next scheduled run.
        """
        # RangeDaily passes ``functools.partial(CleanDay, **of_params)`` as ``cls``.
        make: Callable[..., CleanDay] = cls
        done = []
        for date in parameter_tuples:
            day = make(date)
            if not day.has_raw_data() or day.complete():
                done.append(date)
        return done
