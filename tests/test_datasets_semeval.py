"""The SemEval-2025 gold reader: languages, layouts and lines it cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrascope.datasets import load_semeval2025

EN_TEXT = (
    "Tyrannia shells Harbourtown again\n\n"
    "President Ivan Grozny of Tyrannia ordered new strikes on Harbourtown on Monday. "
    "Civilians in Harbourtown were killed as missiles hit homes, and the mayor asked for help."
)


def _row(doc: str, name: str, start: int, main: str = "Antagonist", fine: str = "Tyrant") -> str:
    return f"{doc}\t{name}\t{start}\t{start + len(name) - 1}\t{main}\t{fine}"


def _official(root: Path, folder: str, name: str, rows: list[str]) -> Path:
    gold = root / folder
    (gold / "raw-documents").mkdir(parents=True)
    (gold / "raw-documents" / name).write_text(EN_TEXT, encoding="utf-8")
    (gold / "subtask-1-annotations.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return gold


def test_language_comes_from_the_folder_not_the_file_name_prefix(tmp_path: Path) -> None:
    # the official test files of English are named CC_TEST_* and RU_TEST_*
    start = EN_TEXT.index("Ivan Grozny")
    gold = _official(tmp_path, "EN", "RU_TEST_1.txt", [_row("RU_TEST_1.txt", "Ivan Grozny", start)])
    (doc,) = load_semeval2025(gold)
    assert doc.language == "EN" and len(doc.mentions) == 1


def test_language_is_detected_when_no_folder_names_it(tmp_path: Path) -> None:
    gold = _official(tmp_path, "gold", "RU_TEST_1.txt", [])
    (doc,) = load_semeval2025(gold)
    assert doc.language == "EN"


def test_a_lang_that_contradicts_the_folder_is_an_error(tmp_path: Path) -> None:
    gold = _official(tmp_path, "EN", "EN_UA_1.txt", [])
    with pytest.raises(ValueError, match="BG"):
        load_semeval2025(gold, "BG")
    assert load_semeval2025(gold, "EN")[0].language == "EN"


def test_unusable_lines_are_skipped_and_named(tmp_path: Path) -> None:
    start = EN_TEXT.index("Ivan Grozny")
    rows = [
        _row("EN_UA_1.txt", "Ivan Grozny", start),
        _row("EN_UA_1.txt", "Ivan Grozny", start),  # the same key again
        "EN_UA_1.txt\tHarbourtown\tabc\t12\tInnocent\tVictim",  # offsets not numbers
        _row("EN_UA_1.txt", "Atlantis", 10),  # not in the text
        _row("EN_UA_9.txt", "Ivan Grozny", start),  # no such document
        "EN_UA_1.txt\tHarbourtown\t40",  # too few fields
    ]
    gset = load_semeval2025(_official(tmp_path, "EN", "EN_UA_1.txt", rows))
    assert len(gset[0].mentions) == 1
    assert [s.split(":")[1] for s in gset.skipped] == ["2", "3", "4", "5", "6"]
    joined = "\n".join(gset.skipped)
    for reason in (
        "repeats line 1",
        "not numbers",
        "'Atlantis' is not in",
        "EN_UA_9.txt",
        "3 fields",
    ):
        assert reason in joined
