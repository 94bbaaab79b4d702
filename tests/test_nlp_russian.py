"""Russian entities: natasha's NER merged with the actor list (issue 15)."""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from narrascope.document import Document
from narrascope.nlp import ActorMatcher, build_actors, process
from narrascope.nlp import _stage as stage_module
from narrascope.nlp._russian import NATASHA_MISSING, Finder, load_natasha, russian_entities
from narrascope.nlp._stage import split_sentences

#: a tiny hand-made lemma table standing in for pymorphy2
LEMMAS = {
    "России": "россия",
    "Россию": "россия",
    "Россия": "россия",
    "Шойгу": "шойгу",
    "Сергей": "сергей",
    "Сергея": "сергей",
    "Минобороны": "минобороны",
    "Брюсселе": "брюссель",
    "Брюссель": "брюссель",
    "Путин": "путин",
}


def _lemma(word: str) -> str:
    return LEMMAS.get(word, word.casefold())


def _finder(names: list[str]) -> Finder:
    def find(text: str) -> list[tuple[int, int, str]]:
        out = []
        for name in names:
            start = 0
            while (start := text.find(name, start)) >= 0:
                out.append((start, start + len(name), "LOC"))
                start += len(name)
        return sorted(out)

    return find


def _doc(text: str) -> Document:
    doc = Document(id="1", text=text, language="ru")
    doc.sentences = split_sentences(text, "ru")
    return doc


def test_inflected_forms_are_one_entity_named_in_the_nominative() -> None:
    doc = _doc("Санкции против России. Россию критикуют. В Брюсселе молчат, Брюссель ждёт.")
    finder = _finder(["России", "Россию", "Брюсселе", "Брюссель"])
    mentions, entities = russian_entities(doc, None, finder, _lemma)
    by_id = {e.id: e for e in entities}
    assert set(by_id) == {"ru:россия", "ru:брюссель"}
    assert by_id["ru:россия"].name == "России"  # no nominative: the first of the tied spellings
    assert by_id["ru:брюссель"].name == "Брюссель"  # the dictionary form wins
    assert [m.text for m in mentions] == ["России", "Россию", "Брюсселе", "Брюссель"]
    assert all(m.entity for m in mentions)


def test_natasha_names_join_listed_actors_and_never_double_a_mention() -> None:
    matcher = ActorMatcher(build_actors(Counter({"Россия": 3, "Путин": 2}), "ru"), "ru")
    doc = _doc("Россия и Путин. Минобороны России ответило.")
    # natasha also tags "Россия" (overlaps an actor match: dropped) and "Минобороны"
    finder = _finder(["Россия", "Минобороны"])
    mentions, entities = russian_entities(doc, matcher, finder, _lemma)
    assert [(m.text, m.entity) for m in mentions] == [
        ("Россия", "ru:россия"),
        ("Путин", "ru:путин"),
        ("Минобороны", "ru:минобороны"),
        ("России", "ru:россия"),
    ]
    assert {e.id: e.name for e in entities}["ru:россия"] == "Россия"


def test_natasha_form_the_list_misses_joins_the_actor_by_lemma() -> None:
    # an actor listed under an inflected spelling with one form only: the matcher
    # misses "Россию", natasha finds it, and its lemma is the actor's
    matcher = ActorMatcher([{"name": "России", "forms": [["России"]], "docs": 5}], "ru")
    doc = _doc("Визит в Россию.")
    assert matcher.find(doc.text) == []
    mentions, entities = russian_entities(doc, matcher, _finder(["Россию"]), _lemma)
    assert [m.entity for m in mentions] == ["ru:россии"]
    assert [e.name for e in entities] == ["России"]


def test_a_lone_surname_joins_the_full_name() -> None:
    doc = _doc("Сергей Шойгу прибыл. Шойгу заявил.")
    mentions, entities = russian_entities(doc, None, _finder(["Сергей Шойгу", "Шойгу"]), _lemma)
    # "Шойгу" inside "Сергей Шойгу" overlaps the longer span found first: one mention each
    assert [m.text for m in mentions] == ["Сергей Шойгу", "Шойгу"]
    assert {m.entity for m in mentions} == {"ru:сергей шойгу"}
    assert len(entities) == 1


def test_without_natasha_the_actor_list_stays_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_natasha.cache_clear()
    monkeypatch.setitem(sys.modules, "natasha", None)  # import natasha -> ImportError
    try:
        assert load_natasha() is None
        doc = process("Россия и Путин.", "ru", embeddings=False)
    finally:
        load_natasha.cache_clear()
    assert any(NATASHA_MISSING in note and "actors of its list" in note for note in doc.notes)
    assert doc.entities  # the actor list still finds Russia and Putin


def test_switched_off_russian_ner_keeps_the_list_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRASCOPE_RU_NER", "off")
    assert stage_module._russian_ner() is None
    doc = process("Россия и Путин.", "ru", embeddings=False)
    assert any("actors of its list" in note for note in doc.notes)


def test_real_natasha_merges_declined_forms() -> None:
    pytest.importorskip("natasha")
    doc = process(
        "Россия ответила. Против России ввели санкции. Россию обвинили. "
        "Министр иностранных дел Сергей Лавров прилетел в Брюссель.",
        "ru",
        embeddings=False,
    )
    by_id = {e.id: e for e in doc.entities}
    russia = [e for e in doc.entities if "Россия" in [e.name, *e.aliases]]
    assert len(russia) == 1
    assert {"Россия", "России", "Россию"} <= {doc.mentions[i].text for i in russia[0].mentions}
    assert any("Брюссель" in e.name for e in by_id.values())  # not in any actor list
