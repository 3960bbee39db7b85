"""What an output folder holds, in numbers: counts, rejects, removals by rule, languages, lengths, signals.

Reads only the published output (``manifest.json``, the part files, ``rejected.jsonl``) through
:mod:`pipeline.tools.output`, in one pass, so it works on any finished folder, including one copied away
from its intermediate files.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.tools.output import iter_clean, iter_rejects, read_manifest


def removed_chars(record: dict[str, Any]) -> int:
    """Characters a clean record lost to removals (the removed lines' text)."""
    return sum(len(r["text"]) for r in record.get("removed") or ())


@dataclass
class CorpusStats:
    """Everything counted in one pass over an output folder; ``headline()`` is the short form."""

    input: int = 0
    clean: int = 0
    rejected: int = 0
    duplicates: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejected_by_stage: Counter[str] = field(default_factory=Counter)
    removed_lines_by_rule: Counter[str] = field(default_factory=Counter)
    removed_chars_by_rule: Counter[str] = field(default_factory=Counter)
    removed_lines_by_stage: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    words: int = 0
    chars_kept: int = 0
    chars_removed: int = 0
    chars_before: list[int] = field(default_factory=list)
    chars_after: list[int] = field(default_factory=list)
    # numeric quality signal -> its values; boolean signal -> Counter of "true"/"false"/"null"
    numeric_signals: dict[str, list[float]] = field(default_factory=dict)
    flag_signals: dict[str, Counter[str]] = field(default_factory=dict)

    def add_clean(self, record: dict[str, Any]) -> None:
        """Count one clean record."""
        meta = record.get("metadata") or {}
        self.clean += 1
        if meta.get("duplicate_of") is not None:
            self.duplicates += 1
        self.languages[record.get("language") or "unknown"] += 1
        self.formats[(record.get("source") or {}).get("format") or "unknown"] += 1
        kept = len(record.get("text") or "")
        lost = 0
        for removal in record.get("removed") or ():
            self.removed_lines_by_rule[removal["rule"]] += 1
            self.removed_chars_by_rule[removal["rule"]] += len(removal["text"])
            self.removed_lines_by_stage[removal["stage"]] += 1
            lost += len(removal["text"])
        self.words += int(meta.get("word_count") or 0)
        self.chars_kept += kept
        self.chars_removed += lost
        self.chars_after.append(kept)
        self.chars_before.append(kept + lost)
        for name, value in (meta.get("quality") or {}).items():
            if isinstance(value, bool) or value is None:
                self.flag_signals.setdefault(name, Counter())[
                    str(value).lower() if value is not None else "null"
                ] += 1
            elif isinstance(value, int | float):
                self.numeric_signals.setdefault(name, []).append(float(value))

    def add_reject(self, record: dict[str, Any]) -> None:
        """Count one line of the rejects file."""
        self.rejected += 1
        self.rejected_by_reason[record.get("reason") or "unknown"] += 1
        self.rejected_by_stage[record.get("stage") or "unknown"] += 1

    def headline(self) -> dict[str, Any]:
        """The numbers ``python -m pipeline stats`` prints, as plain JSON-able values."""
        removed_lines = sum(self.removed_lines_by_rule.values())
        before = self.chars_kept + self.chars_removed
        return {
            "input": self.input,
            "clean": self.clean,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "rejected_by_reason": dict(self.rejected_by_reason.most_common()),
            "words": self.words,
            "chars_kept": self.chars_kept,
            "chars_removed": self.chars_removed,
            "removed_char_fraction": round(self.chars_removed / before, 4) if before else 0.0,
            "removed_lines": removed_lines,
            "removed_lines_by_stage": dict(self.removed_lines_by_stage.most_common()),
            "removed_by_rule": {
                rule: {"lines": lines, "chars": self.removed_chars_by_rule[rule]}
                for rule, lines in self.removed_lines_by_rule.most_common()
            },
            "languages": dict(self.languages.most_common()),
            "formats": dict(self.formats.most_common()),
        }


def corpus_stats(out_dir: str | Path) -> CorpusStats:
    """Count an output folder's clean records and rejects in one pass."""
    manifest = read_manifest(out_dir)
    stats = CorpusStats()
    for _, record in iter_clean(out_dir, manifest):
        stats.add_clean(record)
    for reject in iter_rejects(out_dir, manifest):
        stats.add_reject(reject)
    stats.input = int((manifest.get("counts") or {}).get("input", stats.clean + stats.rejected))
    return stats


def _fmt(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.1%}"


def format_table(headline: dict[str, Any], top_rules: int = 15) -> str:
    """The headline numbers as an aligned plain-text table."""
    rows: list[tuple[str, str]] = []

    def section(title: str) -> None:
        rows.append(("", ""))
        rows.append((title, ""))

    total = headline["input"] or 1
    for key in ("input", "clean", "rejected", "duplicates"):
        share = f"  ({headline[key] / total:.1%})" if key != "input" else ""
        rows.append((key, f"{headline[key]:,}{share}"))
    for key in ("words", "chars_kept", "chars_removed", "removed_char_fraction", "removed_lines"):
        rows.append((key, _fmt(headline[key])))
    if headline["rejected_by_reason"]:
        section("rejected by reason")
        rows += [(f"  {k}", f"{v:,}") for k, v in headline["rejected_by_reason"].items()]
    if headline["removed_by_rule"]:
        section("removed by rule (lines, chars)")
        ranked = list(headline["removed_by_rule"].items())
        rows += [(f"  {k}", f"{v['lines']:,}  {v['chars']:,}") for k, v in ranked[:top_rules]]
        if len(ranked) > top_rules:
            rows.append((f"  ... {len(ranked) - top_rules} more rules", ""))
    if headline["languages"]:
        section("languages")
        rows += [(f"  {k}", f"{v:,}") for k, v in headline["languages"].items()]
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}".rstrip() if k else "" for k, v in rows]
    return "\n".join(lines)
