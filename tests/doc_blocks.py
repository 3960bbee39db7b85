"""The code blocks of the project's Markdown documents, for the tests that run what the docs say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The documents whose command blocks are run by the tests.
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "operations.md")


@dataclass(frozen=True, slots=True)
class Block:
    """An indented or fenced block of a Markdown file: where it starts and its text, dedented."""

    path: Path
    line: int  # 1-based line of its first line
    text: str

    @property
    def where(self) -> str:
        """``README.md:10``."""
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def code_blocks(path: Path) -> list[Block]:
    """Every code block of a Markdown file: fenced (```), or indented by four spaces after a blank line
    at the top level (a list item's indented block is six spaces in and is one too)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            blocks.append(Block(path, i + 2, "\n".join(lines[i + 1 : end]) + "\n"))
            i = end + 1
            continue
        indent = len(line) - len(line.lstrip(" "))
        starts = (i == 0 or not lines[i - 1].strip()) and line.strip()
        if starts and indent in (4, 6) and not re.match(r"\s*[-*] |\s*\d+\. ", line):
            j = i
            while j < len(lines) and (not lines[j].strip() or lines[j].startswith(" " * indent)):
                j += 1
            while j > i and not lines[j - 1].strip():
                j -= 1
            body = [text[indent:] for text in lines[i:j]]
            blocks.append(Block(path, i + 1, "\n".join(body) + "\n"))
            i = j
            continue
        i += 1
    return blocks
