"""Settings: loading from TOML, and the digest that names the intermediate files."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipeline import lineclass, tagging
from pipeline.config import PACKAGE_DIR, _data_files, data_fingerprint
from pipeline.rules import RULES_DIR


def test_every_data_file_the_stages_read_is_in_the_digest() -> None:
    covered = set(_data_files(PACKAGE_DIR))
    read = {
        lineclass.MODEL_PATH,
        lineclass.LEXICON_DIR / "stopwords.txt",
        tagging.LEXICON_DIR / "agencies.txt",
        tagging.LEXICON_DIR / "stopwords.txt",
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
    model = retrained / "lineclass_model.json"
    model.write_text(model.read_text(encoding="utf-8").replace("0", "1", 1), encoding="utf-8")
    edited = _package_copy(tmp_path, "edited")
    with open(edited / "lexicon" / "agencies.txt", "a", encoding="utf-8") as handle:
        handle.write("Example Wire = EW\n")
    recompiled = _package_copy(tmp_path, "recompiled")
    (recompiled / "stages.py").write_text("# code is covered by the version, not by this digest\n")
    fingerprints = [data_fingerprint(folder) for folder in (retrained, edited, recompiled)]
    assert fingerprints[0] != original and fingerprints[1] != original
    assert fingerprints[2] == original
