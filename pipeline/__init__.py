"""Boilerplate-stripping text cleaning pipeline: raw web documents in, clean JSONL corpora out."""

from __future__ import annotations

__version__ = "0.1.1"

from pipeline.clean.chain import clean_document  # noqa: E402

__all__ = ["__version__", "clean_document"]
