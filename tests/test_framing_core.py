"""Framing: metrics on hand-made cases, offsets (emoji), role consistency, one framing per entity."""

# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import joblib
import pytest
from sklearn.exceptions import NotFittedError

from fixtures import merged_doc, write_emoji_gold
from narrascope.document import Document, Entity, Framing, Mention, RoleScore, Sentence
from narrascope.framing import (
    FINE_ROLES,
    FramingModel,
    FramingStage,
    evaluate,
    load_taxonomy,
    mention_features,
    semeval_lines,
)
from narrascope.scoring import score_framing

TRAIN = [
    (
        "The brutal regime of Tyrannia bombed the city and lied about it.",
        "Tyrannia",
        "Antagonist",
        ["Tyrant", "Deceiver"],
    ),
    (
        "Tyrannia invaded its peaceful neighbour without reason.",
        "Tyrannia",
        "Antagonist",
        ["Instigator"],
    ),
    ("Spies from Tyrannia plotted a secret coup.", "Tyrannia", "Antagonist", ["Conspirator"]),
    (
        "Civilians in Harbourtown were killed by shelling overnight.",
        "Harbourtown",
        "Innocent",
        ["Victim"],
    ),
    (
        "Harbourtown suffered again as missiles hit homes and a hospital.",
        "Harbourtown",
        "Innocent",
        ["Victim"],
    ),
    (
        "Children of Harbourtown were forgotten by the world.",
        "Harbourtown",
        "Innocent",
        ["Forgotten"],
    ),
    (
        "Brave Captain Lira defended the bridge and saved hundreds.",
        "Captain Lira",
        "Protagonist",
        ["Guardian"],
    ),
    (
        "Captain Lira negotiated a ceasefire that brought peace.",
        "Captain Lira",
        "Protagonist",
        ["Peacemaker"],
    ),
    (
        "Captain Lira protected the refugees with courage.",
        "Captain Lira",
        "Protagonist",
        ["Guardian", "Virtuous"],
    ),
]


def _doc(text: str, doc_id: str = "d1", language: str = "en") -> Document:
    doc = Document(id=doc_id, text=text, language=language)
    doc.sentences = [Sentence(0, len(text), text)]
    return doc


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    X, y = [], []
    for text, name, main, fines in TRAIN * 2:
        start = text.index(name)
        X.append(mention_features(_doc(text), start, start + len(name)).as_dict())
        y.append((main, fines))
    model = FramingModel(C=10.0, fine_C=10.0).fit(X, y)
    path = tmp_path_factory.mktemp("model") / "framing.joblib"
    joblib.dump(model, path)
    return path


# ------------------------------------------------------------------ metrics
def test_score_framing_hand_case() -> None:
    gold = [
        ("Antagonist", ["Tyrant"]),
        ("Innocent", ["Victim"]),
        ("Protagonist", ["Guardian", "Virtuous"]),
    ]
    pred = [
        ("Antagonist", ["Tyrant"]),
        ("Antagonist", ["Instigator"]),
        ("Protagonist", ["Guardian"]),
    ]
    s = score_framing(pred, gold)
    assert s["emr"] == pytest.approx(1 / 3)
    assert s["main_role_accuracy"] == pytest.approx(2 / 3)
    assert s["micro_precision"] == pytest.approx(2 / 3)  # 2 of 3 predicted fine roles right
    assert s["micro_recall"] == pytest.approx(2 / 4)  # 2 of 4 gold fine roles found
    assert s["micro_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_score_framing_set_order_and_empty() -> None:
    assert score_framing([("Antagonist", ["B", "A"])], [("Antagonist", ["A", "B"])])["emr"] == 1.0
    assert score_framing([], [])["emr"] == 0.0
    with pytest.raises(ValueError):
        score_framing([("Antagonist", [])], [])


def test_taxonomy_matches_shipped_constant(tmp_path: Path) -> None:
    tsv = tmp_path / "roles.tsv"
    tsv.write_text(
        "main_role\tfine_role\nInnocent\tVictim\nInnocent\tForgotten\n", encoding="utf-8"
    )
    assert load_taxonomy(tsv) == {"Innocent": ("Victim", "Forgotten")}
    assert sum(len(v) for v in FINE_ROLES.values()) == 22


# ------------------------------------------------------------------- model
def test_fine_models_constant_for_unlearnable_roles() -> None:
    import numpy as np

    from narrascope.framing._model import FINE_ORDER, fine_scores, fit_fine_models

    Z = np.array([[0.0, 1.0], [1.0, 0.0], [0.9, 0.1], [0.1, 0.9]])
    y = [
        ("Antagonist", ["Tyrant"]),
        ("Innocent", ["Victim"]),
        ("Innocent", ["Victim"]),
        ("Antagonist", ["Tyrant", "Spy"]),
    ]
    models = fit_fine_models(Z, y, C=1.0, min_positive=2)
    # seen twice: learnt; seen once (Spy) or never (Guardian): a small constant
    assert not isinstance(models["Tyrant"], float) and not isinstance(models["Victim"], float)
    assert models["Spy"] == models["Guardian"] == 1e-6
    assert not isinstance(fit_fine_models(Z, y, C=1.0)["Spy"], float)
    scores = fine_scores(models, Z)
    tyrant, victim = FINE_ORDER.index("Tyrant"), FINE_ORDER.index("Victim")
    assert scores.shape == (4, len(FINE_ORDER))
    assert scores[0, tyrant] > scores[1, tyrant] and scores[1, victim] > scores[0, victim]
    # artefacts written before the constants were floats stored "yes"/"no"
    legacy = fine_scores({**models, "Spy": "yes", "Guardian": "no"}, Z)
    assert legacy[0, FINE_ORDER.index("Spy")] == 1.0
    assert legacy[0, FINE_ORDER.index("Guardian")] == 1e-6


def test_model_unfitted_raises() -> None:
    with pytest.raises(NotFittedError):
        FramingModel().predict_roles([])


def test_fine_roles_consistent_with_main_role(model_path: Path) -> None:
    model = joblib.load(model_path)
    texts = [
        ("Tyrannia shelled the villages and lied again.", "Tyrannia"),
        ("Captain Lira rescued the wounded.", "Captain Lira"),
        ("Harbourtown was hit by missiles.", "Harbourtown"),
    ]
    X = [mention_features(_doc(t), t.index(n), t.index(n) + len(n)).as_dict() for t, n in texts]
    preds = model.predict_roles(X)
    assert [p.main_role for p in preds] == ["Antagonist", "Protagonist", "Innocent"]
    for p in preds:
        assert p.fine_roles and all(r in FINE_ROLES[p.main_role] for r, _ in p.fine_roles)
        assert sum(p.main_distribution.values()) == pytest.approx(1.0)
        assert all(0.0 <= pr <= 1.0 for _, pr in p.fine_roles)


# ------------------------------------------------------------------- stage


def test_alias_merged_entity_gets_one_framing(model_path: Path) -> None:
    doc = FramingStage(model_path)(merged_doc())
    aggregated = [f for f in doc.framings if f.mention == -1]
    assert sorted(f.entity for f in aggregated) == ["lira", "tyrannia"]
    lira = next(f for f in aggregated if f.entity == "lira")
    assert lira.main_role == "Protagonist"
    assert all(r.role in FINE_ROLES["Protagonist"] for r in lira.fine_roles)
    # evidence: whole sentences holding the mentions, with offsets into the text
    assert lira.evidence and all(doc.text[e.start : e.end] == e.text for e in lira.evidence)
    assert {e.sentence for e in lira.evidence} <= {0, 1}
    per_mention = sorted(f.mention for f in doc.framings if f.entity == "lira" and f.mention >= 0)
    assert per_mention == [0, 1]


def test_stage_contract_and_empty_document(model_path: Path) -> None:
    stage = FramingStage(model_path)
    assert stage.name == "framing" and stage.assigns == ("framings",)
    assert set(stage.requires) == {"sentences", "tokens", "mentions", "entities"}
    empty = stage(_doc("Nothing here."))
    assert empty.framings == []
    docs = list(stage.pipe([merged_doc(), _doc("x"), merged_doc()], batch_size=2))
    assert [len(d.framings) > 0 for d in docs] == [True, False, True]


# ----------------------------------------------------------------- offsets
def test_semeval_lines_emoji_offsets() -> None:
    text = "🔥🔥 Tyrannia strikes again 🙂 and Tyrannia lies."
    start = text.index("Tyrannia")
    second = text.index("Tyrannia", start + 1)
    doc = _doc(text, "EN_UA_1.txt")
    doc.mentions = [
        Mention(start, start + 8, "Tyrannia", "GPE", 0, "t"),
        Mention(second, second + 8, "Tyrannia", "GPE", 0, "t"),
    ]
    doc.entities = [Entity("t", "Tyrannia", "GPE", [], [0, 1])]
    doc.framings = [
        Framing(
            "t",
            "Tyrannia",
            "Antagonist",
            0.9,
            [RoleScore("Tyrant", 0.7), RoleScore("Deceiver", 0.3)],
        ),
        Framing("t", "Tyrannia", "Antagonist", 0.9, [RoleScore("Tyrant", 1.0)], mention=0),
        Framing("t", "Tyrannia", "Antagonist", 0.9, [RoleScore("Deceiver", 1.0)], mention=1),
    ]
    lines = semeval_lines([doc])
    # two emoji (2 UTF-16 units each) precede the first mention; three precede the second
    assert lines[0] == f"EN_UA_1.txt\tTyrannia\t{start + 2}\t{start + 2 + 7}\tAntagonist\tTyrant"
    assert (
        lines[1] == f"EN_UA_1.txt\tTyrannia\t{second + 3}\t{second + 3 + 7}\tAntagonist\tDeceiver"
    )
    utf16 = text.encode("utf-16-le")
    s, e = int(lines[1].split("\t")[2]), int(lines[1].split("\t")[3])
    assert utf16[2 * s : 2 * (e + 1)].decode("utf-16-le") == "Tyrannia"


def test_semeval_lines_skip_roleless_and_expand_aggregated() -> None:
    doc = merged_doc()
    doc.framings = [
        Framing("lira", "Captain Lira", "Protagonist", 0.8, [RoleScore("Guardian", 1.0)]),
        Framing("tyrannia", "Tyrannia", "", 0.0),
    ]
    lines = semeval_lines([doc])
    assert [line.split("\t")[1] for line in lines] == ["Captain Lira", "Lira"]
    assert lines[1].split("\t")[2:4] == ["41", "44"]


# -------------------------------------------------------------- evaluation
def test_evaluate_given_on_gold_folder_with_emoji(tmp_path: Path, model_path: Path) -> None:
    write_emoji_gold(tmp_path)
    scores = evaluate(tmp_path, lang="EN", mode="given", model_path=model_path)
    assert scores["n_mentions"] == 2
    assert scores["main_role_accuracy"] == 1.0
    assert {"emr", "micro_f1", "micro_precision", "micro_recall"} <= set(scores)
    with pytest.raises(ValueError):
        evaluate(tmp_path, lang="EN", mode="bogus", model_path=model_path)


def test_public_names_are_exported() -> None:
    import narrascope.framing as framing
    from narrascope.pipeline import registry

    assert all(hasattr(framing, name) for name in framing.__all__)
    assert registry.stages.get("narrascope.framing.v1") is framing.FramingStage
