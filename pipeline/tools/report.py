"""A self-contained HTML report of an output folder: counts, rejects, removal rules, languages, lengths,
quality signals, and a sample of documents with their removed lines in place.

Plots are SVG drawn here (no plotting dependency) and inlined, with the CSS, into one file: it opens
in a browser with no network and can be mailed or archived as it is.
"""

from __future__ import annotations

import hashlib
import heapq
import html
import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline import storage
from pipeline.run.files import atomic_path
from pipeline.tools.inspect import Inspection, inspect_clean
from pipeline.tools.output import iter_clean, iter_rejects, read_manifest
from pipeline.tools.stats import CorpusStats

REPORT = "report.html"
# Bars shown in a ranked chart; the rest are summed into one "other" bar.
MAX_BARS = 20
# Histogram bins; 30 resolves the shape of a few thousand values without ragged noise.
BINS = 30
# Sample paragraphs longer than this are shortened in the report (the full text is in the parts).
SAMPLE_PARAGRAPH_CHARS = 400

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;
padding:1rem 2rem;color:#1d2329;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{padding:.15rem .6rem;text-align:left;border-bottom:1px solid #eee}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.plots{display:flex;flex-wrap:wrap;gap:1rem}.plot{border:1px solid #eee;padding:.3rem}
svg text{font:11px system-ui,sans-serif;fill:#1d2329}
details{border:1px solid #d0d7de;border-radius:4px;margin:.4rem 0;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
.kept{margin:.15rem 0}.kept.heading{font-weight:600}
.cut{margin:.15rem 0;color:#8a1c1c;background:#fdecec;text-decoration:line-through;text-decoration-color:#c88}
.rule{font:12px ui-monospace,monospace;color:#6e4b00;background:#fff3cd;padding:0 .3rem;margin-right:.4rem;
text-decoration:none;display:inline-block}
.muted{color:#666}
"""
_COLORS = ("#4c78a8", "#f58518")


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _ticks(top: float) -> list[float]:
    if top <= 0:
        return [0.0]
    step = 10 ** math.floor(math.log10(top))
    for mult in (1, 2, 5, 10):
        if top / (step * mult) <= 5:
            step *= mult
            break
    return [i * step for i in range(int(top // step) + 1)]


def _num(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    if value >= 1e3:
        return f"{value / 1e3:g}k"
    return f"{value:g}"


def bar_chart(title: str, items: Sequence[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart as an ``<svg>`` element, largest first, long tails summed as "other"."""
    ranked = sorted(items, key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > MAX_BARS:
        rest = sum(v for _, v in ranked[MAX_BARS - 1 :])
        ranked = [*ranked[: MAX_BARS - 1], (f"other ({len(ranked) - MAX_BARS + 1})", rest)]
    label_w, bar_w, row = 230, 330, 18
    width, height = label_w + bar_w + 90, 30 + row * max(1, len(ranked))
    top = max((v for _, v in ranked), default=0) or 1
    parts = [_svg_open(title, width, height), f'<text x="4" y="14" font-weight="600">{_esc(title)}</text>']
    if not ranked:
        parts.append('<text x="4" y="40" class="muted">nothing to show</text>')
    for i, (label, value) in enumerate(ranked):
        y = 24 + i * row
        w = max(1.0, bar_w * value / top) if value else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{_esc(label[:38])}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{_COLORS[0]}">'
            f"<title>{_esc(label)}: {value:,.0f}{unit}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + 12}">{value:,.0f}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(
    title: str, series: Sequence[tuple[str, Sequence[float]]], log_x: bool = False, x_label: str = ""
) -> str:
    """Overlaid histograms of one or more value series as an ``<svg>`` element (``log_x``: log10 bins)."""
    width, height, left, plot_w, plot_h = 520, 240, 50, 450, 160
    parts = [_svg_open(title, width, height), f'<text x="4" y="14" font-weight="600">{_esc(title)}</text>']
    values = [v for _, vs in series for v in vs]
    if not values:
        parts.append('<text x="4" y="40">no values</text></svg>')
        return "".join(parts)

    def scale(v: float) -> float:
        return math.log10(max(v, 0) + 1) if log_x else v

    lo, hi = min(map(scale, values)), max(map(scale, values))
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    counts_all = []
    for _, vs in series:
        counts = [0] * BINS
        for v in vs:
            counts[min(BINS - 1, int((scale(v) - lo) / (hi - lo) * BINS))] += 1
        counts_all.append(counts)
    top = max(max(c) for c in counts_all) or 1
    y0 = 24 + plot_h
    bin_w = plot_w / BINS
    for tick in _ticks(top):
        y = y0 - plot_h * tick / top
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_num(tick)}</text>'
        )
    for s, ((name, _), counts) in enumerate(zip(series, counts_all, strict=True)):
        for b, count in enumerate(counts):
            if count:
                h = plot_h * count / top
                x = left + b * bin_w
                lo_v, hi_v = lo + b * (hi - lo) / BINS, lo + (b + 1) * (hi - lo) / BINS
                if log_x:
                    lo_v, hi_v = 10**lo_v - 1, 10**hi_v - 1
                parts.append(
                    f'<rect x="{x:.1f}" y="{y0 - h:.1f}" width="{bin_w - 1:.1f}" height="{h:.1f}" '
                    f'fill="{_COLORS[s % 2]}" fill-opacity="{0.85 if len(series) == 1 else 0.55}">'
                    f"<title>{_esc(name)}: {count:,} in [{lo_v:,.3g}, {hi_v:,.3g})</title></rect>"
                )
    for k in range(5):
        v = lo + k * (hi - lo) / 4
        shown = 10**v - 1 if log_x else v
        x = left + plot_w * k / 4
        parts.append(f'<text x="{x:.1f}" y="{y0 + 14}" text-anchor="middle">{_num(round(shown, 3))}</text>')
    parts.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{y0}" y2="{y0}" stroke="#999"/>'
        f'<text x="{left + plot_w / 2}" y="{y0 + 30}" text-anchor="middle">{_esc(x_label)}</text>'
    )
    if len(series) > 1:
        for s, (name, vs) in enumerate(series):
            x = left + plot_w - 150
            y = 30 + s * 14
            parts.append(
                f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{_COLORS[s % 2]}"/>'
                f'<text x="{x + 14}" y="{y}">{_esc(name)} (n={len(vs):,})</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(title: str, width: int, height: int) -> str:
    return (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{_esc(title)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(tag: str, value: Any) -> str:
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        shown = f"{value:,}" if isinstance(value, int) and numeric else value
        return f"<{tag}{' class=n' if numeric else ''}>{_esc(shown)}</{tag}>"

    head = "".join(f"<th>{_esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(cell("td", v) for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}"><h2>{_esc(title)}</h2>{body}</section>'


def _sample_html(found: Inspection) -> str:
    record = found.record
    removed = [e for e in found.entries if e.rule]
    summary = (
        f"{_esc(found.doc_id)} — {_esc(record.get('title') or '(no title)')} "
        f'<span class="muted">({len(found.entries) - len(removed)} paragraphs, {len(removed)} removed)</span>'
    )
    lines = []
    if found.note:
        lines.append(f'<p class="muted">{_esc(found.note)}</p>')
    for entry in found.entries:
        text = entry.text
        if len(text) > SAMPLE_PARAGRAPH_CHARS:
            text = text[:SAMPLE_PARAGRAPH_CHARS] + " …"
        if entry.rule:
            lines.append(f'<p class="cut"><span class="rule">{_esc(entry.rule)}</span>{_esc(text)}</p>')
        else:
            lines.append(f'<p class="kept {_esc(entry.kind)}">{_esc(text)}</p>')
    return f'<details class="sample"><summary>{summary}</summary>{"".join(lines)}</details>'


def _sample_key(doc_id: str) -> str:
    # A stable pseudo-random order: the same folder always shows the same sample.
    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()


def build_report(out_dir: str | Path, sample: int = 20) -> str:
    """The HTML text of the report of ``out_dir``."""
    out = os.fspath(out_dir)
    manifest = read_manifest(out)
    stats = CorpusStats()

    def counted() -> Iterator[tuple[str, dict[str, Any]]]:
        for part, record in iter_clean(out, manifest):
            stats.add_clean(record)
            yield part, record

    def order(item: tuple[str, dict[str, Any]]) -> tuple[int, str]:
        # Documents that lost lines first: they are what a reader wants to check.
        return (0 if item[1].get("removed") else 1, _sample_key(item[1]["id"]))

    picked = heapq.nsmallest(sample, counted(), key=order) if sample > 0 else []
    if sample <= 0:
        for _ in counted():
            pass
    for reject in iter_rejects(out, manifest):
        stats.add_reject(reject)
    stats.input = int((manifest.get("counts") or {}).get("input", stats.clean + stats.rejected))
    samples = [inspect_clean(out, part, record) for part, record in picked]
    return render(stats, manifest, samples)


def render(stats: CorpusStats, manifest: dict[str, Any], samples: Sequence[Inspection]) -> str:
    """The report page from collected statistics and inspected sample documents."""
    head = stats.headline()
    total = head["input"] or 1
    sections = []
    counts = [
        (name, head[name], f"{head[name] / total:.1%}")
        for name in ("input", "clean", "rejected", "duplicates")
    ]
    counts += [
        ("words (clean)", head["words"], ""),
        ("characters kept", head["chars_kept"], ""),
        ("characters removed", head["chars_removed"], f"{head['removed_char_fraction']:.1%} of before"),
        ("lines removed", head["removed_lines"], ""),
    ]
    sections.append(_section("counts", "Counts", _table(("", "count", "share"), counts)))
    reasons = list(stats.rejected_by_reason.items())
    sections.append(
        _section(
            "rejects",
            "Rejected documents by reason",
            '<div class="plots">'
            + bar_chart("Rejects by reason", reasons)
            + bar_chart("Rejects by stage", list(stats.rejected_by_stage.items()))
            + "</div>",
        )
    )
    rule_rows = [
        (rule, v["lines"], v["chars"], f"{v['chars'] / max(1, head['chars_removed']):.1%}")
        for rule, v in head["removed_by_rule"].items()
    ]
    sections.append(
        _section(
            "rules",
            "Removal rules",
            '<div class="plots">'
            + bar_chart("Lines removed by rule", list(stats.removed_lines_by_rule.items()))
            + bar_chart("Characters removed by rule", list(stats.removed_chars_by_rule.items()))
            + "</div>"
            + _table(("rule", "lines", "characters", "share of removed characters"), rule_rows),
        )
    )
    sections.append(
        _section(
            "languages",
            "Language mix",
            '<div class="plots">'
            + bar_chart("Clean documents by language", list(stats.languages.items()))
            + bar_chart("Clean documents by input format", list(stats.formats.items()))
            + "</div>",
        )
    )
    sections.append(
        _section(
            "lengths",
            "Document length before and after cleaning",
            '<p class="muted">Before = kept + removed characters of each clean document (log scale).</p>'
            + histogram(
                "Characters per document",
                [("before", stats.chars_before), ("after", stats.chars_after)],
                log_x=True,
                x_label="characters",
            ),
        )
    )
    signal_plots = [
        histogram(name, [(name, values)], x_label=name) for name, values in stats.numeric_signals.items()
    ]
    flags = [bar_chart(name, sorted(counter.items())) for name, counter in sorted(stats.flag_signals.items())]
    sections.append(
        _section(
            "quality",
            "Quality signals",
            '<div class="plots">' + "".join(signal_plots + flags) + "</div>"
            if signal_plots or flags
            else "<p>No clean documents.</p>",
        )
    )
    sample_body = "".join(_sample_html(s) for s in samples) or "<p>No clean documents.</p>"
    sections.append(
        _section(
            "samples",
            f"Sample of {len(samples)} documents with their removed lines",
            '<p class="muted">Removed lines are struck through, in their place, labelled with the rule.</p>'
            + sample_body,
        )
    )
    settings = str(manifest.get("config_digest", ""))[:12]
    batch = str(manifest.get("fingerprint", ""))[:12]
    meta = (
        f'<p class="muted">pipeline {_esc(manifest.get("version", "?"))} · settings {_esc(settings)}'
        f" · batch {_esc(batch)} · {len(manifest.get('parts', []))} part files</p>"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Corpus report</title><style>{_CSS}</style></head><body>"
        f"<h1>Corpus report</h1>{meta}{''.join(sections)}</body></html>\n"
    )


def write_report(out_dir: str | Path, target: str | Path | None = None, sample: int = 20) -> str:
    """Write the report of ``out_dir`` atomically (default ``OUT/report.html``); return its path."""
    path = os.fspath(target) if target else storage.join(out_dir, REPORT)
    text = build_report(out_dir, sample)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
