"""Actor lists: entities for BG, HI, PT and RU, where no NER model installs offline."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.framing import FramingStage
from narrascope.nlp import ActorMatcher, build_actors, load_actors, process
from narrascope.nlp._actors import core, prune_actors

SPELLINGS = Counter(
    {"Россия": 3, "России": 2, "Россию": 1, "Владимир Путин": 2, "Путин": 4, "США": 3, "ЕС": 1}
)


def test_core_cuts_endings_only_where_words_inflect() -> None:
    assert core("России", "ru") == "Росс"
    assert core("Зеленского", "ru") == "Зеленско"
    assert core("Киев", "ru") == "Киев"  # too short to cut
    assert core("НАТО", "ru") == "НАТО"  # acronyms stay whole
    assert core("रूस", "hi") == "रूस"  # Hindi: whole words
    assert core("Ucrânia", "pt") == "Ucrân"


def test_build_actors_merges_inflections_and_surnames() -> None:
    actors = build_actors(SPELLINGS, "ru")
    by_name = {a["name"]: a for a in actors}
    assert set(by_name) == {"Россия", "Путин", "США", "ЕС"}
    assert by_name["Россия"]["docs"] == 6
    assert by_name["Путин"]["docs"] == 6  # "Владимир Путин" joined its surname
    assert [a["name"] for a in actors] == ["Путин", "Россия", "США", "ЕС"]  # by articles, then name
    assert build_actors(SPELLINGS, "ru") == actors  # deterministic
    assert {a["name"] for a in build_actors(SPELLINGS, "ru", min_docs=4)} == {"Россия", "Путин"}


def test_matcher_finds_inflected_forms_but_not_other_words() -> None:
    matcher = ActorMatcher(build_actors(SPELLINGS, "ru"), "ru")
    text = (
        "Россией недовольны. Российский рынок вырос. Владимира Путина спросили о США, "
        "а Естония и ЕС промолчали; россия в нижнем регистре не считается."
    )
    found = [(text[s:e], name) for s, e, name in matcher.find(text)]
    assert found == [
        ("Россией", "Россия"),
        ("Владимира Путина", "Путин"),  # the longest form wins
        ("США", "США"),
        ("ЕС", "ЕС"),  # an acronym matches whole: not "Естония"
    ]
    assert len(matcher) == 4


def test_prune_drops_common_words_framed_once() -> None:
    actors = build_actors(Counter({"लोग": 1, "रूस": 3}), "hi")
    texts = [f"रूस और लोग {i}" for i in range(3)] + [f"लोग आए {i}" for i in range(30)]
    kept = prune_actors(actors, texts, "hi", min_share=0.05)
    assert [a["name"] for a in kept] == ["रूस"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="Россия России США Путин ЕС Естония .,!-\n\t", max_size=120))
def test_matcher_spans_are_ordered_disjoint_and_inside_the_text(text: str) -> None:
    matcher = ActorMatcher(build_actors(SPELLINGS, "ru"), "ru")
    last = 0
    for start, end, name in matcher.find(text):
        assert last <= start < end <= len(text)
        assert text[start:end].strip() == text[start:end]
        assert name in {"Россия", "Путин", "США", "ЕС"}
        last = end


def test_russian_article_gets_actor_entities_and_framing(monkeypatch: pytest.MonkeyPatch) -> None:
    # the actor list alone, as without natasha (tests/test_nlp_russian.py covers natasha)
    monkeypatch.setenv("NARRASCOPE_RU_NER", "off")
    assert load_actors("ru") is not None and load_actors("xx") is None
    text = (
        "Россия обвинила НАТО в эскалации.\n"
        "По словам Кремля, НАТО готовит провокации против России. "
        "Зеленский снова попросил оружие, а Зеленского поддержали в Вашингтоне."
    )
    doc = process(text, "ru", embeddings=False)
    names = {e.name: e for e in doc.entities}
    assert {"НАТО"} <= set(names)
    russia = next(e for e in doc.entities if "России" in [doc.mentions[i].text for i in e.mentions])
    assert len(russia.mentions) == 2 and russia.label == "ACTOR"
    for m in doc.mentions:
        assert doc.text[m.start : m.end] == m.text and doc.entity(m.entity) is not None
    assert any("actors of its list" in n for n in doc.notes)
    doc = FramingStage()(doc)
    framed = {f.name: f for f in doc.framings if f.mention == -1 and f.main_role}
    assert "НАТО" in framed  # named twice: an actor the article is about
    assert framed["НАТО"].evidence
