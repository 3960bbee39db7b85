"""Who wrote a text and when: bylines, date lines, wire-agency credits and datelines.

Every pattern of these lives here, because three stages read them: ``strip_boilerplate`` does not take a
byline or a date line for the title, ``segment_paragraphs`` moves a byline paragraph out of the body
(``credits.byline``), and ``tag_metadata`` reads the author, the date and the agency back from the
removed lines and the first paragraph.

The byline a paragraph is removed for and the byline an author is read from are two patterns built from
the same name pieces: segmentation also knows "Von", "Par" and "Por" and names of up to ten words,
author reading also knows "Posted on <date> by". Making them one would change which paragraphs leave the
body and which authors are found, so they stay two, side by side.
"""

from __future__ import annotations

import datetime

import regex

from pipeline.rules.lexicons import agencies

# A name: a capitalised word, then capitalised words or the particles of names ("Ann van der Berg").
_NAME_HEAD = r"\p{Lu}[\p{L}'’.-]+"
_NAME_WORD = r"\p{Lu}[\p{L}'’.-]*"
_NAME_PARTICLES = "van|von|de|da|del|der|bin|al|and|&"
# "By Jane Doe", "By JANE DOE and John Roe, Reuters", "By Jane Doe | May 3, 2016": a name of
# capitalised words after "By", optionally a role or agency and a date after a separator.
_BYLINE_PARAGRAPH = regex.compile(
    r"^(?:by|written by|words by|story by|von|par|por)\s+"
    rf"(?P<names>{_NAME_HEAD}(?:\s+(?:{_NAME_WORD}|{_NAME_PARTICLES}|,)){{0,9}})"
    r"(?:\s*[,|–—-]\s*(?P<rest>[^.!?]{0,80}))?$",
    regex.IGNORECASE,
)
_BYLINE_NOT_NAME = frozenset("the a an this that our my your his her their its all some".split())
# "By Jane Doe", "Posted on May 3, 2016 by Jane Doe": the author a removed line names.
_AUTHOR_BYLINE = regex.compile(
    r"^(?:(?:posted|published|written|updated)?\s*(?:on\s+[^|]{4,30}?\s+)?)?by\s+"
    rf"(?P<name>{_NAME_HEAD}(?:\s+(?:{_NAME_WORD}|{_NAME_PARTICLES})){{0,6}})",
    regex.IGNORECASE,
)
_AUTHOR_NOT_NAME = frozenset({"the", "a", "an", "this", "our"})
# A line that starts like a byline or holds a date: never a title.
_BYLINE_OR_DATE = regex.compile(
    r"^(?:by\s|posted\s|published\s|updated\s|written by\s)|"
    r"\b(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4})\b",
    regex.IGNORECASE,
)
# A byline is short: of the 90 body paragraphs of byline form in the dev text dumps, the longest has 17
# words and every other at most 15 (benchmarks/evidence.py lengths).
BYLINE_MAX_WORDS = 16
# A removed line this long is a sentence that happens to hold a date, not a date line: of the 4,080 lines
# of up to 40 words that boilerplate removal cuts from the dev text dumps and that hold a date, 89% have
# at most 12 words, the median 6 (benchmarks/evidence.py lengths).
DATE_LINE_MAX_WORDS = 12
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        "jan.january feb.february mar.march apr.april may jun.june jul.july aug.august "
        "sep.sept.september oct.october nov.november dec.december".split()
    )
    for m in names.split(".")
}
_DATE_TEXT = regex.compile(
    r"\b(?:(?P<iso>(?P<y1>(?:19|20)\d\d)-(?P<m1>\d\d)-(?P<d1>\d\d))(?!\d)"
    r"|(?P<mon2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d\d)\b"
    r"|(?P<d3>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon3>[A-Za-z]{3,9})\.?,?\s+(?P<y3>(?:19|20)\d\d)\b)"
)
# "WASHINGTON (Reuters) - ", "BEIRUT, Lebanon — ", "WASHINGTON/BEIRUT The ..." at the start of the body.
_DATELINE = regex.compile(
    r"^(?P<place>\p{Lu}[\p{Lu}'.-]{2,}(?:[ /-]\p{Lu}[\p{Lu}'.-]{1,})*)"
    r"(?:,\s*(?P<region>[\p{Lu}][\p{L}.]*(?:\s[\p{Lu}][\p{L}.]*){0,2}))?"
    r"\s*(?:\((?P<agency>[^()]{2,40})\))?"
    r"\s*(?P<sep>[-—–:]\s+|(?=\p{Lu}\p{Ll}))"
)
# Source lines: "Source: Reuters", "(Adapted from Reuters)", "Reporting by ..." kept in removal log.
_CREDIT_SOURCE = regex.compile(
    r"^\(?\s*(?:source|sources|quelle|fuente|fonte)\s*:\s*(?P<name>[^()]+?)\s*\)?\.?$|"
    r"^\(\s*(?:adapted|compiled|taken|republished|reprinted)\s+(?:from|by)\s+(?P<name2>[^()]+?)\s*\)\.?$",
    regex.IGNORECASE,
)


def is_byline(text: str) -> bool:
    """True for a paragraph that only names the authors: "By Jane Doe", "By J. Doe | May 3, 2016"."""
    if len(text.split()) > BYLINE_MAX_WORDS:
        return False
    found = _BYLINE_PARAGRAPH.match(text.strip())
    if not found:
        return False
    first = found.group("names").split()[0].strip(",").lower()
    return first not in _BYLINE_NOT_NAME


def is_byline_or_date(text: str) -> bool:
    """True for a line that starts like a byline ("By ...", "Posted ...") or holds a date."""
    return bool(_BYLINE_OR_DATE.search(text))


def find_author(line: str) -> str | None:
    """The author named by a byline ("By Jane Doe", "Posted on May 3 by Jane Doe"), or None."""
    if len(line.split()) > BYLINE_MAX_WORDS:
        return None
    found = _AUTHOR_BYLINE.match(line.strip())
    if not found:
        return None
    name = found.group("name").strip(" ,.&")
    if name.split()[0].lower() in _AUTHOR_NOT_NAME:
        return None
    return name


# The words of a byline that a page's metadata author may carry before the name ("Written by", "View all
# posts by", "Posted By"); "by" alone too. A word that only starts with "by" ("Byron") is a name.
_AUTHOR_PREFIX = regex.compile(
    r"^(?:(?:view\s+)?all\s+posts|posts|articles|posted|written|analysis|story|words)?\s*by\b[\s:]*",
    regex.IGNORECASE,
)


def author_name(author: str | None) -> str | None:
    """A page's metadata author as a name: a byline's leading words and a dangling "@" (a handle the page
    left out) removed; None when no name is left ("Written by")."""
    if not author:
        return None
    name = _AUTHOR_PREFIX.sub("", author.strip(), count=1).rstrip(" @").strip()
    return name or None


def find_date(line: str) -> str | None:
    """The ISO 8601 date of a short date line ("Published May 3, 2016", "2016-05-03"), or None."""
    if len(line.split()) > DATE_LINE_MAX_WORDS:
        return None
    found = _DATE_TEXT.search(line)
    if not found:
        return None
    if found.group("iso"):
        year, month, day = int(found.group("y1")), int(found.group("m1")), int(found.group("d1"))
    else:
        name = (found.group("mon2") or found.group("mon3")).lower()
        if name not in _MONTHS:
            return None
        month = _MONTHS[name]
        year = int(found.group("y2") or found.group("y3"))
        day = int(found.group("d2") or found.group("d3"))
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def canonical_agency(name: str) -> str | None:
    """The canonical name of a news agency named in a credit, or None when it is not one we know."""
    key = name.strip().strip(".").casefold()
    return agencies().get(key)


def credited_agency(line: str) -> str | None:
    """The agency a credit line names ("Source: Reuters", "(Adapted from AP)"), canonical when known."""
    found = _CREDIT_SOURCE.match(line.strip())
    if not found:
        return None
    name = (found.group("name") or found.group("name2") or "").strip()
    return canonical_agency(name) or name or None


def find_dateline(first_paragraph: str) -> tuple[str | None, str | None]:
    """``(dateline, agency)`` from the start of the first paragraph, each None when absent."""
    found = _DATELINE.match(first_paragraph)
    if not found:
        return None, None
    place, agency, sep = found.group("place"), found.group("agency"), found.group("sep")
    # Without a dash or an agency, only "CITY/CITY" is distinctive enough ("NATO The ..." is not).
    if not sep.strip() and not agency and "/" not in place:
        return None, None
    if len(place.replace("/", "").replace(".", "")) < 3:
        return None, None
    return place, canonical_agency(agency) if agency else None
