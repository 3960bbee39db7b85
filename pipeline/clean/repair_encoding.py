"""Mojibake and control characters repaired by ftfy, every repair recorded.

:func:`repair_encoding` runs ftfy the way ``ftfy.fix_text`` does (segment by segment, the same sticky
"auto" HTML-entity switch) and lists every repair it really made in ``metadata.encoding_fixes``. It
runs on a document's text after extraction: on an HTML page's extracted text (a tenth of its markup)
rather than on the markup, where most of ftfy's work was turning "\r\n" into "\n", which the HTML
parser does anyway. Segments that :mod:`pipeline.clean.ftfy_check` clears skip ftfy; one pass equals
``ftfy.fix_text``, and passes repeat while a repair exposes more mojibake.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import ftfy
import ftfy.chardata

from pipeline.clean.ftfy_check import FTFY_CONFIG, unchanged_by_ftfy
from pipeline.document import Document, moved_removals

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module

# Repairs repeat until nothing changes, at most this often.
MAX_REPAIR_PASSES = 4


def _segments(text: str) -> Iterator[str]:
    """Segments as ``ftfy.fix_text`` cuts them: lines with their "\\n", at most max_decode_length long."""
    limit = FTFY_CONFIG.max_decode_length
    start = 0
    while start < len(text):
        end = text.find("\n", start) + 1 or len(text)
        end = min(end, start + limit)
        yield text[start:end]
        start = end


def fix_text_explained(text: str) -> tuple[str, list[str]]:
    """ftfy over ``text`` segment by segment, as ``ftfy.fix_text`` does; the text and the repairs made.

    Output equals ``ftfy.fix_text(text, FTFY_CONFIG)``; segments the pre-check clears skip ftfy.
    """
    if len(text) <= FTFY_CONFIG.max_decode_length:
        # Entities only matter before the line holding the first "<" (ftfy's "auto" switch is sticky).
        first_lt = text.find("<")
        entity_end = len(text) if first_lt == -1 else text.rfind("\n", 0, first_lt) + 1
        if unchanged_by_ftfy(text, unescape_html=False) and not ftfy.chardata.HTML_ENTITY_RE.search(
            text, 0, entity_end
        ):
            return text, []
    fixes: list[str] = []
    out: list[str] = []
    config = FTFY_CONFIG
    for segment in _segments(text):
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if unchanged_by_ftfy(segment, unescape_html=bool(config.unescape_html)):
            out.append(segment)
            continue
        fixed, steps = ftfy.fix_and_explain(segment, config)
        out.append(fixed)
        for step in steps or ():
            name = f"{step.action}:{step.parameter}"
            if name not in fixes:
                fixes.append(name)
    return "".join(out), fixes


def repair_encoding(doc: Document) -> Document:
    """Repair mojibake and control characters in a document's text (or markup), recording each fix.

    When the text needed a repair, the title and the removed lines get one pass too: an extracted page's
    title and the page lines extraction dropped come from the same mojibake, and must still match the
    repaired text (title repeats in ``strip_boilerplate``, positions in ``inspect``).
    """
    if doc.rejected:
        return doc
    changes: dict[str, Any] = {}
    fixes: list[str] = list(doc.metadata.get("encoding_fixes") or [])
    for name in ("text", "html"):
        value = getattr(doc, name)
        if not value:
            continue
        fixed, made = value, list[str]()
        # ftfy is not idempotent on some garbage (a repair can expose new mojibake); repeat to a fixpoint.
        for _ in range(MAX_REPAIR_PASSES):
            again, more = fix_text_explained(fixed)
            if again == fixed:
                break
            fixed = again
            made.extend(f for f in more if f not in made)
        if fixed != value:
            changes[name] = fixed
            fixes.extend(f for f in made if f not in fixes)
    if not changes:
        return doc.with_metadata(encoding_fixes=fixes)
    title = fix_text_explained(doc.title)[0] if doc.title else doc.title
    removed = tuple(dataclasses.replace(r, text=fix_text_explained(r.text)[0]) for r in doc.removed)
    if "text" in changes and changes["text"].count("\n") != doc.text.count("\n"):
        # ftfy made line breaks of other separators (U+2028, a lone CR): the lines the removals stood
        # between are not the same lines any more.
        removed = moved_removals(removed, None)
    repaired = dataclasses.replace(doc, **changes, title=title, removed=removed)
    return repaired.with_metadata(encoding_fixes=fixes)

