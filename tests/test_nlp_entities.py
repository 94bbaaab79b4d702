"""Entity typing and merging fixed in issue 15: places, weapons, demonyms, generic words."""

from __future__ import annotations

import pytest

from narrascope.document import Mention
from narrascope.nlp import merge_aliases, process
from narrascope.nlp._stage import GENERIC_WORDS, _trim_leading


def _merge(text: str, spans: list[tuple[str, str]]) -> tuple[list[Mention], dict[str, str]]:
    """Mentions of each ``(surface, model label)`` at its first occurrence, merged."""
    mentions = []
    pos = 0
    for surface, label in spans:
        start = text.index(surface, pos)
        pos = start + len(surface)
        mentions.append(Mention(start, pos, surface, label, 0))
    entities = merge_aliases(text, mentions)
    return mentions, {e.id: e.label for e in entities}


@pytest.mark.parametrize(
    ("text", "surface", "wrong", "key", "label"),
    [
        ("He was born in Kyiv.", "Kyiv", "PERSON", "gpe:kyiv", "GPE"),
        ("Leopard 2 tanks arrived.", "Leopard 2", "PERSON", "product:leopard-2", "PRODUCT"),
        ("Fighting went on near Kursk.", "Kursk", "PRODUCT", "gpe:kursk", "GPE"),
        ("Fighting went on in Donbass.", "Donbass", "PRODUCT", "loc:donbas", "LOC"),
    ],
)
def test_gazetteer_corrects_the_label_the_model_gave(
    text: str, surface: str, wrong: str, key: str, label: str
) -> None:
    mentions, entities = _merge(text, [(surface, wrong)])
    assert entities == {key: label}
    assert mentions[0].label == label  # the mention is retyped too, not only the entity


def test_places_and_weapons_come_out_typed_end_to_end() -> None:
    doc = process(
        "They met in Kyiv. Leopard 2 tanks and F-16 jets reached Kursk. The war in Donbass "
        "goes on. The Kyiv Independent and the Washington Post reported it.",
        embeddings=False,
    )
    labels = {e.id: e.label for e in doc.entities}
    assert labels["gpe:kyiv"] == "GPE"
    assert labels["product:leopard-2"] == "PRODUCT"
    assert labels["gpe:kursk"] == "GPE"
    assert labels["loc:donbas"] == "LOC"
    # names the model found whole stay whole: the ruler after it only adds missed ones
    assert labels["org:kyiv-independent"] == "ORG"
    assert "org:washington-post" in labels


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("& board games", None),
        ("and the games", None),
        ("State", None),
        ("Government", None),
        ("& Sons Ltd", "Sons Ltd"),
        ("and NATO", "NATO"),
        ("Standard Oil", "Standard Oil"),
        ("“Azov", "“Azov"),  # an opening quote is part of the text, not junk
    ],
)
def test_leading_junk_and_lone_generic_words(name: str, kept: str | None) -> None:
    text = f"xx {name} yy"
    start = _trim_leading(text, 3, 3 + len(name))
    assert (text[start : 3 + len(name)] if start is not None else None) == kept


def test_generic_words_are_lowercase_lone_words() -> None:
    assert all(w == w.casefold() and " " not in w for w in GENERIC_WORDS)


def test_demonyms_join_their_country() -> None:
    text = "Ukrainian forces held. Ukraine asked for help. American aid and US planes came."
    mentions, entities = _merge(
        text, [("Ukrainian", "NORP"), ("Ukraine", "GPE"), ("American", "NORP"), ("US", "GPE")]
    )
    assert entities == {"gpe:ukraine": "GPE", "gpe:united-states": "GPE"}
    assert [m.entity for m in mentions] == [
        "gpe:ukraine",
        "gpe:ukraine",
        "gpe:united-states",
        "gpe:united-states",
    ]


def test_west_and_western_are_one_entity_named_the_west() -> None:
    doc = process(
        "The West sent arms. Western leaders met in Rome. The West Bank is elsewhere.",
        embeddings=False,
    )
    west = [e for e in doc.entities if e.id == "loc:west"]
    assert len(west) == 1 and west[0].name == "the West"
    assert {doc.mentions[i].text for i in west[0].mentions} == {"West", "Western"}
    assert all(m.text != "West" or m.entity == "loc:west" for m in doc.mentions)


def test_washington_is_one_actor_in_an_article() -> None:
    text = "Washington warned Moscow. Talks were later held in Washington."
    mentions, entities = _merge(text, [("Washington", "GPE"), ("Washington", "GPE")])
    assert entities == {"org:us-government": "ORG"}
    assert {m.entity for m in mentions} == {"org:us-government"}
    # only as a place, it stays the place
    _, entities = _merge("He studied in Washington.", [("Washington", "GPE")])
    assert entities == {"gpe:washington": "GPE"}


def test_a_demonym_inside_a_longer_name_is_not_the_actor() -> None:
    # a headline the small model leaves untagged: the demonym ruler must not take "Western"
    doc = process(
        "CNN Peddles False Alarm About Western Antarctica Melting\n\nWestern leaders met.",
        embeddings=False,
    )
    western = [m for m in doc.mentions if m.text == "Western"]
    assert [doc.text[m.end : m.end + 8] for m in western] == [" leaders"]
