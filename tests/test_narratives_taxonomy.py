"""Taxonomy data and the label-set rules (hierarchy, ``<narrative>: Other``, ``Other``)."""

from __future__ import annotations

import numpy as np

from narrascope.narratives import (
    decide_labels,
    domain_of,
    enforce_hierarchy,
    load_taxonomy,
    parent_of,
)

BLAME = "URW: Blaming the war on others rather than the invader"
WEST = f"{BLAME}: The West are the aggressors"
FEARS = "CC: Amplifying Climate Fears"
DOOM = f"{FEARS}: Doomsday scenarios for humans"


def test_taxonomy_has_every_label_with_a_description() -> None:
    tax = load_taxonomy()
    assert len(tax.narratives) == 22  # 21 + Other
    assert len(tax.subnarratives) == 95
    assert "Other" in tax.narratives and "Other" in tax.subnarratives
    assert all(
        len(tax.descriptions[lab].split()) >= 3 for lab in tax.narratives + tax.subnarratives
    )
    for sub in tax.subnarratives:
        assert parent_of(sub) in tax.narratives
    for nar in tax.narratives:
        if nar != "Other":
            assert f"{nar}: Other" in tax.children(nar)


def test_parent_and_domain() -> None:
    assert parent_of(WEST) == BLAME
    assert parent_of("URW: Discrediting the West, Diplomacy: The EU is divided") == (
        "URW: Discrediting the West, Diplomacy"
    )
    assert domain_of(DOOM) == "CC" and domain_of(BLAME) == "URW" and domain_of("Other") == "Other"


def test_sub_implies_narrative_and_pairs_align() -> None:
    nars, subs = enforce_hierarchy([], [WEST])
    assert nars == [BLAME] and subs == [WEST]


def test_narrative_without_sub_gets_other_sub() -> None:
    nars, subs = enforce_hierarchy([FEARS, BLAME], [WEST])
    assert list(zip(nars, subs, strict=True)) == [(FEARS, f"{FEARS}: Other"), (BLAME, WEST)]


def test_nothing_is_other() -> None:
    assert enforce_hierarchy([], []) == (["Other"], ["Other"])
    assert enforce_hierarchy(["Other"], ["Other"]) == (["Other"], ["Other"])


def test_decide_labels_thresholds() -> None:
    labels = [FEARS, DOOM, BLAME, WEST]
    # Narrative above the coarse threshold, its sub above the fine one.
    assert decide_labels(labels, np.array([0.8, 0.4, 0.1, 0.1]), 0.5, 0.3) == ([FEARS], [DOOM])
    # Sub confident but parent below threshold: a sub above t_coarse still adds its parent.
    assert decide_labels(labels, np.array([0.1, 0.1, 0.2, 0.7]), 0.5, 0.3) == ([BLAME], [WEST])
    # Sub above the fine threshold but neither it nor its parent confident: dropped.
    assert decide_labels(labels, np.array([0.1, 0.1, 0.2, 0.4]), 0.5, 0.3) == (["Other"], ["Other"])
    # Parent alone: "<narrative>: Other".
    assert decide_labels(labels, np.array([0.9, 0.1, 0.0, 0.0]), 0.5, 0.3) == (
        [FEARS],
        [f"{FEARS}: Other"],
    )
