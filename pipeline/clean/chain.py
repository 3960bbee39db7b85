"""The per-document chain: every stage in the order it runs, and ``clean_document`` to run them all
without Luigi.

A stage is a module of this package named for what it does; its name (``STAGE``, the module's own
name) is what rejects and removals record, what the Luigi task of the stage is called after
(``strip_boilerplate`` -> ``StripBoilerplate``) and what names its files under ``OUT/_stages``.
:data:`STAGES` is the one place that orders them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from pipeline.clean import (
    extract_text,
    read_documents,
    repair_encoding,
    segment_paragraphs,
    strip_boilerplate,
    tag_metadata,
)
from pipeline.clean.language import detect_language
from pipeline.clean.lineclass import load_model
from pipeline.clean.readers import CONTENT_TYPES, RawItem
from pipeline.config import Config
from pipeline.corpus.learn_boilerplate import learned_for
from pipeline.document import Document, Source
from pipeline.rules import load_rules

StageFn = Callable[[Document], Document]

#: Every stage, in the order the chain runs them. The first reads raw files into documents; each
#: later one maps one document to one (:func:`stage_functions`).
STAGES: tuple[str, ...] = (
    read_documents.STAGE,
    extract_text.STAGE,
    repair_encoding.STAGE,
    strip_boilerplate.STAGE,
    segment_paragraphs.STAGE,
    tag_metadata.STAGE,
)


def stage_before(stage: str) -> str:
    """The stage whose output ``stage`` reads."""
    return STAGES[STAGES.index(stage) - 1]


def stage_functions(
    config: Config, learned: Mapping[str, frozenset[str]] | None = None
) -> dict[str, StageFn]:
    """Each stage after reading, in order, bound to its pure function and the settings it needs.

    ``learned`` is the batch's learned boilerplate (``{site: line keys}``); without it only the
    catalogue and the document's own structure decide.
    """
    rules = load_rules()
    budget = config.input.max_document_memory_mb * 1024 * 1024

    def extract(doc: Document) -> Document:
        return extract_text.extract_text_within(doc, config.extract, budget)

    def strip(doc: Document) -> Document:
        keys = learned_for(doc, learned) if learned else frozenset()
        return strip_boilerplate.strip_boilerplate(doc, rules=rules, cfg=config.boilerplate, learned=keys)

    def segment(doc: Document) -> Document:
        output = config.output
        return segment_paragraphs.require_body(
            segment_paragraphs.segment_paragraphs(doc), output.min_body_chars, output.min_words
        )

    return {
        extract_text.STAGE: extract,
        repair_encoding.STAGE: repair_encoding.repair_encoding,
        strip_boilerplate.STAGE: strip,
        segment_paragraphs.STAGE: segment,
        tag_metadata.STAGE: tag_metadata.tag_metadata,
    }


def preload_models() -> None:
    """Load the stages' lazily loaded data now: language model, line model, rules.

    Luigi runs each task of a multi-worker run in a process forked from the scheduling one; loading
    here, before the build, lets every task process inherit the data instead of loading its own
    copy (5-15 s per task on a busy 2-core machine, paid once per shard).
    """
    # The language model is mostly LZMA decompression, which releases the GIL: it loads in a thread
    # while this one loads the rest (the three in 0.61-0.66 s of a text run's start-up, against 0.73-0.92 s
    # one after another, busy machine). The thread has ended before Luigi forks anything.
    language = threading.Thread(
        target=detect_language, args=("a few words to load the language model",)
    )
    language.start()
    load_model()
    load_rules()
    language.join()


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
    doc = read_documents.decode_item(item)
    for fn in stage_functions(config).values():
        doc = fn(doc)
    return doc
