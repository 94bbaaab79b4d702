"""The same-story features and model: hand-written texts, no research data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import f1_score

from narrascope.errors import ModelNotFoundError
from narrascope.stories._similarity import (
    FEATURES,
    DocFrequencies,
    SameStoryModel,
    StoryArticle,
    best_f1_threshold,
    entities_of,
    pair_features,
    signature,
)

QUAKE = StoryArticle(
    "a",
    "Earthquake in Izmir kills 20",
    "A strong earthquake struck the Turkish city of Izmir on Friday, killing 20 people. "
    "Rescue teams from AFAD searched the rubble overnight.",
)
QUAKE2 = StoryArticle(
    "b",
    "Izmir earthquake: death toll rises to 20",
    "Rescuers of AFAD pulled survivors from collapsed buildings in Izmir after Friday's "
    "earthquake, which killed 20 people, officials said.",
)
BUDGET = StoryArticle(
    "c",
    "Parliament passes the 2023 budget",
    "Lawmakers in Ottawa approved the federal budget late on Tuesday after a long debate "
    "on spending for hospitals and schools.",
)


def _freq(*sigs: object) -> DocFrequencies:
    freq = DocFrequencies()
    for s in sigs:
        freq.add(s)  # type: ignore[arg-type]
    return freq


def test_entities_skip_sentence_openers_and_keep_numbers() -> None:
    ents = entities_of("The minister met Erdoğan in Ankara. Later 20 people left. Москва ответила.")
    assert {"erdoğan", "ankara", "20"} <= ents
    assert "the" not in ents and "later" not in ents  # sentence-initial capitals
    assert "москва" not in ents  # opens a sentence too


def test_features_of_identical_articles_and_of_unrelated_ones() -> None:
    sa, sb, sc = (signature(a, None) for a in (QUAKE, QUAKE2, BUDGET))
    freq = _freq(sa, sb, sc)
    same = dict(zip(FEATURES, pair_features(sa, sa, freq), strict=True))
    assert same["char_cos"] == pytest.approx(1.0)
    assert same["ent_overlap"] == pytest.approx(1.0)
    assert same["title_cos"] == pytest.approx(1.0)
    near = dict(zip(FEATURES, pair_features(sa, sb, freq), strict=True))
    far = dict(zip(FEATURES, pair_features(sa, sc, freq), strict=True))
    assert near["char_cos"] > far["char_cos"]
    assert near["ent_overlap"] > far["ent_overlap"]
    assert near["emb_cos"] == far["emb_cos"] == 0.0  # no encoder: no embedding signal


def test_missing_title_is_flagged_not_scored() -> None:
    untitled = StoryArticle("d", "", QUAKE.text)
    sa, sd = signature(QUAKE, None), signature(untitled, None)
    row = dict(zip(FEATURES, pair_features(sa, sd, _freq(sa, sd)), strict=True))
    assert row["title_missing"] == 1.0 and row["title_cos"] == 0.0


def test_best_f1_threshold_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    scores = np.round(rng.random(60), 2)
    y = (scores + rng.normal(0, 0.3, 60) > 0.5).astype(int)
    t = best_f1_threshold(scores, y)
    best = max(f1_score(y, scores >= c) for c in np.unique(scores))
    assert f1_score(y, scores >= t) == pytest.approx(best)


def _toy(n: int = 200) -> tuple[np.ndarray, np.ndarray, list[int]]:
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, n)
    X = rng.normal(0, 1, (n, len(FEATURES)))
    X[:, 0] += 2.0 * y
    return X, y, [i // 4 for i in range(n)]


def test_model_follows_the_sklearn_contract_and_learns_a_threshold() -> None:
    X, y, groups = _toy()
    model = SameStoryModel(C=0.5)
    assert clone(model).get_params() == {"C": 0.5, "degree": 2, "inner_folds": 5, "use": FEATURES}
    assert not hasattr(model, "threshold_")
    model.fit(X, y, groups=groups)
    assert model.coef_[0] > 0  # the informative column gets the weight
    assert 0.0 < model.threshold_ < 1.0 and model.threshold_ != 0.5
    p = model.predict_proba(X)[:, 1]
    assert np.array_equal(model.predict(X), (p >= model.threshold_).astype(int))
    assert SameStoryModel().fit(X, y).threshold_ == 0.5  # no groups: no threshold search


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    X, y, groups = _toy()
    model = SameStoryModel().fit(X, y, groups=groups)
    path = tmp_path / "m.json"
    model.save(path, encoder="test")
    back = SameStoryModel.load(path)
    assert np.allclose(back.predict_proba(X), model.predict_proba(X))
    assert back.threshold_ == model.threshold_


def test_model_files_that_cannot_be_used_say_why(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match=r"training/stories\.py"):
        SameStoryModel.load(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"features": ["char_cos"], "mean": [0]}', encoding="utf-8")
    with pytest.raises(ModelNotFoundError, match=r"bad\.json"):
        SameStoryModel.load(bad)


def test_pair_features_are_symmetric() -> None:
    sigs = [signature(a, None) for a in (QUAKE, QUAKE2, BUDGET)]
    freq = _freq(*sigs)
    for a, b in itertools.combinations(sigs, 2):
        assert np.allclose(pair_features(a, b, freq), pair_features(b, a, freq))


def test_degree_two_expansion_matches_scikit_learn() -> None:
    from sklearn.preprocessing import PolynomialFeatures

    X, _, _ = _toy(10)
    expected = PolynomialFeatures(2, include_bias=False).fit_transform(X)
    assert np.allclose(SameStoryModel(degree=2)._expand(X), expected)
