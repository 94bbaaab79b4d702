"""`narrascope eval framing` end to end on a hand-written gold folder (both layouts, both modes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from narrascope.framing import MODEL_PATH

pytestmark = pytest.mark.skipif(not MODEL_PATH.exists(), reason="framing model not trained")

TEXT = (
    "Tyrannia shells Harbourtown again\n\n"
    "President Ivan Grozny of Tyrannia ordered new strikes on Harbourtown on Monday. "
    "Civilians in Harbourtown were killed as missiles hit homes. "
    "Grozny lied about the attack, while Mayor Anna Lira organised shelters and saved hundreds 🙂."
)


def _gold(root: Path, shared_layout: bool) -> Path:
    raw = root / "raw-documents" / "EN" if shared_layout else root / "EN" / "raw-documents"
    ann = root / "labels" / "EN" if shared_layout else root / "EN"
    raw.mkdir(parents=True)
    ann.mkdir(parents=True, exist_ok=True)
    (raw / "EN_UA_1.txt").write_text(TEXT, encoding="utf-8")
    rows = []
    for name, main, fine in [
        ("Ivan Grozny", "Antagonist", "Tyrant"),
        ("Harbourtown", "Innocent", "Victim"),
        ("Anna Lira", "Protagonist", "Guardian"),
    ]:
        start = TEXT.index(name)
        rows.append(f"EN_UA_1.txt\t{name}\t{start}\t{start + len(name) - 1}\t{main}\t{fine}")
    (ann / "subtask-1-annotations.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("shared_layout", [False, True])
def test_eval_framing_given_json(tmp_path: Path, shared_layout: bool) -> None:
    from narrascope.cli._main import app

    gold = _gold(tmp_path, shared_layout)
    result = CliRunner().invoke(
        app, ["eval", "framing", "--gold", str(gold), "--lang", "EN", "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"emr", "main_role_accuracy", "micro_f1"} <= set(scores)
    assert scores["n_mentions"] == 3
    assert 0.0 <= scores["emr"] <= 1.0


def test_eval_framing_e2e_json(tmp_path: Path) -> None:
    from narrascope.cli._main import app

    gold = _gold(tmp_path, False)
    result = CliRunner().invoke(
        app, ["eval", "framing", "--gold", str(gold), "--lang", "EN", "--mode", "e2e", "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert 0.0 < scores["mention_recall"] <= 1.0
    assert scores["n_gold_mentions"] == 3
    # who gets a role: of the entities framed, how many the gold frames, and the converse
    assert 0.0 < scores["entity_precision"] <= 1.0 and 0.0 < scores["entity_recall"] <= 1.0


def test_eval_framing_rejects_bad_mode(tmp_path: Path) -> None:
    from narrascope.cli._main import app

    result = CliRunner().invoke(app, ["eval", "framing", "--gold", str(tmp_path), "--mode", "x"])
    assert result.exit_code != 0


def test_eval_framing_without_subtask1_gold_fails_naming_the_file(tmp_path: Path) -> None:
    from narrascope.cli._main import app

    gold = _gold(tmp_path, False)
    (gold / "EN" / "subtask-1-annotations.txt").unlink()
    result = CliRunner().invoke(app, ["eval", "framing", "--gold", str(gold / "EN"), "--json"])
    assert result.exit_code == 1
    assert "subtask-1-annotations.txt: not found" in result.output.replace("\n", "")


def test_eval_framing_counts_the_gold_lines_it_could_not_score(tmp_path: Path) -> None:
    from narrascope.cli._main import app

    gold = _gold(tmp_path, False)
    with (gold / "EN" / "subtask-1-annotations.txt").open("a", encoding="utf-8") as fh:
        fh.write("EN_UA_1.txt\tGrozny\tx\ty\tAntagonist\tTyrant\n")
    result = CliRunner().invoke(app, ["eval", "framing", "--gold", str(gold / "EN"), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert scores["n_mentions"] == 3 and scores["skipped_gold_lines"] == 1
    assert "subtask-1-annotations.txt:4" in scores["skipped_gold_examples"][0]
