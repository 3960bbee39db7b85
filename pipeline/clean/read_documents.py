"""Raw files -> decoded documents: each file's items (:mod:`pipeline.clean.readers`), their bytes made
text (:mod:`pipeline.clean.charset`), and every input that cannot become one rejected with its reason.

The first stage of the chain: it reads files, so it is no pure function over a document, but what it
does to each item (:func:`decode_item`) is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path

from pipeline.clean.charset import decode_bytes, nul_bytes_in_head, too_many_controls
from pipeline.clean.readers import Problem, RawItem, read_items, split_name
from pipeline.config import Config
from pipeline.document import Document

STAGE: str = __name__.rpartition(".")[2]  # a stage is named after its module


def decode_item(item: RawItem) -> Document:
    """Turn a raw item into a document with decoded text (or markup), or a rejected one."""
    doc = Document(id=item.id, source=item.source, metadata={"content_type": item.content_type})
    if item.problem is not None:
        return doc.reject(STAGE, item.problem.reason, item.problem.detail)
    if nul_bytes_in_head(item.data):
        return doc.reject(STAGE, "binary", "NUL bytes in the first 4 KB")
    try:
        text, charset, rule = decode_bytes(item.data, item.declared_charset, item.content_type)
    except ValueError as exc:
        reason, _, detail = str(exc).partition(": ")
        return doc.reject(STAGE, reason, detail)
    if too_many_controls(text):
        return doc.reject(STAGE, "binary", f"control characters after decoding as {charset}")
    if not text.strip():
        return doc.reject(STAGE, "empty", f"only white space after decoding as {charset}")
    doc = doc.with_metadata(encoding={"charset": charset, "rule": rule})
    if item.content_type == "html":
        return dataclasses.replace(doc, html=text)
    return dataclasses.replace(doc, text=text)


def _path_qualified_id(item: RawItem, path: str, taken: AbstractSet[str]) -> str:
    """An id for an input whose own id is taken: its file's path, extensions and all, in place of the
    file's id (``a.txt.gz``, ``x.warc.gz/urn:uuid:...``), numbered on (``#2``, ...) if that is taken too.

    A path is unique among files, so this differs from the id the kept input has (and from every
    other id unless another input is named after this file's whole path, ``a.txt.gz.txt``).
    """
    file_id = split_name(path)[0]
    base = path + item.id[len(file_id) :] if item.id.startswith(file_id) else f"{path}/{item.id}"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}#{number}"
    return candidate


def read_documents(raw_dir: str | Path, paths: Iterable[str], config: Config) -> Iterator[Document]:
    """Decoded documents (or rejects) for the given input files, in order; a repeated id is a reject.

    The repeated input keeps no id of another record (every output id is unique, so an output folder
    passes ``verify``): it is rejected as ``duplicate_id`` under its path-qualified id, and the detail
    names the source that has the id.
    """
    seen: dict[str, str] = {}  # the inputs' own ids -> the source path that has each
    given: set[str] = set()  # every id given out, path-qualified ones included
    for path in paths:
        for item in read_items(raw_dir, path, config.input.max_document_bytes):
            if item.id in seen:
                detail = f"{item.source.path} gives the id {item.id!r}, which {seen[item.id]} already has"
                own_id = _path_qualified_id(item, path, given)
                item = dataclasses.replace(item, id=own_id, data=b"", problem=Problem("duplicate_id", detail))
            else:
                seen[item.id] = item.source.path
            given.add(item.id)
            doc = decode_item(item)
            yield doc.with_metadata(**item.metadata) if item.metadata else doc
