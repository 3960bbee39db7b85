"""The chain of pure stages, in order, and ``clean_document`` to run them all without Luigi."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

from pipeline.clean.extract_text import extract_text, warm_up
from pipeline.clean.formats import CONTENT_TYPES, RawItem, read_items, split_name
from pipeline.clean.guard import DocumentTooBig, memory_limit
from pipeline.clean.lineclass import load_model
from pipeline.clean.repair_encoding import decode_item, fix_text_explained, repair_encoding
from pipeline.clean.segment_paragraphs import segment_paragraphs
from pipeline.clean.strip_boilerplate import strip_boilerplate
from pipeline.clean.tag_metadata import detect_language, tag_metadata
from pipeline.config import Config, ExtractConfig
from pipeline.corpus.learn_boilerplate import learned_for
from pipeline.document import Document, Rejection, Source
from pipeline.rules import load_rules
from pipeline.text import count_words

StageFn = Callable[[Document], Document]

#: Stage names in the order the Luigi DAG runs them.
STAGE_NAMES: tuple[str, ...] = (
    "repair_encoding",
    "extract_text",
    "strip_boilerplate",
    "segment_paragraphs",
    "tag_metadata",
)


def require_body(doc: Document, min_chars: int, min_words: int = 0) -> Document:
    """Reject a document whose cleaned body is shorter than ``min_chars`` characters
    (``empty_after_cleaning``) or has fewer than ``min_words`` words (``no_text``)."""
    if doc.rejected:
        return doc
    if len(doc.text.strip()) < min_chars:
        return doc.reject(
            "segment_paragraphs", "empty_after_cleaning", f"{len(doc.text.strip())} characters left"
        )
    words = count_words(doc.text) if min_words else 0
    if words < min_words:
        return doc.reject("segment_paragraphs", "no_text", f"{words} words left, fewer than {min_words}")
    return doc


def repair_unless_html(doc: Document) -> Document:
    """The ``repair_encoding`` stage: plain text is repaired here, HTML after its extraction.

    Markup is decoded (BOM, charset, detector) before extraction as before, but ftfy's repair runs on
    the extracted text, a tenth of the markup's size: on markup it cost a fifth of the pipeline's time,
    most of it on lines that only needed "\r\n" made "\n", which the HTML parser does anyway.
    """
    return doc if doc.html is not None else repair_encoding(doc)


def extract_then_repair(doc: Document, cfg: ExtractConfig) -> Document:
    """The ``extract_text`` stage: an HTML document's main text, then its mojibake repair.

    The title and the page lines extraction dropped get the same repair, so that they still match
    the repaired text (title repeats, ``inspect``).
    """
    if doc.html is None or doc.rejected:
        return extract_text(doc, cfg)
    doc = repair_encoding(extract_text(doc, cfg))
    if doc.rejected or not doc.metadata.get("encoding_fixes"):
        return doc
    title = fix_text_explained(doc.title)[0] if doc.title else doc.title
    removed = tuple(dataclasses.replace(r, text=fix_text_explained(r.text)[0]) for r in doc.removed)
    return dataclasses.replace(doc, title=title, removed=removed)


def stage_functions(
    config: Config, learned: Mapping[str, frozenset[str]] | None = None
) -> dict[str, StageFn]:
    """Each stage name bound to its pure function and the settings it needs.

    ``learned`` is the batch's learned boilerplate (``{site: line keys}``); without it only the
    catalogue and the document's own structure decide.
    """
    rules = load_rules()

    def strip(doc: Document) -> Document:
        keys = learned_for(doc, learned) if learned else frozenset()
        return strip_boilerplate(doc, rules=rules, cfg=config.boilerplate, learned=keys)

    def segment(doc: Document) -> Document:
        return require_body(segment_paragraphs(doc), config.output.min_body_chars, config.output.min_words)

    budget = config.input.max_document_memory_mb * 1024 * 1024

    def extract(doc: Document) -> Document:
        if doc.html is not None:
            # Once per process, outside the page's budget: loading the date parser's locales is not the
            # page's cost, and failing an allocation there crashed the interpreter instead of the page.
            warm_up()
        try:
            with memory_limit(budget if doc.html is not None else 0):
                return extract_then_repair(doc, cfg=config.extract)
        except DocumentTooBig:
            return doc.reject("extract_text", "out_of_memory", f"needed more than {budget >> 20} MB")

    return {
        "repair_encoding": repair_unless_html,
        "extract_text": extract,
        "strip_boilerplate": strip,
        "segment_paragraphs": segment,
        "tag_metadata": tag_metadata,
    }


def preload_models(html: bool = True) -> None:
    """Load the stages' lazily loaded data now: date-parser locales, language model, line model, rules.

    Luigi runs each task of a multi-worker run in a process forked from the scheduling one; loading
    here, before the build, lets every task process inherit the data instead of loading its own
    copy (5-15 s per task on a busy 2-core machine, paid once per shard; docs/benchmarks.md).
    The date parser is only for HTML: a batch of plain text skips its 3-4 s warm-up.
    """
    # The language model is mostly LZMA decompression, which releases the GIL: it loads in a thread
    # while this one loads the rest (start-up of a text run 0.73-0.92 s -> 0.61-0.66 s for the three,
    # busy machine). The thread has ended before Luigi forks anything.
    language = threading.Thread(target=detect_language, args=("a few words to load the language model",))
    language.start()
    if html:
        warm_up()
    load_model()
    load_rules()
    language.join()


def _path_qualified_id(item: RawItem, path: str, taken: AbstractSet[str]) -> str:
    """An id for an input whose own id is taken: its file's path, extensions and all, in place of the
    file's id (``a.txt.gz``, ``x.warc.gz/urn:uuid:...``), numbered on (``#2``, ...) if that is taken too.

    A path is unique among files, so this differs from the id the kept input has (and from every
    other id unless another input is named after this file's whole path, ``a.txt.gz.txt``).
    """
    file_id = split_name(path)[0]
    base = path + item.id[len(file_id) :] if item.id.startswith(file_id) else f"{path}/{item.id}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}#{number}"
    return candidate


def load_documents(raw_dir: str | Path, paths: Iterable[str], config: Config) -> Iterator[Document]:
    """Decoded documents (or rejects) for the given input files, in order; a repeated id is a reject.

    The repeated input keeps no id of another record (every output id is unique, so an output folder
    passes ``verify``): it is rejected as ``duplicate_id`` under its path-qualified id, and the detail
    names the source that has the id.
    """
    seen: dict[str, str] = {}  # the inputs' own ids -> the source path that has each
    given: set[str] = set()  # every id given out, path-qualified ones included
    for path in paths:
        for item in read_items(raw_dir, path, config.input.max_document_bytes):
            if item.id in seen:
                detail = f"{item.source.path} gives the id {item.id!r}, which {seen[item.id]} already has"
                rejection = Rejection("read", "duplicate_id", detail)
                own_id = _path_qualified_id(item, path, given)
                item = dataclasses.replace(item, id=own_id, data=b"", rejection=rejection)
            else:
                seen[item.id] = item.source.path
            given.add(item.id)
            doc = decode_item(item)
            yield doc.with_metadata(**item.metadata) if item.metadata else doc


def clean_document(
    content: str | bytes,
    *,
    doc_id: str = "document",
    format: str = "text",
    url: str | None = None,
    config: Config | None = None,
) -> Document:
    """Run every stage on one document given as text or bytes (``format`` is ``text`` or ``html``).

    Raises ``ValueError`` for any other ``format``.
    """
    if format not in CONTENT_TYPES:
        raise ValueError(f"format must be one of {', '.join(CONTENT_TYPES)}, not {format!r}")
    config = config or Config()
    data = content.encode("utf-8") if isinstance(content, str) else content
    declared = "utf-8" if isinstance(content, str) else None
    item = RawItem(doc_id, Source(path=doc_id, format=format, url=url), data, format, declared)
    doc = decode_item(item)
    for fn in stage_functions(config).values():
        doc = fn(doc)
    return doc
