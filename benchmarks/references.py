"""The reference extractors the quality benchmark compares the pipeline with, page by page, and their cache.

The eval sets' README measures them this way (the same scorer, the same pages):

- ``trafilatura``: ``trafilatura.extract(page, include_comments=False)``, what a user of trafilatura alone
  who wants the main text runs;
- ``readability``: readability-lxml's ``Document(page).summary(html_partial=True)``, made text by
  html-text (``extract_text``, its default layout guessing).

Both get the page as ``score.py`` decodes it (BOM, strict UTF-8, declared charset, windows-1252; control
characters removed, which lxml refuses). Their outputs are cached per set in
``<cache>/<extractor>-<library versions>/<set>.json`` (``{id: [digest of the page's file, text]}``), so a
repeat run costs nothing and a new library release or a changed page is extracted again.
readability-lxml and html-text come with the ``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from collections.abc import Callable
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from multiprocessing import Pool
from pathlib import Path
from types import ModuleType

REFERENCES = ("trafilatura", "readability")
# The libraries whose versions key each reference's cache (lxml parses the page for both).
_LIBRARIES = {
    "trafilatura": ("trafilatura", "lxml"),
    "readability": ("readability-lxml", "html-text", "lxml"),
}


def missing_libraries() -> list[str]:
    """The reference libraries that are not installed (install the ``bench`` extra)."""
    missing = []
    for name in sorted({lib for libs in _LIBRARIES.values() for lib in libs}):
        try:
            version(name)
        except PackageNotFoundError:
            missing.append(name)
    return missing


def cache_key(reference: str) -> str:
    """The cache folder name of a reference: its name and the versions of the libraries it runs."""
    return "-".join([reference, *(f"{lib}{version(lib)}" for lib in _LIBRARIES[reference])])


@cache
def scorer(eval_dir: Path) -> ModuleType:
    """The eval sets' ``score.py`` as a module (for its page decoding)."""
    spec = importlib.util.spec_from_file_location("eval_score", eval_dir / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _trafilatura(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def _readability(html: str) -> str:
    import html_text
    from readability import Document

    return str(html_text.extract_text(Document(html).summary(html_partial=True)))


EXTRACTORS: dict[str, Callable[[str], str]] = {"trafilatura": _trafilatura, "readability": _readability}


def _extract_one(job: tuple[str, str, str]) -> tuple[str, str]:
    reference, eval_dir, path = job
    page = Path(path)
    html = scorer(Path(eval_dir)).decode_html(page.read_bytes())
    try:
        return page.name, EXTRACTORS[reference](html)
    except Exception as exc:  # noqa: BLE001 - a page the reference cannot read scores as empty
        logging.getLogger(__name__).warning("%s failed on %s: %r", reference, page.name, exc)
        return page.name, ""


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def reference_texts(
    reference: str, eval_dir: Path, name: str, ids: list[str], cache_dir: Path, workers: int
) -> dict[str, str]:
    """The reference's text of each page ``id`` of set ``name``, from the cache or extracted now."""
    html_dir = eval_dir / name / "html"
    path = cache_dir / cache_key(reference) / f"{name}.json"
    cached: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    digests = {pid: _digest(html_dir / f"{pid}.html.gz") for pid in ids}
    todo = [pid for pid in ids if cached.get(pid, [None])[0] != digests[pid]]
    if todo:
        jobs = [(reference, str(eval_dir), str(html_dir / f"{pid}.html.gz")) for pid in todo]
        with Pool(workers) as pool:
            for file_name, text in pool.imap_unordered(_extract_one, jobs, chunksize=4):
                pid = file_name[: -len(".html.gz")]
                cached[pid] = [digests[pid], text]
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(cached, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    return {pid: cached[pid][1] for pid in ids}
