"""Settings: loading them from TOML, and the digest that names the intermediate files."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path

import pytest

import pipeline.clean.lineclass as lineclass
from pipeline.cli import main
from pipeline.config import (
    PACKAGE_DIR,
    Config,
    _data_files,
    config_from_dict,
    data_fingerprint,
    library_versions,
    load_config,
)
from pipeline.rules import RULES_DIR
from pipeline.rules.lexicons import LEXICON_DIR


def test_every_data_file_the_stages_read_is_in_the_digest() -> None:
    covered = set(_data_files(PACKAGE_DIR))
    read = {
        lineclass.MODEL_PATH,
        LEXICON_DIR / "stopwords.txt",
        LEXICON_DIR / "agencies.txt",
        *RULES_DIR.glob("*.toml"),
    }
    assert read <= covered
    assert not [path for path in covered if path.suffix == ".py"]


def _package_copy(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / name
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_retrained_model_or_an_edited_lexicon_changes_the_fingerprint(tmp_path: Path) -> None:
    original = data_fingerprint(_package_copy(tmp_path, "original"))
    retrained = _package_copy(tmp_path, "retrained")
    model = retrained / "clean" / "lineclass_model.json"
    model.write_text(model.read_text(encoding="utf-8").replace("0", "1", 1), encoding="utf-8")
    edited = _package_copy(tmp_path, "edited")
    with open(edited / "rules" / "lexicon" / "agencies.txt", "a", encoding="utf-8") as handle:
        handle.write("Example Wire = EW\n")
    recompiled = _package_copy(tmp_path, "recompiled")
    (recompiled / "stages.py").write_text("# code is covered by the version, not by this digest\n")
    fingerprints = [data_fingerprint(folder) for folder in (retrained, edited, recompiled)]
    assert fingerprints[0] != original and fingerprints[1] != original
    assert fingerprints[2] == original


def test_another_version_of_a_library_that_shapes_the_output_changes_the_digest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "absent" not in library_versions().values()  # every name is one pip installed
    before = Config().digest()
    installed = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "99.0" if name == "trafilatura" else installed(name)
    )
    library_versions.cache_clear()
    try:
        assert Config().digest() != before
    finally:
        library_versions.cache_clear()


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[input]\nshard_files = "200"\n', "input.shard_files must be an integer, not '200'"),
        ("[input]\nshard_files = 2.5\n", "input.shard_files must be an integer"),
        ("[input]\nshard_files = true\n", "input.shard_files must be an integer"),
        ("[input]\nshard_files = -1\n", "input.shard_files must be 0 (sized from the batch) or more"),
        ('[corpus]\nfind_duplicates = "no"\n', "corpus.find_duplicates must be true or false"),
        ("[corpus]\nfind_duplicates = 0\n", "corpus.find_duplicates must be true or false"),
        ("[output]\ncompression = 1\n", "output.compression must be a string"),
        ('[extract]\ntimeout_seconds = "30"\n', "extract.timeout_seconds must be a number"),
        ("input = 3\n", "[input] must be a table of settings"),
    ],
    ids=["str-for-int", "float-for-int", "bool-for-int", "negative-shards", "str-for-bool", "int-for-bool",
         "int-for-str", "str-for-float", "not-a-table"],
)
def test_a_setting_of_the_wrong_type_or_range_is_a_clear_error(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        load_config(path)


def test_an_integer_for_a_float_setting_is_that_float() -> None:
    config = config_from_dict({"extract": {"timeout_seconds": 30}, "corpus": {"near_duplicate_threshold": 1}})
    assert config.extract.timeout_seconds == 30.0 and isinstance(config.extract.timeout_seconds, float)
    assert config_from_dict({"extract": {"timeout_seconds": 30}}).digest() == Config().digest()


def test_the_command_line_refuses_a_bad_setting_with_exit_2_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "raw").mkdir()
    config = tmp_path / "settings.toml"
    config.write_text('[input]\nshard_files = "200"\n', encoding="utf-8")
    out = tmp_path / "out"
    code = main(["run", "--raw", str(tmp_path / "raw"), "--out", str(out), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: config {config}: input.shard_files must be an integer, not '200' (str)"
    ]
    assert not out.exists()
