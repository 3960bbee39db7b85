"""The JSON Schema shipped in the package describes the records we write, and refuses broken ones."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pipeline.document import EXTRA_METADATA_KEYS, METADATA_KEYS
from pipeline.tools.output import SCHEMA_PATH, output_schema

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_records() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLDEN.glob("*.json"))]


def test_the_schemas_are_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(output_schema("clean"))
    jsonschema.Draft202012Validator.check_schema(output_schema("rejected"))
    assert SCHEMA_PATH.parent.name == "pipeline"  # shipped inside the package (package-data "*.json")


def test_schema_requires_every_documented_metadata_key() -> None:
    required = output_schema("clean")["properties"]["metadata"]["required"]
    assert required == [*METADATA_KEYS, *EXTRA_METADATA_KEYS]


@pytest.mark.parametrize("record", golden_records(), ids=lambda r: r["id"])
def test_golden_records_match_the_schema(record: dict[str, Any]) -> None:
    jsonschema.validate(record, output_schema("clean"))


def _broken(change: str) -> dict[str, Any]:
    record = copy.deepcopy(golden_records()[0])
    if change == "missing_metadata_key":
        del record["metadata"]["warc_date"]
    elif change == "unknown_top_level_key":
        record["extra"] = 1
    elif change == "paragraphs_not_a_list":
        record["paragraphs"] = "one"
    elif change == "bad_hash":
        record["metadata"]["content_hash"] = "abc"
    elif change == "bad_source_format":
        record["source"]["format"] = "pdf"
    return record


@pytest.mark.parametrize(
    "change",
    [
        "missing_metadata_key",
        "unknown_top_level_key",
        "paragraphs_not_a_list",
        "bad_hash",
        "bad_source_format",
    ],
)
def test_broken_records_are_refused(change: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_broken(change), output_schema("clean"))


def test_reject_lines() -> None:
    schema = output_schema("rejected")
    good = {
        "id": "crawl/urn:uuid:1",
        "source": {"path": "crawl.warc.gz", "format": "warc", "url": None},
        "stage": "read",
        "reason": "corrupt_compression",
        "detail": "gzip: ended early",
    }
    jsonschema.validate(good, schema)
    jsonschema.validate({**good, "source": {"path": "x.pdf", "format": None, "url": None}}, schema)
    for broken in ({**good, "reason": "Not Snake"}, {k: v for k, v in good.items() if k != "detail"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
    with pytest.raises(ValueError):
        output_schema("other")
