"""Settings that change the output, as frozen dataclasses loaded from one TOML file, and their digest."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import json
import sys
import typing
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

from pipeline import __version__

#: The package's folder: besides its code it ships the data files the stages read (the rule catalogue,
#: the line model, the lexicons), which change the output as much as a setting does.
PACKAGE_DIR = Path(__file__).resolve().parent
#: The installed libraries whose behaviour decides what a document gives: extraction and its date and
#: URL handling, the fallback extractors, the HTML parser, encoding repair and detection, the regex
#: engine of the rules, language identification, WARC reading. A new version of one of them can change
#: the output as much as a setting does, so their versions are part of the settings' digest: results
#: of the old versions are cleaned again, never mixed with new ones.
OUTPUT_LIBRARIES = (
    "charset-normalizer",
    "courlan",
    "ftfy",
    "htmldate",
    "justext",
    "lxml",
    "py3langid",
    "readability-lxml",
    "regex",
    "trafilatura",
    "warcio",
)


@dataclass(frozen=True, slots=True)
class InputConfig:
    """How raw files are grouped and which are too big to read."""

    # Files per shard: one Luigi task per stage per shard. 0 sizes the shards from the batch
    # (``pipeline.run.plan``: about 8 shards of equal bytes, at least 4 MB and at most 1000 files each),
    # never from the number of workers, so the output is the same whatever the workers.
    shard_files: int = 0
    # Larger inputs are rejected as too_large before decoding; trafilatura itself stops at 20 MB.
    max_document_bytes: int = 8_000_000
    # Address space one document's HTML extraction may add before it becomes an out_of_memory reject
    # (lxml on pathological markup can take tens of times the page size); 0 = no limit.
    max_document_memory_mb: int = 2048

    def __post_init__(self) -> None:
        if self.shard_files < 0:
            shards = self.shard_files
            raise ValueError(f"input.shard_files must be 0 (sized from the batch) or more, not {shards!r}")
        if self.max_document_bytes < 1 or self.max_document_memory_mb < 0:
            raise ValueError("input.max_document_bytes must be at least 1, max_document_memory_mb 0 or more")


# extract.table_format: rows as lines of plain cells, or as trafilatura's markdown rows.
TABLE_FORMATS = ("plain", "markdown")


@dataclass(frozen=True, slots=True)
class ExtractConfig:
    """HTML extraction through trafilatura."""

    include_comments: bool = False
    include_tables: bool = True
    # A page whose extraction takes longer becomes a reject (extraction_timeout), not a stalled shard.
    timeout_seconds: float = 30.0
    # On a page that declares itself a forum/Q&A or product page and whose text is under 30% of its
    # visible text, a second run with comments on is kept when its text is more than this many times
    # longer (posts and reviews sit in comment containers there); 0 turns the second run off.
    non_article_comments_ratio: float = 2.0
    # On a forum page (declared, or a thread URL) whose text is under 30% of its visible text and that
    # the comments run did not change, a run with favor_recall is kept when its text is more than this
    # many times longer; 0 turns it off. wcxb-dev: the same 2 pages switch for any ratio from 1.2 to 3.
    forum_recall_ratio: float = 2.0
    # Table rows as "plain" lines of tab-separated cells, or as trafilatura's "markdown" rows ("| a | b |"
    # and a "|---|" line under a header row). Plain suits a text corpus: bow F1 zyte-aeb 0.961 against
    # 0.959 for markdown, wcxb-dev 0.850 against 0.848, trafilatura-eval snippets the same.
    table_format: str = "plain"
    # trafilatura compares its own extraction with readability's and jusText's and may take theirs (a text
    # twice as long, or more tables than paragraphs in its own); its own is kept when it holds at least this
    # share of the page's visible characters: it has found the main content, and the fallback adds
    # comments, other stories or drops tables. 0 leaves the choice to trafilatura. Evidence on the dev
    # pages whose SHA-256(id) starts with an even byte, the pages where trafilatura replaces its own text:
    # where that text holds 18-88% of the visible characters, keeping it gains on balance (zyte-aeb +0.51
    # and +0.07 bow F1, wcxb-dev -0.01, trafilatura-eval 5 snippets more found and 1 fewer); at 5-13% it
    # loses (wcxb-dev -0.23, -0.11, -0.09): any floor in (0.133, 0.238) decides those pages alike. On the
    # odd half, whole pipeline, 0.15 against 0: zyte-aeb bow F1 0.9627 against 0.9554 (no gain from a
    # floor above 0.17), wcxb-dev 0.8290 against 0.8285, trafilatura-eval snippets 0.9307 against 0.9304.
    # Applies only on pages that mark a main-content container (extract_text.marks_main_content).
    own_extraction_share: float = 0.15
    # readability-lxml's text as a second opinion (pipeline/clean/second_opinion.py): asked only where the
    # page lines the extraction left out hold this many times as much prose as the text it kept (0 =
    # never), and taken where it holds at least second_opinion_containment of our words and
    # second_opinion_ratio times as many words. Chosen leave-one-set-out on the dev sets, every rotation
    # the same (docs/benchmarks.md).
    second_opinion_doubt: float = 1.5
    second_opinion_containment: float = 0.8
    second_opinion_ratio: float = 1.5
    # Where the text kept is a fragment of fewer words than this (a site's slogan that trafilatura's body
    # expressions matched in the header), readability's text need not hold it: it is taken where it has
    # second_opinion_ratio times as many words (within an <article>/<main> if the page has one). 0 =
    # never. Dev pages that change, per bound (the whole of each set otherwise the same, every ratio
    # from 1.5 to 3 alike): 30, a trafilatura-eval page's three 'with' snippets found (its text was the
    # slogan, twice); 50 and 100, also a wcxb-dev listing 0.08 -> 0.87 bow F1 (its text a notice above
    # the animals listed); 200, also a zyte-aeb article of 150 words replaced by a longer block, 1.00 ->
    # 0.16. Leave one set out: no set loses in any rotation (benchmarks/heldout.py).
    second_opinion_fragment_words: int = 50
    # Where trafilatura found no container it could use and gathered the page's loose paragraphs instead
    # (headings, lists and tables left out), and the page lines left out hold this many times as much
    # prose as the text kept, the page is extracted again with favor_recall; that text is kept where
    # second_opinion's test accepts it (containment and ratio above, within one <article>/<main>). 0 =
    # never. Chosen leave-one-set-out with the settings above (docs/benchmarks.md).
    loose_text_recall_doubt: float = 0.4
    # On a page that declares itself a Q&A page or a forum thread in schema.org microdata, the text of
    # its declared question and answers, or posts and replies, is the main text; where the text
    # extracted is a fragment, the article body a page declares in JSON-LD replaces it
    # (pipeline/clean/schema_text.py); false leaves such pages to the extractors.
    schema_text: bool = True
    # Formulas whose TeX source the page holds (MathML with an annotation or alttext, MathJax scripts)
    # kept as LaTeX, \(...\) inline and \[...\] on a line of their own (pipeline/clean/formulas.py).
    # Off by default: the dev sets' gold was drawn without formulas, so keeping them scores
    # trafilatura-eval -0.0003 and Mozilla's test pages -0.0005 (a snippet cut around a dropped formula,
    # a gold of MathML text); no other dev page changes. On for a corpus of math and science pages.
    keep_formulas: bool = False

    def __post_init__(self) -> None:
        if self.table_format not in TABLE_FORMATS:
            raise ValueError(f"extract.table_format must be plain or markdown, not {self.table_format!r}")
        if not 0.0 <= self.own_extraction_share <= 1.0:
            share = self.own_extraction_share
            raise ValueError(f"extract.own_extraction_share must be in [0, 1], not {share!r}")
        if not 0.0 <= self.second_opinion_containment <= 1.0:
            containment = self.second_opinion_containment
            raise ValueError(f"extract.second_opinion_containment must be in [0, 1], not {containment!r}")
        if self.second_opinion_doubt < 0 or self.second_opinion_ratio < 1:
            raise ValueError("extract.second_opinion_doubt must be >= 0 and second_opinion_ratio >= 1")
        if self.second_opinion_fragment_words < 0:
            words = self.second_opinion_fragment_words
            raise ValueError(f"extract.second_opinion_fragment_words must be >= 0, not {words!r}")
        if self.loose_text_recall_doubt < 0:
            doubt = self.loose_text_recall_doubt
            raise ValueError(f"extract.loose_text_recall_doubt must be >= 0, not {doubt!r}")


@dataclass(frozen=True, slots=True)
class BoilerplateConfig:
    """Line classification thresholds for plain-text boilerplate removal."""

    # A line with this many words reads as prose whatever its punctuation ...
    good_min_words: int = 10
    # ... and one ending like a sentence needs only this many.
    good_min_words_punct: int = 5
    # This many short lines in a row between prose are a menu or link list, not headings.
    link_list_min_run: int = 3
    # Header/footer zones and link lists apply to plain text; HTML has already been through trafilatura.
    structure_on_html: bool = False
    # Plain-text structure by the learned line classifier (pipeline/clean/lineclass.py) rather than the
    # header/footer/link-list rules: on the dev text dumps bow F1 zyte-aeb 0.889 against 0.758, wcxb-dev
    # 0.796 against 0.769, trafilatura-eval snippets 0.883 against 0.799 (in-sample, the model of commit
    # 4f5b050); the model's out-of-fold scores are in docs/benchmarks.md.
    line_model: bool = True


@dataclass(frozen=True, slots=True)
class OutputConfig:
    """What a clean corpus must contain to be kept."""

    # Documents with fewer characters of body left are rejected as empty_after_cleaning.
    min_body_chars: int = 1
    # Documents with fewer words (letters or digits, as metadata.word_count counts them) are rejected as
    # no_text: a body of punctuation ('"' x 20,000), emoticons or a menu left over ("Home About") is no
    # text. Dev sets (zyte-aeb, wcxb-dev, trafilatura-eval, cleaneval-dev, HTML and text dumps: 3,594
    # cleaned pages): under 3 words 2 pages (wcxb-dev 4181, "...", in both inputs), under 10 words 2 more
    # ("404 : Page Not Found", "Stay ahead in email marketing"); all 4 have empty gold text, and the
    # shortest gold text has 14 words, so no floor up to 14 loses gold text there. 3 is taken, not more:
    # short documents a corpus does want (a one-line review, a short JSONL record) start at 3 words;
    # of ftfy's 161 one-line test strings, 61 have fewer ("İstanbul", "Hi guys 😍"). 0 turns it off.
    min_words: int = 3
    # Part files: "none" (part-00000.jsonl), "gzip" (.jsonl.gz) or "zstd" (.jsonl.zst).
    compression: str = "none"
    # Split a shard's clean output into several parts (part-00000.jsonl, part-00001.jsonl, ...) once a part
    # holds this many records / this many bytes of JSON Lines before compression; 0 means no cap.
    max_part_records: int = 0
    max_part_bytes: int = 0

    def __post_init__(self) -> None:
        if self.compression not in ("none", "gzip", "zstd"):
            raise ValueError(f"output.compression must be none, gzip or zstd, not {self.compression!r}")
        if self.max_part_records < 0 or self.max_part_bytes < 0:
            raise ValueError("output.max_part_records and output.max_part_bytes must be 0 (no cap) or more")
        if self.min_body_chars < 0 or self.min_words < 0:
            raise ValueError("output.min_body_chars and output.min_words must be 0 or more")


@dataclass(frozen=True, slots=True)
class CorpusConfig:
    """Batch-level cleaning: boilerplate learned from repeated lines, and duplicates."""

    # Lines that repeat across a site's documents are removed as learned.repeated_line.
    learn_boilerplate: bool = True
    # Exact and near duplicates get metadata.duplicate_of = the id of the kept copy (the smallest id).
    find_duplicates: bool = True
    # With find_duplicates: send the copies to rejected.jsonl (reason "duplicate") instead of the parts.
    drop_duplicates: bool = False
    # Estimated Jaccard similarity of word 5-gram sets from which two documents are near duplicates.
    near_duplicate_threshold: float = 0.8


@dataclass(frozen=True, slots=True)
class Config:
    """All settings that change the output; their digest names the intermediate files."""

    input: InputConfig = field(default_factory=InputConfig)
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every setting."""
        return dataclasses.asdict(self)

    def digest(self) -> str:
        """Hex digest of the settings, the package's data files, the package version and the versions
        of the libraries that shape the output."""
        payload = json.dumps(
            {
                "config": self.to_dict(),
                "data": data_fingerprint(),
                "version": __version__,
                "libraries": library_versions(),
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    """The installed version of each of ``OUTPUT_LIBRARIES`` ("absent" for one that is not installed)."""
    versions = {}
    for name in OUTPUT_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def _data_files(folder: Path) -> list[Path]:
    """Every file of ``folder``, recursively, that is not code: not Python, not a cache, not hidden."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix not in (".py", ".pyc")
        and not any(part.startswith((".", "__pycache__")) for part in path.relative_to(folder).parts)
    )


@lru_cache(maxsize=1)
def data_fingerprint(folder: Path = PACKAGE_DIR) -> str:
    """Digest of every data file shipped in the package (names and bytes).

    All of them, not a list of the ones a stage reads: a retrained ``lineclass_model.json``, an edited
    lexicon or rule file, or a data file added later, gives new intermediate file names, so stale
    results are never reused.
    """
    digest = hashlib.sha256()
    for path in _data_files(folder):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_SECTIONS = {
    "input": InputConfig,
    "extract": ExtractConfig,
    "boilerplate": BoilerplateConfig,
    "output": OutputConfig,
    "corpus": CorpusConfig,
}


#: TOML value types a setting of each annotated type takes; a float setting also takes an integer.
_TOML_TYPES: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (float, int), str: (str,)}
_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _typed(section: str, cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` checked against the types of ``cls``'s fields (floats made float), or a ValueError."""
    types = typing.get_type_hints(cls)
    typed: dict[str, Any] = {}
    for key, value in values.items():
        wanted = types[key]
        # bool is an int to Python, never a number of files to a user.
        if isinstance(value, bool) != (wanted is bool) or not isinstance(value, _TOML_TYPES[wanted]):
            raise ValueError(
                f"{section}.{key} must be {_TYPE_NAMES[wanted]}, not {value!r} ({type(value).__name__})"
            )
        typed[key] = wanted(value)  # an integer given for a float setting becomes a float
    return typed


def config_from_dict(data: dict[str, Any]) -> Config:
    """Build a :class:`Config` from nested dicts, refusing unknown sections and keys and values of the
    wrong type (each setting's type is its field's annotation); a value out of range is refused by the
    section's own check."""
    sections: dict[str, Any] = {}
    for name, values in data.items():
        if name not in _SECTIONS:
            raise ValueError(f"unknown config section [{name}]")
        if not isinstance(values, dict):
            raise ValueError(f"[{name}] must be a table of settings, not {values!r}")
        cls = _SECTIONS[name]
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown keys in [{name}]: {', '.join(sorted(unknown))}")
        sections[name] = cls(**_typed(name, cls, values))
    return Config(**sections)


def load_config(path: str | Path | None) -> Config:
    """Read settings from a TOML file; ``None`` or an empty path gives the defaults."""
    if not path:
        return Config()
    with open(path, "rb") as handle:
        return config_from_dict(tomllib.load(handle))
