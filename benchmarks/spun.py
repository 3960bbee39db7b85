"""How well ``quality.spun`` separates real articles from "article spinner" output.

Real side: the English gold texts of the dev eval sets (``text`` fields of ``zyte-aeb`` and
``wcxb-dev``), which are clean human-written pages. Spun side: the same texts run through a
spinner-like rewrite: lowercase "the" becomes "a" at a given rate (what the spinner behind seed 001
did to every "the"), and words are swapped for thesaurus "synonyms" of the wrong sense.

    python -m benchmarks.spun [--eval DIR]

Prints, per variant, how many documents got a verdict (enough articles), the flagged share
(false-positive rate on real text, recall on spun text), and the signal distributions.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections.abc import Iterator
from pathlib import Path

import regex

from pipeline.clean.language import detect_language
from pipeline.clean.quality import spun_signals

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
SETS = ("zyte-aeb", "wcxb-dev")

# Wrong-sense swaps of the kind spinners make (seen in seed 001: "said" -> "pronounced",
# "captured" -> "prisoner", "campaign" -> "debate", "civil war" -> "polite fight").
SYNONYMS = {
    "said": "pronounced",
    "captured": "prisoner",
    "campaign": "debate",
    "government": "supervision",
    "war": "fight",
    "civil": "polite",
    "foreign": "unfamiliar",
    "chief": "arch",
    "peace": "assent",
    "process": "routine",
    "decision": "preference",
    "significant": "poignant",
    "first": "initial",
    "military": "troops",
    "victory": "feat",
    "conflict": "dispute",
    "country": "nation",
    "near": "circuitously",
    "own": "possess",
    "made": "done",
    "allowed": "authorised",
    "potential": "intensity",
    "point": "indicate",
    "population": "race",
    "under": "underneath",
    "because": "since",
    "effect": "outcome",
    "search": "acid",
    "break": "mangle",
    "aid": "assist",
    "say": "contend",
    "new": "novel",
    "people": "folks",
    "company": "association",
    "use": "utilize",
    "data": "information",
    "many": "numerous",
    "help": "assist",
    "big": "large",
    "show": "uncover",
}
_THE = regex.compile(r"(?<![\p{L}'’-])the(?![\p{L}'’-])")
_WORD = regex.compile(r"(?<![\p{L}'’-])\p{Ll}+(?![\p{L}'’-])")


def english_gold_texts(eval_dir: Path) -> Iterator[tuple[str, str]]:
    """``(set/id, text)`` for every gold text our language detector calls English."""
    for name in SETS:
        path = eval_dir / name / "gold.jsonl"
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            text = record.get("text")
            if text and detect_language(text)[0] == "en":
                yield f"{name}/{record['id']}", text


def spin(text: str, the_rate: float, synonym_rate: float, seed: int) -> str:
    """A spinner-like rewrite: lowercase "the" -> "a" and thesaurus swaps, at the given rates."""
    rng = random.Random(seed)
    text = _THE.sub(lambda m: "a" if rng.random() < the_rate else m.group(0), text)

    def swap(m: regex.Match[str]) -> str:
        word = m.group(0)
        if word in SYNONYMS and rng.random() < synonym_rate:
            return SYNONYMS[word]
        return word

    return _WORD.sub(swap, text)


VARIANTS = (
    ("real (false positives)", 0.0, 0.0),
    ("spun: the->a 100%, synonyms 50%", 1.0, 0.5),
    ("spun: the->a 90%", 0.9, 0.5),
    ("spun: the->a 75%", 0.75, 0.5),
    ("spun: the->a 50%", 0.5, 0.5),
    ("spun: the->a 25%", 0.25, 0.5),
    ("spun: synonyms only", 0.0, 1.0),
)


def _quantiles(values: list[float]) -> str:
    if len(values) < 2:
        return "-"
    q = statistics.quantiles(values, n=20, method="inclusive")
    median = statistics.median(values)
    return f"min {min(values):.3f} p5 {q[0]:.3f} median {median:.3f} p95 {q[-1]:.3f} max {max(values):.3f}"


def main() -> None:
    """Print false-positive rate and recall of the spun signal on the eval gold texts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL)
    args = parser.parse_args()
    texts = list(english_gold_texts(args.eval))
    print(f"{len(texts)} English gold texts from {', '.join(SETS)}")
    print("| variant | with a verdict | flagged spun | the_share | a_before_vowel_share |")
    print("|---|---|---|---|---|")
    for label, the_rate, synonym_rate in VARIANTS:
        signals = [
            spun_signals(spin(text, the_rate, synonym_rate, seed=i) if the_rate or synonym_rate else text)
            for i, (_, text) in enumerate(texts)
        ]
        judged = [s for s in signals if s["spun"] is not None]
        flagged = sum(1 for s in judged if s["spun"])
        share = f"{flagged}/{len(judged)} = {flagged / len(judged):.1%}" if judged else "-"
        the = [s["the_share"] for s in judged]
        vowel = [s["a_before_vowel_share"] for s in judged]
        print(
            f"| {label} | {len(judged)}/{len(signals)} | {share} | {_quantiles(the)} | {_quantiles(vowel)} |"
        )


if __name__ == "__main__":
    main()
