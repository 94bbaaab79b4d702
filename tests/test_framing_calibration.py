"""Framing: calibration (temperature, reliability, ECE), abstention, unnormalised fine roles."""

from __future__ import annotations

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
