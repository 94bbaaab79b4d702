"""Framing: calibration (temperature, reliability, ECE), abstention, unnormalised fine roles."""

# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from narrascope.framing._calibration import (
    abstention_curve,
    choose_threshold,
    expected_calibration_error,
    fit_temperature,
    reliability_table,
    temper,
)
from narrascope.framing._model import FINE_ORDER, role_predictions


# ------------------------------------------------------------ calibration
def test_ece_hand_case() -> None:
    # bin (0.8, 0.9]: confidence 0.85 twice, one right -> gap 0.35
    # bin (0.5, 0.6]: confidence 0.55 twice, both right -> gap 0.45
    conf = [0.85, 0.85, 0.55, 0.55]
    ok = [True, False, True, True]
    table = reliability_table(conf, ok, bins=10)
    assert [(b.low, b.count) for b in table] == [(pytest.approx(0.5), 2), (pytest.approx(0.8), 2)]
    assert table[1].accuracy == 0.5 and table[1].confidence == pytest.approx(0.85)
    assert expected_calibration_error(conf, ok) == pytest.approx((2 * 0.45 + 2 * 0.35) / 4)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == 0.0
    with pytest.raises(ValueError):
        reliability_table([0.5], [True, False])


def test_temperature_softens_an_overconfident_model() -> None:
    # always 0.95 sure of class 0, right 60% of the time: the fitted T must soften it
    proba = np.tile([0.95, 0.03, 0.02], (100, 1))
    y = np.array([0] * 60 + [1] * 25 + [2] * 15)
    t = fit_temperature(proba, y)
    assert t > 1.5
    calibrated = temper(proba, t)
    assert calibrated[0, 0] == pytest.approx(0.6, abs=0.03)
    assert (calibrated.argmax(axis=1) == proba.argmax(axis=1)).all()  # ranking unchanged
    assert np.allclose(calibrated.sum(axis=1), 1.0)
    before = expected_calibration_error(proba.max(axis=1), proba.argmax(axis=1) == y)
    after = expected_calibration_error(calibrated.max(axis=1), calibrated.argmax(axis=1) == y)
    assert after < 0.05 < before


def test_temperature_sharpens_an_underconfident_model() -> None:
    proba = np.tile([0.4, 0.3, 0.3], (50, 1))
    assert fit_temperature(proba, np.zeros(50, dtype=int)) < 1.0


# ------------------------------------------------------------- abstention
def test_threshold_chosen_for_precision() -> None:
    conf = [0.95, 0.9, 0.85, 0.8, 0.6, 0.55, 0.5, 0.45]
    ok = [True, True, True, True, False, True, False, False]
    # answering the top 4 is 100% precise; the top 6, 5/6 = 0.83
    assert choose_threshold(conf, ok, precision=0.8, min_coverage=0.0) == 0.55
    assert choose_threshold(conf, ok, precision=0.95, min_coverage=0.0) == 0.8
    # never below the coverage floor: at least 6 of 8 answered
    assert choose_threshold(conf, ok, precision=0.95, min_coverage=0.75) == 0.55
    # already precise enough: answer everything
    assert choose_threshold(conf, [True] * 8, precision=0.9) == 0.0
    curve = abstention_curve(conf, ok, [0.0, 0.8, 0.99])
    assert curve[0] == (0.0, 1.0, 5 / 8)
    assert curve[1] == (0.8, 0.5, 1.0)
    assert curve[2][1] == 0.0 and np.isnan(curve[2][2])


def test_ties_are_kept_or_dropped_together() -> None:
    conf = [0.9, 0.7, 0.7, 0.7]
    ok = [True, True, False, False]
    # a cut between equal confidences is impossible: 0.7 answers all four (50%)
    assert choose_threshold(conf, ok, precision=0.9, min_coverage=0.0) == 0.9


# ----------------------------------------------- fine roles as probabilities
def test_fine_roles_are_the_models_probabilities_not_renormalised() -> None:
    fine = np.full((1, len(FINE_ORDER)), 0.01)
    fine[0, FINE_ORDER.index("Tyrant")] = 0.31
    fine[0, FINE_ORDER.index("Deceiver")] = 0.30
    fine[0, FINE_ORDER.index("Victim")] = 0.9  # another main role's: never shown
    (pred,) = role_predictions(
        np.array([[0.7, 0.2, 0.1]]), np.array(["Antagonist", "Innocent", "Protagonist"]), fine, 0.9
    )
    assert pred.main_role == "Antagonist"
    # before: renormalised over the Antagonist roles, Tyrant read ~0.44
    assert pred.fine_roles == [("Tyrant", pytest.approx(0.31)), ("Deceiver", pytest.approx(0.30))]
    assert pred.fine_scores["Spy"] == pytest.approx(0.01)
    assert set(pred.fine_scores) == {
        "Instigator", "Conspirator", "Tyrant", "Foreign Adversary", "Traitor", "Spy",
        "Saboteur", "Corrupt", "Incompetent", "Terrorist", "Deceiver", "Bigot",
    }  # fmt: skip
    (lone,) = role_predictions(
        np.array([[0.7, 0.2, 0.1]]), np.array(["Antagonist", "Innocent", "Protagonist"]), fine, 1.0
    )
    assert lone.fine_roles == [("Tyrant", pytest.approx(0.31))]  # not "Tyrant 1.00"


# ------------------------------------------------------- model and stage
TRAIN = [
    ("The brutal regime of Tyrannia bombed the city and lied about it.", "Tyrannia", "Antagonist", ["Tyrant"]),
    ("Tyrannia invaded its peaceful neighbour without reason.", "Tyrannia", "Antagonist", ["Instigator"]),
    ("Spies from Tyrannia plotted a secret coup.", "Tyrannia", "Antagonist", ["Conspirator"]),
    ("Civilians in Harbourtown were killed by shelling overnight.", "Harbourtown", "Innocent", ["Victim"]),
    ("Harbourtown suffered again as missiles hit homes.", "Harbourtown", "Innocent", ["Victim"]),
    ("Children of Harbourtown were forgotten by the world.", "Harbourtown", "Innocent", ["Forgotten"]),
    ("Brave Captain Lira defended the bridge and saved hundreds.", "Captain Lira", "Protagonist", ["Guardian"]),
    ("Captain Lira negotiated a ceasefire that brought peace.", "Captain Lira", "Protagonist", ["Peacemaker"]),
    ("Captain Lira protected the refugees with courage.", "Captain Lira", "Protagonist", ["Guardian"]),
]  # fmt: skip


def _features(text: str, name: str) -> dict[str, str]:
    from narrascope.document import Document, Sentence
    from narrascope.framing import mention_features

    doc = Document(id="x", text=text, language="en")
    doc.sentences = [Sentence(0, len(text), text)]
    start = text.index(name)
    return mention_features(doc, start, start + len(name)).as_dict()


@pytest.fixture(scope="module")
def fitted() -> object:
    from narrascope.framing import FramingModel

    X = [_features(t, n) for t, n, _, _ in TRAIN]
    y = [(m, f) for _, _, m, f in TRAIN]
    # the article pushes one narrative when it blames Tyrannia, another otherwise
    narratives = [["War: Blame"] if m == "Antagonist" else ["War: Sympathy"] for m, _ in y]
    return FramingModel(C=10.0, fine_C=10.0, cv=3).fit(X, y, narratives)


def test_fit_calibrates_and_chooses_a_threshold(fitted: object) -> None:
    cal = fitted.calibration_  # type: ignore[attr-defined]
    assert set(cal) >= {"temperature", "threshold", "oof_ece", "oof_coverage", "oof_precision"}
    assert cal["temperature"] > 0 and 0.0 <= cal["threshold"] <= 1.0
    assert fitted.side_labels_ == ("War: Blame", "War: Sympathy")  # type: ignore[attr-defined]
    X = [_features("Tyrannia shelled the villages.", "Tyrannia")]
    proba = fitted.predict_proba(X)  # type: ignore[attr-defined]
    assert proba.shape == (1, 3) and proba.sum() == pytest.approx(1.0)
    (pred,) = fitted.predict_roles(X)  # type: ignore[attr-defined]
    assert pred.main_probability == pytest.approx(proba.max())


def test_role_priors_back_off_to_the_language() -> None:
    from narrascope.framing._model import RolePriors

    keys = [("en", "tyrannia", "tyran", "-")] * 3 + [("en", "lira", "lira", "-")]
    priors = RolePriors(smoothing=2.0).fit(keys, np.array([0, 0, 0, 2]), 3)
    seen, unseen = priors.transform([keys[0], ("en", "nobody", "nobod", "-")])
    lang = np.array([3 + 1, 0 + 1, 1 + 1]) / 7.0  # add-one language prior
    assert seen[:3] == pytest.approx((np.array([3, 0, 0]) + 2 * lang) / 5)
    assert seen[3] == pytest.approx(np.log(4))
    assert unseen[:3] == pytest.approx(lang) and unseen[3] == 0.0


def _stage_doc() -> object:
    from fixtures import merged_doc

    return merged_doc()


def test_stage_abstains_below_the_threshold(fitted: object, tmp_path: Path) -> None:
    import joblib

    from narrascope.framing import FramingStage

    path = tmp_path / "m.joblib"
    joblib.dump(fitted, path)
    sure = FramingStage(path, min_probability=0.0, salience=False)(_stage_doc())
    roles = {f.entity: f for f in sure.framings if f.mention == -1}
    assert roles["lira"].main_role and not roles["lira"].uncertain
    assert any(f.mention >= 0 for f in sure.framings)
    unsure = FramingStage(path, min_probability=0.999, salience=False)(_stage_doc())
    agg = {f.entity: f for f in unsure.framings if f.mention == -1}
    lira = agg["lira"]
    assert lira.main_role == "" and lira.uncertain and lira.fine_roles == []
    assert 0.0 < lira.main_probability < 0.999  # the best guess, kept visible
    # an entity the article does not cast (one mention, outside the lead) is merely
    # mentioned, which is not the same as a role the model is unsure of
    assert agg["tyrannia"].main_role == "" and not agg["tyrannia"].uncertain
    assert not [f for f in unsure.framings if f.mention >= 0]  # no per-mention roles either


def test_stage_default_threshold_is_the_models(fitted: object, tmp_path: Path) -> None:
    import copy

    import joblib

    from narrascope.framing import FramingStage

    strict = copy.deepcopy(fitted)
    strict.abstain_threshold_ = 0.999  # type: ignore[attr-defined]
    path = tmp_path / "strict.joblib"
    joblib.dump(strict, path)
    doc = FramingStage(path, salience=False)(_stage_doc())
    assert [f.entity for f in doc.framings if f.uncertain] == ["lira"]
    # the flag survives the store's JSON round trip
    from narrascope.document import Document

    again = Document.from_dict(doc.to_dict())
    assert [f.uncertain for f in again.framings] == [f.uncertain for f in doc.framings]


def test_entity_fine_roles_average_probabilities(fitted: object, tmp_path: Path) -> None:
    import joblib

    from narrascope.framing import FramingStage

    path = tmp_path / "m.joblib"
    joblib.dump(fitted, path)
    stage = FramingStage(path, min_probability=0.0, salience=False)
    doc = _stage_doc()
    scores = stage.predict([doc])[0]
    stage.set_annotations([doc], [scores])
    lira = next(f for f in doc.framings if f.mention == -1 and f.entity == "lira")
    own = [p for i, p in zip(scores.mentions, scores.predictions, strict=True) if i in (0, 1)]
    agreeing = [p for p in own if p.main_role == lira.main_role]
    best = lira.fine_roles[0]
    assert best.probability == pytest.approx(np.mean([p.fine_scores[best.role] for p in agreeing]))
    # one-vs-rest probabilities: the shown roles need not (and here do not) sum to 1
    assert sum(r.probability for r in lira.fine_roles) != pytest.approx(1.0)


def test_explanation_names_only_confident_framings() -> None:
    from narrascope.document import Evidence, Framing, NarrativeLabel, NarrativeResult
    from narrascope.narratives._explain import _roles

    doc = _stage_doc()
    blame = "URW: Blaming the war on others"
    quote = doc.sentences[2]  # "Tyrannia bombed it."
    result = NarrativeResult(
        "URW",
        [
            NarrativeLabel(
                blame, "narrative", 0.8, [Evidence(quote.start, quote.end, quote.text, 0.8, 2)]
            )
        ],
        dominant=blame,
    )
    doc.framings = [
        Framing("lira", "Captain Lira", "Protagonist", 0.9),
        Framing("tyrannia", "Tyrannia", "", 0.41, uncertain=True),
    ]
    assert _roles(doc, result) == ([], ["Captain Lira"], [])
    # the framing stage ran but was unsure of everyone: Tyrannia is not blamed because
    # the blaming narrative's evidence names it (what the explanation did before)
    doc.framings = [Framing("tyrannia", "Tyrannia", "", 0.41, uncertain=True)]
    assert _roles(doc, result) == ([], [], [])
    # without the framing stage the narrative's evidence still gives the blamed actors
    doc.framings = []
    assert _roles(doc, result) == (["Tyrannia"], [], [])


def test_stage_scores_only_entities_that_can_have_a_role(fitted: object, tmp_path: Path) -> None:
    """Salience is decided before scoring: a merely mentioned entity's mentions are never
    featurised, and the framings equal those of scoring every mention."""
    import joblib

    from narrascope.framing import FramingStage, MentionScores, mention_features

    path = tmp_path / "m.joblib"
    joblib.dump(fitted, path)
    stage = FramingStage(path, min_probability=0.0, salience=False)
    doc = _stage_doc()
    (scores,) = stage.predict([doc])
    assert scores.mentions == [0, 1]  # Tyrannia: one mention outside the lead, no role
    assert scores.bearers == {"lira": (0.0, True), "tyrannia": (0.0, False)}
    stage.set_annotations([doc], [scores])
    every = _stage_doc()
    feats = [mention_features(every, m.start, m.end).as_dict() for m in every.mentions]
    all_scores = MentionScores([0, 1, 2], fitted.predict_roles(feats))  # type: ignore[attr-defined]
    stage.set_annotations([every], [all_scores])  # no bearers: the stage decides them again
    assert every.framings == doc.framings
    assert [f.mention for f in doc.framings] == [-1, -1, 0, 1]


def test_model_without_dense_block_never_computes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped configuration (``dense`` weight 0) never runs VADER or the embedder."""
    from narrascope.framing import FramingModel
    from narrascope.framing import _model as model_module

    def boom(*_: object) -> None:
        raise AssertionError("dense block computed")

    monkeypatch.setattr(model_module.FramingModel, "_dense", boom)
    X = [_features(t, n) for t, n, _, _ in TRAIN]
    y = [(m, f) for _, _, m, f in TRAIN]
    model = FramingModel(field_weights={"dense": 0.0}, cv=3).fit(X, y)
    assert model.predict_proba(X[:2]).shape == (2, 3)
    with pytest.raises(AssertionError, match="dense block"):
        FramingModel(cv=3).fit(X, y)


def test_valence_weight_zero_drops_only_the_vader_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    from narrascope.framing import FramingModel
    from narrascope.framing import _model as model_module

    X = [_features(t, n) for t, n, _, _ in TRAIN[:3]]
    full = FramingModel()._dense(X)
    monkeypatch.setattr(model_module, "_valence", lambda _: pytest.fail("VADER called"))
    no_vader = FramingModel(field_weights={"valence": 0.0})._dense(X)
    assert full.shape == (3, no_vader.shape[1] + 16)  # 4 x 3 valences + 4 context statistics
    assert np.allclose(full[:, 16:], no_vader)
