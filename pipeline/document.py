"""The document record that flows through every stage, and its JSON forms."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: What tagging reads from the page and the removal log about a document's origin, in output order.
ORIGIN_KEYS: tuple[str, ...] = (
    "site_name",
    "author",
    "date",
    "source_agency",
    "dateline",
    "categories",
    "tags",
)
#: Keys every clean record's ``metadata`` carries (null when unknown), in output order.
METADATA_KEYS: tuple[str, ...] = (
    *ORIGIN_KEYS,
    "word_count",
    "char_count",
    "content_hash",
    "encoding_fixes",
    "quality",
    "duplicate_of",
)
#: Further keys written on every clean record after those above (null when they do not apply, e.g.
#: ``description`` for plain text, ``warc_date`` outside WARC input), so that every record has the
#: same keys and columnar loaders (pandas, HF datasets, Arrow) see one type per column.
EXTRA_METADATA_KEYS: tuple[str, ...] = ("content_type", "description", "encoding", "warc_date")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a document came from: its path relative to the raw folder, its format and URL."""

    path: str
    format: str | None
    url: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields in order (``dataclasses.asdict`` without its deep copy, which is slow per record)."""
        return {"path": self.path, "format": self.format, "url": self.url}

    @property
    def host(self) -> str:
        """The URL's host without ``www.`` (empty without a URL, or with one that has no readable host)."""
        if not self.url:
            return ""
        try:
            host = urlsplit(self.url).hostname or ""
        except ValueError:  # "http://[oops/": an unclosed IPv6 bracket
            return ""
        return host.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class Removal:
    """One piece of text a stage cut from the body, and the rule that cut it."""

    text: str
    rule: str
    stage: str
    #: Where the text stood in the body: before its ``at``-th line while the body is lines (up to
    #: ``segment_paragraphs``), then before its ``at``-th paragraph (the number of paragraphs: after
    #: the last). None where a stage could not follow it (see :func:`moved_removals`).
    at: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields in order (see :meth:`Source.as_dict`)."""
        return {"text": self.text, "rule": self.rule, "stage": self.stage, "at": self.at}


def moved_removals(removed: Sequence[Removal], new_place: Callable[[int], int] | None) -> tuple[Removal, ...]:
    """``removed`` with each known position ``at`` moved to ``new_place(at)``: a stage that changes the
    body's units (lines squeezed, lines joined into paragraphs) keeps earlier removals in their place.
    ``new_place`` None: the stage cannot say where they now stand."""
    moved = []
    for r in removed:
        at = r.at if r.at is None else new_place(r.at) if new_place else None
        # Built directly: a text dump's page loses some 170 lines, moved by every later stage, and
        # dataclasses.replace takes several times as long as the constructor.
        moved.append(r if at == r.at else Removal(r.text, r.rule, r.stage, at))
    return tuple(moved)


def merged_removals(
    earlier: Sequence[Removal], new_place: Callable[[int], int], cut: Sequence[tuple[int, Removal]]
) -> tuple[Removal, ...]:
    """The removal log after a stage: ``earlier`` (in document order, ``at`` in the stage's input
    units) moved by ``new_place``, with the stage's own ``cut`` among them in document order.

    ``cut`` pairs each removal with the input unit it took out, in input order. What stood before
    unit ``i`` comes before unit ``i`` itself, so a page line the extractor dropped above a line that
    stripping removes stays above it in the log. Earlier removals without a position keep their place.
    """
    moved = moved_removals(earlier, new_place)
    if not cut:
        return moved
    merged: list[Removal] = []
    pending = iter(cut)
    upcoming = next(pending, None)
    for before, after in zip(earlier, moved, strict=True):
        while upcoming is not None and before.at is not None and upcoming[0] < before.at:
            merged.append(upcoming[1])
            upcoming = next(pending, None)
        merged.append(after)
    while upcoming is not None:
        merged.append(upcoming[1])
        upcoming = next(pending, None)
    return tuple(merged)


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a document did not make it into the clean corpus."""

    stage: str
    reason: str
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The fields in order (see :meth:`Source.as_dict`)."""
        return {"stage": self.stage, "reason": self.reason, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Document:
    """A document on its way through the pipeline; stages return a changed copy, never mutate.

    ``text`` is the body as lines until segmentation, then the paragraphs joined by blank lines.
    ``html`` holds the markup of an HTML document until extraction replaces it with ``text``.
    """

    id: str
    source: Source
    text: str = ""
    html: str | None = None
    title: str | None = None
    paragraphs: tuple[str, ...] = ()
    paragraph_types: tuple[str, ...] = ()
    language: str | None = None
    removed: tuple[Removal, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)
    rejection: Rejection | None = None

    @property
    def rejected(self) -> bool:
        """True once a stage has turned the document away."""
        return self.rejection is not None

    def reject(self, stage: str, reason: str, detail: str = "") -> Document:
        """Return a copy marked rejected; the first rejection wins."""
        if self.rejection is not None:
            return self
        return dataclasses.replace(self, rejection=Rejection(stage, reason, detail))

    def with_metadata(self, **values: Any) -> Document:
        """Return a copy with ``values`` merged into ``metadata``."""
        return dataclasses.replace(self, metadata={**self.metadata, **values})

    def with_removed(self, removals: list[Removal] | tuple[Removal, ...]) -> Document:
        """Return a copy with ``removals`` appended to the removal log."""
        if not removals:
            return self
        return dataclasses.replace(self, removed=self.removed + tuple(removals))


def document_to_dict(doc: Document) -> dict[str, Any]:
    """The full internal form of a document, for the files between stages.

    Removals are ``[text, rule, stage]`` arrays here, not the objects of the public record: a text
    dump loses some 170 lines a page and every stage file after ``strip_boilerplate`` carries them
    (2000 text dumps, 332,000 removals: 55 MB a stage file against 62 MB as objects, read back into
    documents in 0.30 CPU-s against 0.44).
    """
    return {
        "id": doc.id,
        "source": doc.source.as_dict(),
        "text": doc.text,
        "html": doc.html,
        "title": doc.title,
        "paragraphs": list(doc.paragraphs),
        "paragraph_types": list(doc.paragraph_types),
        "language": doc.language,
        "removed": [[r.text, r.rule, r.stage, r.at] for r in doc.removed],
        "metadata": dict(doc.metadata),
        "rejection": doc.rejection.as_dict() if doc.rejection else None,
    }


def document_from_dict(data: Mapping[str, Any]) -> Document:
    """Inverse of :func:`document_to_dict`; also reads a public clean record (removals as objects)."""
    rejection = data.get("rejection")
    return Document(
        id=data["id"],
        source=Source(**data["source"]),
        text=data.get("text") or "",
        html=data.get("html"),
        title=data.get("title"),
        paragraphs=tuple(data.get("paragraphs") or ()),
        paragraph_types=tuple(data.get("paragraph_types") or ()),
        language=data.get("language"),
        removed=tuple(
            Removal(*r) if isinstance(r, list) else Removal(**r) for r in data.get("removed") or ()
        ),
        metadata=dict(data.get("metadata") or {}),
        rejection=Rejection(**rejection) if rejection else None,
    )


def dumps(data: Mapping[str, Any]) -> str:
    """One JSON line: UTF-8 text, no ASCII escaping, stable separators."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def clean_record(doc: Document) -> dict[str, Any]:
    """The public form of a clean document, keys in the documented order."""
    metadata = {key: doc.metadata.get(key) for key in METADATA_KEYS}
    extra_keys = sorted((set(EXTRA_METADATA_KEYS) | set(doc.metadata)) - set(metadata))
    extra = {key: doc.metadata.get(key) for key in extra_keys}
    return {
        "id": doc.id,
        "text": doc.text,
        "paragraphs": list(doc.paragraphs),
        "paragraph_types": list(doc.paragraph_types),
        "title": doc.title,
        "language": doc.language,
        "source": doc.source.as_dict(),
        "removed": [r.as_dict() for r in doc.removed],
        "metadata": {**metadata, **extra},
    }


def reject_record(doc: Document) -> dict[str, Any]:
    """The public form of a rejected document for ``rejected.jsonl``."""
    assert doc.rejection is not None
    return {
        "id": doc.id,
        "source": doc.source.as_dict(),
        "stage": doc.rejection.stage,
        "reason": doc.rejection.reason,
        "detail": doc.rejection.detail,
    }
