"""Samples-averaged F1 and per-label P/R/F1 on hand-made cases."""

from __future__ import annotations

import pytest

from narrascope.scoring import narrative_label_prf, samples_f1


def test_samples_f1_averages_per_document() -> None:
    pred = [{"A", "B"}, {"Other"}, {"C"}]
    gold = [{"A"}, {"Other"}, {"D"}]
    # doc1: 2*1/(2+1) = 2/3; doc2: 1; doc3: 0
    assert samples_f1(pred, gold) == pytest.approx((2 / 3 + 1 + 0) / 3)


def test_labels_outside_the_taxonomy_are_ignored() -> None:
    assert samples_f1([{"A", "junk"}], [{"A"}], allowed={"A", "B"}) == 1.0
    assert samples_f1([{"junk"}], [{"A"}], allowed={"A"}) == 0.0


def test_both_empty_counts_as_agreement_and_lengths_must_match() -> None:
    assert samples_f1([set()], [set()]) == 1.0
    with pytest.raises(ValueError):
        samples_f1([{"A"}], [])


def test_per_label_prf() -> None:
    prf = narrative_label_prf([{"A", "B"}, {"A"}], [{"A"}, {"B"}])
    assert prf["A"]["precision"] == 0.5 and prf["A"]["recall"] == 1.0
    assert prf["B"]["precision"] == 0.0 and prf["B"]["f1"] == 0.0 and prf["B"]["support"] == 1
