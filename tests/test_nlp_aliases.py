"""Alias merging: the examples analysts expect to be one entity."""

from __future__ import annotations

import pytest

from narrascope.nlp import name_key, process, strip_titles


def _entities(text: str) -> dict[str, list[str]]:
    doc = process(text, embeddings=False)
    return {ent.id: ent.aliases for ent in doc.entities}


def test_biden_variants_and_title_phrase_merge() -> None:
    ents = _entities(
        "Joe Biden spoke on Monday. Biden said the aid would flow. President Biden signed it. "
        "Later the U.S. President left for Lima."
    )
    aliases = ents["person:joe-biden"]
    assert {"Joe Biden", "Biden"} <= set(aliases)
    assert any("U.S. President" in a for a in aliases)
    assert not any(k.startswith("person:") and k != "person:joe-biden" for k in ents)


@pytest.mark.parametrize(
    "variant", ["Zelensky", "Zelenskiy", "Zelenskyy", "Volodymyrr Zelenskyy", "Volodymyr Zelensky"]
)
def test_zelensky_spellings_share_one_key(variant: str) -> None:
    doc = process(f"{variant} addressed parliament on Tuesday.", embeddings=False)
    assert [e.id for e in doc.entities if e.label == "PERSON"] == ["person:volodymyr-zelensky"]


def test_zelensky_spellings_merge_within_an_article() -> None:
    ents = _entities(
        "Zelensky spoke first. Zelenskiy then answered questions. Volodymyrr Zelenskyy left. "
        "Zelenskyy later returned."
    )
    persons = [k for k in ents if k.startswith("person:")]
    assert persons == ["person:volodymyr-zelensky"]
    assert len(ents["person:volodymyr-zelensky"]) == 4


def test_kremlin_and_metonymic_moscow_are_the_russian_government() -> None:
    ents = _entities(
        "The Kremlin rejected the plan. Moscow warned of a response. He lives in Moscow."
    )
    # once Moscow stands for the government, it does so throughout the article:
    # one actor, not an ORG and a GPE with the same name (issue 15)
    assert set(ents["org:russian-government"]) == {"Kremlin", "Moscow"}
    assert "gpe:moscow" not in ents
    # an article that names Moscow only as a place keeps the city
    assert "gpe:moscow" in _entities("He lives in Moscow with his family.")


def test_unknown_surname_merges_with_full_name_only_when_unambiguous() -> None:
    ents = _entities("Peter Hallam chaired the panel. Hallam said little.")
    persons = {k: v for k, v in ents.items() if k.startswith("person:")}
    assert list(persons.values()) == [["Peter Hallam", "Hallam"]]
    assert len(ents) == 1
    ents = _entities("Anna Berg and Tom Berg disagreed. Berg left early.")
    assert "person:berg" in ents  # ambiguous surname is not forced onto either


def test_acronym_merges_with_long_name() -> None:
    ents = _entities("The North Atlantic Treaty Organization met. NATO ministers agreed.")
    assert set(ents["org:nato"]) == {"North Atlantic Treaty Organization", "NATO"}


def test_helpers() -> None:
    assert strip_titles("U.S. President Joe Biden") == "Joe Biden"
    assert strip_titles("the Kremlin's") == "Kremlin"
    assert name_key("Zelenskiy") == name_key("Zelenskyy") == "zelensky"


def test_entity_ids_are_stable_across_articles() -> None:
    a = process("Joe Biden spoke.", embeddings=False)
    b = process("Biden spoke again.", embeddings=False)
    assert a.entities[0].id == b.entities[0].id == "person:joe-biden"


def test_mentions_point_at_their_entity_and_text() -> None:
    doc = process("Putin met Lavrov. Putin left.", embeddings=False)
    for mention in doc.mentions:
        assert doc.text[mention.start : mention.end] == mention.text
        assert doc.entity(mention.entity) is not None
        assert doc.sentences[mention.sentence].start <= mention.start


def test_mentions_never_start_or_end_with_whitespace() -> None:
    # verbatim texts keep tabs and line breaks inside names; spaCy can end a span on them
    doc = process(
        "President Joe\tBiden and Vladimir\nPutin are warmongers, said Emmanuel Macron."
        " Joe\tBiden is a criminal.",
        embeddings=False,
    )
    assert doc.mentions
    for mention in doc.mentions:
        assert mention.text == mention.text.strip()
        assert doc.text[mention.start : mention.end] == mention.text


def test_language_without_ner_gets_a_note_not_a_crash() -> None:
    doc = process("Dies ist ein Test. Zweiter Satz.", "de", embeddings=False)
    assert len(doc.sentences) == 2
    assert doc.entities == []
    assert any("entity framing are not available" in n for n in doc.notes)


def test_corpus_linking_merges_a_lone_surname_with_the_unique_full_name() -> None:
    from narrascope.nlp import link_corpus_entities

    a = process("Iryna Sava opened the plant. Sava said it would run all winter.", embeddings=False)
    b = process(
        "Energy minister Sava said on Monday that repairs would take weeks.", embeddings=False
    )
    assert [m.entity for m in a.mentions] == ["person:iryna-sava"] * 2  # NER missed the 2nd
    c = process("Mykola Tern and Oksana Tern spoke. Tern left.", embeddings=False)
    mapping = link_corpus_entities([a, b, c])
    full_id = next(e.id for e in a.entities if e.name == "Iryna Sava")
    assert [e.id for e in b.entities if e.label == "PERSON"] == [full_id]
    assert all(m.entity == full_id for m in b.mentions if m.text == "Sava")
    assert not any(v.endswith("tern") for v in mapping.values())  # two Terns: ambiguous
