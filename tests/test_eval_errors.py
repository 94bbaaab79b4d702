"""`narrascope eval …` on broken gold folders: `file: reason` and exit 1, never a traceback;
gold lines with unknown labels, impossible offsets or empty mentions are skipped and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.datasets import GoldFileError, load_semeval2025
from narrascope.techniques._ptc import load_ptc

TEXT = (
    "Tyrannia shells Harbourtown again\n\n"
    "President Ivan Grozny of Tyrannia ordered new strikes on Harbourtown on Monday. "
    "Civilians in Harbourtown were killed as missiles hit homes."
)
NARRATIVE = "URW: Blaming the war on others rather than the invader"
SUB = f"{NARRATIVE}: Ukraine is the aggressor"


def _gold(root: Path) -> Path:
    """An official-layout EN folder with one document and subtask-1 and -2 gold."""
    gold = root / "EN"
    (gold / "raw-documents").mkdir(parents=True)
    (gold / "raw-documents" / "EN_UA_1.txt").write_text(TEXT, encoding="utf-8")
    (gold / "subtask-2-annotations.txt").write_text(f"EN_UA_1.txt\t{NARRATIVE}\t{SUB}\n", "utf-8")
    start = TEXT.index("Ivan Grozny")
    row = f"EN_UA_1.txt\tIvan Grozny\t{start}\t{start + 10}\tAntagonist\tTyrant\n"
    (gold / "subtask-1-annotations.txt").write_text(row, "utf-8")
    return gold


def _eval(*args: str) -> tuple[int, str]:
    from narrascope.cli._main import app

    result = CliRunner().invoke(app, ["eval", *args], env={"COLUMNS": "1000"})
    # an uncaught exception would be result.exception; typer.Exit shows as SystemExit
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, " ".join(result.output.split())


def _break(gold: Path, how: str) -> str:
    """Break one file of the gold folder; return the name the error must give."""
    raw = gold / "raw-documents" / "EN_UA_1.txt"
    ann = gold / "subtask-2-annotations.txt"
    if how == "latin-1 raw document":
        raw.write_bytes(TEXT.replace("Tyrannia", "Tyrannía").encode("latin-1"))
        return "EN_UA_1.txt: not UTF-8 text"
    if how == "binary raw document":
        raw.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        return "EN_UA_1.txt: binary data"
    if how == "UTF-16 annotations":
        ann.write_text(f"EN_UA_1.txt\t{NARRATIVE}\t{SUB}\n", "utf-16")
        return "subtask-2-annotations.txt: UTF-16 text"
    if how == "directory as annotations":
        ann.unlink()
        ann.mkdir()
        return "subtask-2-annotations.txt: a directory"
    assert how == "directory as raw document"
    raw.unlink()
    raw.mkdir()
    return "EN_UA_1.txt: a directory"


BREAKS = [
    "latin-1 raw document",
    "binary raw document",
    "UTF-16 annotations",
    "directory as annotations",
    "directory as raw document",
]


@pytest.mark.parametrize("how", BREAKS)
def test_eval_narratives_names_the_bad_file(tmp_path: Path, how: str) -> None:
    gold = _gold(tmp_path)
    expected = _break(gold, how)
    code, output = _eval("narratives", "--gold", str(gold), "--json")
    assert code == 1 and expected in output, output


@pytest.mark.parametrize("how", BREAKS[:3])
def test_eval_framing_names_the_bad_file(tmp_path: Path, how: str) -> None:
    gold = _gold(tmp_path)
    expected = _break(gold, how)
    if how == "UTF-16 annotations":  # subtask-1 is framing's gold: that one, not subtask-2
        (gold / "subtask-2-annotations.txt").write_text(f"EN_UA_1.txt\t{NARRATIVE}\t{SUB}\n")
        text = (gold / "subtask-1-annotations.txt").read_text("utf-8")
        (gold / "subtask-1-annotations.txt").write_text(text, "utf-16")
        expected = "subtask-1-annotations.txt: UTF-16 text"
    code, output = _eval("framing", "--gold", str(gold), "--json")
    assert code == 1 and expected in output, output


def test_eval_with_a_lang_the_folder_contradicts(tmp_path: Path) -> None:
    gold = _gold(tmp_path)
    for stage in ("narratives", "framing"):
        code, output = _eval(stage, "--gold", str(gold), "--lang", "BG", "--json")
        assert code == 1 and "--lang BG but the documents are in a EN folder" in output
    shared = tmp_path / "shared"
    (shared / "raw-documents" / "EN").mkdir(parents=True)
    code, output = _eval("narratives", "--gold", str(shared), "--lang", "BG")
    assert code == 1 and "no raw-documents/BG folder (languages here: EN)" in output, output
    a_file = tmp_path / "gold.txt"
    a_file.write_text("not a folder")
    code, output = _eval("narratives", "--gold", str(a_file))
    assert code == 1 and "gold.txt: a file, expected the gold folder" in output


def test_semeval_gold_lines_with_bad_labels_offsets_or_mentions_are_counted(
    tmp_path: Path,
) -> None:
    gold = _gold(tmp_path)
    start = TEXT.index("Harbourtown")
    end = start + 10
    rows = [
        f"EN_UA_1.txt\tHarbourtown\t{start}\t{end}\tInnocent\tVictim",  # kept
        f"EN_UA_1.txt\tHarbourtown\t-5\t{end}\tInnocent\tVictim",
        f"EN_UA_1.txt\tHarbourtown\t{end}\t{start}\tInnocent\tVictim",
        "EN_UA_1.txt\tHarbourtown\t99999999\t100000009\tInnocent\tVictim",
        f"EN_UA_1.txt\t \t{start}\t{start}\tInnocent\tVictim",
        f"EN_UA_1.txt\tIvan Grozny\t{TEXT.index('Ivan')}\t{TEXT.index('Ivan') + 10}\tVillain\tX",
        "EN_UA_1.txt\tTyrannia\t0\t7\tAntagonist\tTyrant\tDragon",  # one unknown fine role
    ]
    (gold / "subtask-1-annotations.txt").write_text("\n".join(rows) + "\n", "utf-8")
    (gold / "subtask-2-annotations.txt").write_text(
        f"EN_UA_1.txt\t{NARRATIVE};Made-up narrative\t{SUB}\n", "utf-8"
    )
    (doc,) = gset = load_semeval2025(gold)
    assert [(m.text, m.fine_roles) for m in doc.mentions] == [
        ("Harbourtown", ["Victim"]),
        ("Tyrannia", ["Tyrant"]),
    ]
    assert doc.narratives == [NARRATIVE] and doc.subnarratives == [SUB]
    reasons = [line.split(": ", 1)[1] for line in gset.skipped]
    assert reasons == [
        "unknown label 'Made-up narrative'",
        f"offsets -5, {end} are outside EN_UA_1.txt",
        f"offsets {end}, {start} are outside EN_UA_1.txt",
        "offsets 99999999, 100000009 are outside EN_UA_1.txt",
        "empty mention",
        "unknown main role 'Villain'",
        "unknown Antagonist role 'Dragon'",
    ]
    assert [line.split(":")[1] for line in gset.skipped] == ["1", "2", "3", "4", "5", "6", "7"]


ARTICLE = "Officials met on Monday.\n\nThe corrupt, lying elites will pay, officials said."


def _ptc(root: Path, rows: list[str]) -> Path:
    (root / "dev-articles").mkdir(parents=True)
    (root / "dev-articles" / "article1.txt").write_text(ARTICLE, encoding="utf-8")
    (root / "dev-task-flc-tc.labels").write_text("\n".join(rows) + "\n", "utf-8")
    return root


def test_ptc_label_lines_with_bad_offsets_or_techniques_are_counted(tmp_path: Path) -> None:
    start = ARTICLE.index("corrupt")
    rows = [
        f"1\tLoaded_Language\t{start}\t{start + 21}",  # kept
        f"1\tLoaded_Language\t-3\t{start}",
        f"1\tLoaded_Language\t{start}\t{start}",
        f"1\tLoaded_Language\t{start}\t999999",
        f"1\tMind_Control\t{start}\t{start + 21}",
        f"1\tLoaded_Language\tabc\t{start}",
        f"7\tLoaded_Language\t{start}\t{start + 21}",
    ]
    arts = load_ptc(_ptc(tmp_path, rows))
    assert [(s.start, s.technique) for s in arts[0].techniques] == [(start, "Loaded_Language")]
    reasons = sorted(line.split(": ", 1)[1] for line in arts.skipped)
    assert reasons == sorted(
        [
            f"offsets -3, {start} are outside article 1",
            f"offsets {start}, {start} are outside article 1",
            f"offsets {start}, 999999 are outside article 1",
            "unknown technique 'Mind_Control'",
            f"offsets 'abc', '{start}' are not numbers",
            "no article '7'",
        ]
    )


def test_eval_techniques_names_the_bad_file_and_counts_skipped_lines(tmp_path: Path) -> None:
    start = ARTICLE.index("corrupt")
    folder = _ptc(tmp_path, [f"1\tLoaded_Language\t{start}\t{start + 21}", "1\tBogus\t0\t5"])
    code, output = _eval("techniques", "--gold", str(folder), "--json")
    assert code == 0, output
    scores = json.loads(output)
    assert scores["skipped_gold_lines"] == 1
    assert scores["skipped_gold_examples"] == [
        "dev-task-flc-tc.labels:2: unknown technique 'Bogus'"
    ]
    labels = folder / "dev-task-flc-tc.labels"
    labels.write_text(labels.read_text("utf-8"), "utf-16")
    code, output = _eval("techniques", "--gold", str(folder))
    assert code == 1 and "dev-task-flc-tc.labels: UTF-16 text" in output
    (folder / "dev-articles" / "article1.txt").write_bytes(b"caf\xe9 au lait")
    labels.write_text(f"1\tLoaded_Language\t{start}\t{start + 21}\n", "utf-8")
    code, output = _eval("techniques", "--gold", str(folder))
    assert code == 1 and "article1.txt: not UTF-8 text (byte 0xe9 at offset 3)" in output


def test_gold_file_error_is_a_value_error() -> None:
    assert issubclass(GoldFileError, ValueError)
