"""PHP's error messages in a page's markup, taken out before extraction.

With ``html_errors`` on (PHP's default for web servers), PHP prints a warning, notice or error into the
page as ``<b>Warning</b>:  message in <b>/path/file.php</b> on line <b>928</b><br />``, wherever the
script was when it failed, often above the ``<html>`` of the page. A run of them at the top of a page
is the first block of text that trafilatura finds, and it can take them for the main text. They are
removed from the tree (the text around them stays) and logged under ``server.script_error``.
"""

from __future__ import annotations

from typing import Any

from pipeline.text import squeeze_spaces

# The levels PHP names in its messages (E_WARNING, E_NOTICE, E_DEPRECATED, E_STRICT, E_ERROR, E_PARSE,
# E_RECOVERABLE_ERROR and their E_USER_ forms as PHP prints them), casefolded.
_LEVELS = frozenset(
    {
        "warning",
        "notice",
        "deprecated",
        "strict standards",
        "fatal error",
        "parse error",
        "catchable fatal error",
        "recoverable fatal error",
        "user warning",
        "user notice",
        "user deprecated",
        "user error",
    }
)
# The part of PHP's format that a page without such a message almost never holds: a cheap test on the
# page's markup before the tree is searched.
MARK = "on line <b>"


def _message(level: Any) -> tuple[Any, Any] | None:
    """The file and line-number ``<b>`` elements of a message that starts with ``level``, or None."""
    path = level.getnext()
    line = path.getnext() if path is not None else None
    if line is None or path.tag != "b" or line.tag != "b":
        return None
    if not (level.tail or "").startswith(":") or not (level.tail or "").rstrip().endswith(" in"):
        return None
    if (path.tail or "").strip() != "on line" or not (line.text or "").strip().isdigit():
        return None
    return path, line


def remove_script_errors(tree: Any, html: str) -> list[str]:
    """Take PHP's error messages out of ``tree`` (parsed from ``html``); return their texts."""
    if MARK not in html:
        return []
    found: list[str] = []
    for level in list(tree.iter("b")):
        if level.getparent() is None or squeeze_spaces(level.text or "").casefold() not in _LEVELS:
            continue
        parts = _message(level)
        if parts is None:
            continue
        path, line = parts
        found.append(f"{level.text}{level.tail}{path.text or ''}{path.tail}{line.text}")
        level.tail = path.tail = None
        for part in (level, path, line):
            part.drop_tree()  # keeps the tail of the last one: the page's own text after the message
    return found
