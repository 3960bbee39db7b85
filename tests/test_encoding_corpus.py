"""Round trips over real text: every classic corruption comes back byte-identical, clean text is untouched.

Texts: the seeds, and a small sample of the dev eval sets' gold texts and textdumps (read from
``../shared/eval``; without it only the seeds run), each cut to its first ``SAMPLE_CHARS`` characters at
a line end so the module stays fast. Each text is corrupted the ways web text gets corrupted, written as
bytes, and run through our encoding stage (``decode_item`` then ``repair_encoding``). Cases that cannot be
reversed exactly are listed with their reason in ``tests/cases/encoding_known_failures.json`` and run
as strict xfails, so a fix (or a new failure) shows up.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252 for building mojibake
import pytest

from pipeline.clean.read_documents import decode_item
from pipeline.clean.readers import RawItem
from pipeline.clean.repair_encoding import repair_encoding
from pipeline.document import Source

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
KNOWN_FAILURES = Path(__file__).parent / "cases" / "encoding_known_failures.json"
# Long enough for several paragraphs of mixed punctuation, short enough for ~200 cases in a few seconds.
SAMPLE_CHARS = 3000
# Per eval set and kind (gold text, textdump): the first few pages by id.
PAGES_PER_KIND = 3


def _cut(text: str) -> str:
    if len(text) <= SAMPLE_CHARS:
        return text
    end = text.rfind("\n", 0, SAMPLE_CHARS)
    return text[: end + 1 if end > 0 else SAMPLE_CHARS]


def _corpus() -> dict[str, str]:
    texts = {f"seed/{p.stem[:3]}": _cut(p.read_text("utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))}
    if not EVAL.is_dir():
        return texts
    for set_dir in sorted(p for p in EVAL.iterdir() if (p / "gold.jsonl").is_file()):
        golds = [json.loads(line) for line in (set_dir / "gold.jsonl").read_text("utf-8").splitlines()]
        golds = sorted((g for g in golds if g.get("text")), key=lambda g: str(g["id"]))
        for n, gold in enumerate(golds[:PAGES_PER_KIND]):
            texts[f"{set_dir.name}/gold/{n}"] = _cut(gold["text"])
        dumps = sorted((set_dir / "textdump").glob("*.txt"))[:PAGES_PER_KIND]
        for n, dump in enumerate(dumps):
            texts[f"{set_dir.name}/textdump/{n}"] = _cut(dump.read_text("utf-8"))
    return texts


def _cp1252_mojibake(text: str) -> str:
    return text.encode("utf-8").decode("sloppy-windows-1252")


def _c1_controls(text: str) -> str:
    """Windows-1252 bytes read as Latin-1: curly quotes, dashes, € become C1 control characters."""
    out = []
    for ch in text:
        try:
            out.append(ch.encode("cp1252").decode("latin-1"))
        except UnicodeEncodeError:
            out.append(ch)
    return "".join(out)


def _stray_bom(text: str) -> bytes:
    """A BOM at the start and one glued in after the first line (concatenated files)."""
    first, newline, rest = text.partition("\n")
    return codecs.BOM_UTF8 + (first + newline + "\ufeff" + rest).encode("utf-8")


CORRUPTIONS: dict[str, Callable[[str], bytes]] = {
    "utf8_as_cp1252": lambda t: _cp1252_mojibake(t).encode("utf-8"),
    "utf8_as_latin1": lambda t: t.encode("utf-8").decode("latin-1").encode("utf-8"),
    "double_encoded": lambda t: _cp1252_mojibake(_cp1252_mojibake(t)).encode("utf-8"),
    "html_entities": lambda t: t.encode("ascii", "xmlcharrefreplace"),
    "c1_controls": lambda t: _c1_controls(t).encode("utf-8"),
    "nbsp_mojibake": lambda t: _cp1252_mojibake(t).replace("\xa0", " ").encode("utf-8"),
    "stray_bom": _stray_bom,
}
TEXTS = _corpus()
_KNOWN = {(k["text"], k["corruption"]): k["reason"] for k in json.loads(KNOWN_FAILURES.read_text("utf-8"))}


def _through_stage(data: bytes) -> str:
    doc = repair_encoding(decode_item(RawItem("t", Source("t.txt", "text"), data, "text")))
    assert doc.rejection is None, doc.rejection
    return doc.text


def _cases(corruptions: list[str]) -> list[object]:
    cases: list[object] = []
    for name in TEXTS:
        for corruption in corruptions:
            reason = _KNOWN.get((name, corruption))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(name, corruption, marks=marks, id=f"{name}-{corruption}"))
    return cases


@pytest.mark.parametrize(("name", "corruption"), _cases(["clean"]))
def test_clean_text_passes_byte_identical(name: str, corruption: str) -> None:
    assert _through_stage(TEXTS[name].encode("utf-8")) == TEXTS[name]


@pytest.mark.parametrize(("name", "corruption"), _cases(list(CORRUPTIONS)))
def test_corruption_is_reversed_exactly(name: str, corruption: str) -> None:
    assert _through_stage(CORRUPTIONS[corruption](TEXTS[name])) == TEXTS[name]


def test_known_failures_name_real_cases() -> None:
    """Every listed failure is a case of this corpus (or needs the eval sets, which are absent)."""
    for name, corruption in _KNOWN:
        assert corruption in CORRUPTIONS or corruption == "clean"
        assert name in TEXTS or (not EVAL.is_dir() and not name.startswith("seed/"))
