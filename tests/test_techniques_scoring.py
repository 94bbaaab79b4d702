"""The two official PTC metrics on hand-made cases."""

from __future__ import annotations

import pytest

from narrascope.scoring import merge_char_spans, span_prf, technique_micro_f1


def test_exact_match_scores_one() -> None:
    scores = span_prf({"a": [(0, 10), (20, 30)]}, {"a": [(0, 10), (20, 30)]})
    assert scores == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_partial_overlap_gives_partial_credit() -> None:
    # predicted 0..10 covers half of gold 5..15: P = 5/10, R = 5/10
    scores = span_prf({"a": [(0, 10)]}, {"a": [(5, 15)]})
    assert scores["precision"] == pytest.approx(0.5)
    assert scores["recall"] == pytest.approx(0.5)
    assert scores["f1"] == pytest.approx(0.5)


def test_long_prediction_trades_precision_for_recall() -> None:
    # one long span covering two short gold spans: precision 4/20, recall 1 for each gold span
    scores = span_prf({"a": [(0, 20)]}, {"a": [(0, 2), (10, 12)]})
    assert scores["precision"] == pytest.approx(4 / 20)
    assert scores["recall"] == pytest.approx(1.0)


def test_overlapping_predictions_are_merged_not_double_counted() -> None:
    scores = span_prf({"a": [(0, 10), (0, 10), (5, 10)]}, {"a": [(0, 10)]})
    assert scores["precision"] == pytest.approx(1.0)
    assert scores["recall"] == pytest.approx(1.0)


def test_articles_without_predictions_count_as_misses() -> None:
    scores = span_prf({"a": [(0, 10)]}, {"a": [(0, 10)], "b": [(0, 5)]})
    assert scores["precision"] == pytest.approx(1.0)
    assert scores["recall"] == pytest.approx(0.5)
    assert span_prf({}, {"a": [(0, 1)]})["f1"] == 0.0


def test_merge_char_spans() -> None:
    assert merge_char_spans([(5, 8), (0, 3), (3, 4), (7, 9), (10, 10)]) == [(0, 4), (5, 9)]


def test_technique_micro_f1_matches_multilabel_spans_as_multisets() -> None:
    gold = [("a", 0, 5, "Doubt"), ("a", 0, 5, "Repetition"), ("a", 10, 15, "Slogans")]
    pred = [("a", 0, 5, "Repetition"), ("a", 0, 5, "Doubt"), ("a", 10, 15, "Doubt")]
    assert technique_micro_f1(pred, gold) == pytest.approx(2 / 3)
    # the same label twice earns one match only
    twice = [("a", 0, 5, "Doubt"), ("a", 0, 5, "Doubt"), ("a", 10, 15, "Slogans")]
    assert technique_micro_f1(twice, gold) == pytest.approx(2 / 3)
    assert technique_micro_f1([], gold) == 0.0
