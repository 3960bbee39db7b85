"""One document as a reader checks it: metadata, then the body with every removed line in its place.

Each removal of a clean record says where it stood: ``at``, the index of the kept paragraph it came
before (the number of paragraphs: after the last). The stages keep that place as the body changes
from page lines to extracted lines to paragraphs (:func:`pipeline.document.moved_removals`), so the
body is rebuilt from the record alone. Removals at the same place are shown in the order recorded.

An output written before records held ``at`` is rebuilt from the run's intermediate files instead,
where they were kept (``run --keep-stages``), which say the text each stage was given, line by line:

- ``strip_boilerplate`` removals: the extracted text's lines are exactly the kept lines and the
  removed lines interleaved; an alignment finds which is which (the kept lines are the stage's output).
- ``extract_text`` removals (HTML): the page's visible lines in order, each either removed or found
  again in the extracted text, which anchors the removed ones between extracted lines.
- A removed line always broke a paragraph (it became a blank line), so its place among the final
  paragraphs follows from re-splitting the kept lines between removals
  (``segment_paragraphs.split_paragraphs``).

A rejected document is shown from the last stage file, where kept. Without either, positions are not
known: title and header lines are shown first, the other removals after the body, and the output says so.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.clean import extract_text, strip_boilerplate
from pipeline.clean.chain import STAGES, stage_before
from pipeline.clean.segment_paragraphs import split_paragraphs
from pipeline.document import ORIGIN_KEYS, Document, Removal, document_from_dict
from pipeline.rules.ids import HEADER_ZONE, TITLE_HEADING, TITLE_REPEAT
from pipeline.tools.output import iter_clean, iter_rejects, part_origin, read_manifest, stage_document

# Rules whose lines stand above the body, for the fallback when positions are unknown.
_TOP_RULES = frozenset({TITLE_HEADING, TITLE_REPEAT, HEADER_ZONE})


class UnknownDocument(LookupError):
    """No clean record and no reject has this id."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the rebuilt body: a kept paragraph (``rule`` None) or a removed line."""

    text: str
    rule: str | None = None
    stage: str | None = None
    kind: str = "paragraph"


@dataclass(frozen=True, slots=True)
class Inspection:
    """A document found in an output folder, with its body rebuilt."""

    doc_id: str
    status: str  # "clean" or "rejected"
    where: str  # the part file, or the rejects file
    record: dict[str, Any]
    entries: tuple[Entry, ...]
    exact: bool  # positions of removed lines come from the run's intermediate files
    note: str = ""


def align_kept_and_removed(
    lines: Sequence[str], kept: Sequence[str], removed: Sequence[str]
) -> list[bool] | None:
    """For each non-blank input line, True if it is one of ``removed`` (in order), False if kept.

    ``kept`` are the stage's output lines (right-stripped), ``removed`` the removed lines' text
    (stripped). Identical lines can get different verdicts (a short line in the header zone is cut,
    the same line mid-body is kept), so this is an alignment, not a look-up. None if none exists.
    """
    history: list[dict[int, tuple[int, bool]]] = []
    states: dict[int, tuple[int, bool]] = {0: (0, False)}
    for t, line in enumerate(lines):
        step: dict[int, tuple[int, bool]] = {}
        for r in states:
            k = t - r
            if k < len(kept) and line.rstrip() == kept[k] and r not in step:
                step[r] = (r, False)
            if r < len(removed) and line.strip() == removed[r] and r + 1 not in step:
                step[r + 1] = (r, True)
        if not step:
            return None
        history.append(step)
        states = step
    if len(removed) not in states or len(lines) - len(removed) != len(kept):
        return None
    verdicts: list[bool] = []
    r = len(removed)
    for step in reversed(history):
        r, was_removed = step[r]
        verdicts.append(was_removed)
    return verdicts[::-1]


def _page_lines(html: str) -> list[str]:
    tree = extract_text.parse_page(html)
    return extract_text.page_lines(tree) if tree is not None else []


def _anchor_extract_removals(
    html: str, extracted: Sequence[str], removed: Sequence[Removal]
) -> list[int] | None:
    """For each extraction removal, the index of the extracted line it follows (-1: before all)."""
    norm = [extract_text.norm_line(line) for line in extracted]
    anchors: list[int] = []
    anchor, cursor, r = -1, 0, 0
    for line in _page_lines(html):
        if r < len(removed) and line == removed[r].text:
            anchors.append(anchor)
            r += 1
            continue
        for j in range(cursor, len(norm)):
            if norm[j] == line:
                anchor, cursor = j, j + 1
                break
    return anchors if r == len(removed) else None


def _entries_from_tokens(tokens: Iterable[tuple[str, Any]], doc: Document) -> list[Entry] | None:
    paragraphs = list(doc.paragraphs)
    types = list(doc.paragraph_types) or ["paragraph"] * len(paragraphs)
    entries: list[Entry] = []
    used = 0
    block: list[tuple[str, Any]] = []

    def removal(r: Removal) -> Entry:
        return Entry(r.text, r.rule, r.stage, "removed")

    def flush() -> bool:
        nonlocal used, block
        lines = [v for k, v in block if k == "line"]
        count = len(split_paragraphs("\n".join(lines))) if lines else 0
        if used + count > len(paragraphs):
            return False
        if count == len(lines):  # one paragraph per line: page removals fit between them exactly
            for kind, value in block:
                if kind == "line":
                    entries.append(Entry(paragraphs[used], kind=types[used]))
                    used += 1
                else:
                    entries.append(removal(value))
        else:  # re-joined hard-wrapped lines: the paragraph, then what the page dropped inside it
            for n in range(count):
                entries.append(Entry(paragraphs[used + n], kind=types[used + n]))
            used += count
            entries.extend(removal(v) for k, v in block if k == "page")
        block = []
        return True

    for kind, value in tokens:
        if kind == "line" and value.strip():
            block.append((kind, value))
        elif kind == "page":
            block.append((kind, value))
        else:
            if not flush():
                return None
            if kind == "cut":
                entries.append(removal(value))
    if not flush() or used != len(paragraphs):
        return None
    return entries


def fallback_body(doc: Document) -> list[Entry]:
    """Positions unknown: title and header removals first, the paragraphs, then every other removal."""
    top = [r for r in doc.removed if r.rule in _TOP_RULES]
    rest = [r for r in doc.removed if r.rule not in _TOP_RULES]
    types = list(doc.paragraph_types) or ["paragraph"] * len(doc.paragraphs)
    return [
        *(Entry(r.text, r.rule, r.stage, "removed") for r in top),
        *(Entry(p, kind=t) for p, t in zip(doc.paragraphs, types, strict=False)),
        *(Entry(r.text, r.rule, r.stage, "removed") for r in rest),
    ]


def _rebuild_from_stages(out: str, shard: int, digest: str, doc: Document) -> list[Entry] | None:
    before_strip = stage_document(out, stage_before(strip_boilerplate.STAGE), shard, digest, doc.id)
    after_strip = stage_document(out, strip_boilerplate.STAGE, shard, digest, doc.id)
    if before_strip is None or after_strip is None:
        return None
    html = None
    if any(r.stage == extract_text.STAGE for r in doc.removed):
        raw = stage_document(out, stage_before(extract_text.STAGE), shard, digest, doc.id)
        html = raw.html if raw is not None else None
    lines = before_strip.text.split("\n")
    kept = [line.rstrip() for line in after_strip.text.split("\n") if line.strip()]
    cut = [r.text for r in doc.removed if r.stage == strip_boilerplate.STAGE]
    nonblank = [line for line in lines if line.strip()]
    verdicts = align_kept_and_removed(nonblank, kept, cut)
    if verdicts is None:
        return None
    flags = iter(verdicts)
    cut_flags = [bool(line.strip()) and next(flags) for line in lines]
    return rebuild_body(doc, lines, cut_flags, html)


def rebuild_body(
    doc: Document, lines: list[str], cut_flags: list[bool], html: str | None
) -> list[Entry] | None:
    """The final paragraphs with every removal in its place, or None when the pieces do not fit together.

    ``lines`` is the body as ``strip_boilerplate`` received it, ``cut_flags`` which of them it removed,
    ``html`` the page as ``extract_text`` received it (None for plain text).
    """
    extract_removed = [r for r in doc.removed if r.stage == extract_text.STAGE]
    strip_removed = [r for r in doc.removed if r.stage == strip_boilerplate.STAGE]
    if len(extract_removed) + len(strip_removed) != len(doc.removed):
        return None
    anchors: list[int] = []
    if extract_removed:
        found = _anchor_extract_removals(html, lines, extract_removed) if html else None
        if found is None:
            return None
        anchors = found
    tokens: list[tuple[str, Any]] = [
        ("page", r) for r, a in zip(extract_removed, anchors, strict=True) if a < 0
    ]
    strip_iter = iter(strip_removed)
    for i, line in enumerate(lines):
        tokens.append(("cut", next(strip_iter)) if cut_flags[i] else ("line", line))
        tokens += [("page", r) for r, a in zip(extract_removed, anchors, strict=True) if a == i]
    return _entries_from_tokens(tokens, doc)


def placed_body(doc: Document) -> list[Entry] | None:
    """The paragraphs with every removal before the paragraph its record says it stood before (ties in
    the order recorded), or None when a removal's place is not recorded."""
    if any(r.at is None for r in doc.removed):
        return None
    types = list(doc.paragraph_types) or ["paragraph"] * len(doc.paragraphs)
    slots: list[list[Entry]] = [[] for _ in range(len(doc.paragraphs) + 1)]
    for r in doc.removed:
        assert r.at is not None
        slots[min(max(r.at, 0), len(doc.paragraphs))].append(Entry(r.text, r.rule, r.stage, "removed"))
    entries: list[Entry] = []
    for index, paragraph in enumerate(doc.paragraphs):
        entries += slots[index]
        entries.append(Entry(paragraph, kind=types[index]))
    return entries + slots[-1]


def inspect_clean(out_dir: str | Path, part: str, record: dict[str, Any]) -> Inspection:
    """Rebuild the body of a clean record found in ``part`` of ``out_dir``: from the places its
    removals record, or (an output written before they did) from the run's kept stage files."""
    out = os.fspath(out_dir)
    doc = document_from_dict(record)
    entries = placed_body(doc)
    if entries is None:
        origin = part_origin(out, part)
        entries = _rebuild_from_stages(out, *origin, doc) if origin is not None else None
    if entries is not None:
        return Inspection(doc.id, "clean", part, record, tuple(entries), True)
    note = (
        "removed lines out of place: the record does not say where they stood, and the run's"
        " intermediate files (_stages) are missing or do not match"
    )
    return Inspection(doc.id, "clean", part, record, tuple(fallback_body(doc)), False, note)


def inspect_document(out_dir: str | Path, doc_id: str) -> Inspection:
    """Find ``doc_id`` among the clean records or the rejects of ``out_dir`` and rebuild its body."""
    out = os.fspath(out_dir)
    manifest = read_manifest(out)
    for part, record in iter_clean(out, manifest):
        if record.get("id") == doc_id:
            return inspect_clean(out, part, record)
    for record in iter_rejects(out, manifest):
        if record.get("id") != doc_id:
            continue
        body, exact = _rejected_body(out, manifest, doc_id)
        where = manifest.get("rejected", "rejected.jsonl")
        return Inspection(doc_id, "rejected", where, record, body, exact)
    raise UnknownDocument(doc_id)


def _rejected_body(out: str, manifest: dict[str, Any], doc_id: str) -> tuple[tuple[Entry, ...], bool]:
    """What a rejected document still had when it was turned away, from the last stage file."""
    for part in manifest.get("parts", []):
        origin = part_origin(out, part)
        if origin is None:
            continue
        shard, digest = origin
        doc = stage_document(out, STAGES[-1], shard, digest, doc_id)
        if doc is None:
            continue
        if not doc.paragraphs and doc.text:
            doc = Document(doc.id, doc.source, paragraphs=(doc.text,), removed=doc.removed)
        entries = _rebuild_from_stages(out, shard, digest, doc)
        if entries is not None:
            return tuple(entries), True
        return tuple(fallback_body(doc)), False
    return (), False


def _short(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def format_inspection(found: Inspection, width: int = 100) -> str:
    """The inspection as text: a header of metadata, then the body, removed lines marked with their rule."""
    record = found.record
    source = record.get("source") or {}
    out: list[str] = [f"id        {found.doc_id}"]
    out.append(
        f"source    {source.get('path')} ({source.get('format')})"
        + (f" {source['url']}" if source.get("url") else "")
    )
    if found.status == "rejected":
        out.append(
            f"status    REJECTED at {record.get('stage')}: {record.get('reason')}"
            + (f" ({record['detail']})" if record.get("detail") else "")
        )
        out.append(f"in        {found.where}")
    else:
        meta = record.get("metadata") or {}
        out.append(f"status    clean, in {found.where}")
        out.append(f"title     {_short(record.get('title'))}")
        out.append(f"language  {_short(record.get('language'))}")
        for key in (*ORIGIN_KEYS, "duplicate_of"):
            if meta.get(key) not in (None, [], ""):
                out.append(f"{key:<9} {_short(meta.get(key))}")
        out.append(f"size      {meta.get('word_count', 0)} words, {meta.get('char_count', 0)} characters")
        if meta.get("encoding_fixes"):
            out.append(f"fixes     {_short(meta.get('encoding_fixes'))}")
        quality = meta.get("quality") or {}
        if quality:
            shown = ", ".join(f"{k}={v}" for k, v in quality.items() if v is not None)
            out.append(f"quality   {shown}")
    removed = [e for e in found.entries if e.rule]
    if found.entries or found.status == "clean":
        chars = sum(len(e.text) for e in removed)
        out.append(f"removed   {len(removed)} lines, {chars} characters")
        out.append("")
        if found.note:
            out.append(f"({found.note})")
        for entry in found.entries:
            if entry.rule:
                out.append(f"  - [{entry.rule}] {entry.text}")
            else:
                prefix = "# " if entry.kind == "heading" else ""
                out.append(f"  {prefix}{entry.text}")
    return "\n".join(out)
