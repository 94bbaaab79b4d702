"""Claims of a story: extraction, grouping across wording and language, one-sided, omissions."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from narrascope.document import Document, Entity, Mention
from narrascope.stories import extract_claims, find_figures, group_claims

#: entity id → surface forms, as the nlp stage's alias merger would link them
ENTITIES = {
    "ukraine": ("Ukraine", "Украине"),
    "kharkiv": ("Kharkiv",),
    "kremlin": ("Kremlin", "Песков"),
    "belgorod": ("Белгород",),
    "mike-johnson": ("Mike Johnson",),
}


def article(id: str, outlet: str, text: str, lang: str = "en") -> Document:
    """A hand-written article with the mentions the ``nlp`` stage would have found."""
    doc = Document(id=id, text=text, outlet=outlet, language=lang, published=date(2024, 4, 22))
    for key, forms in ENTITIES.items():
        for form in forms:
            for m in re.finditer(re.escape(form), text):
                doc.mentions.append(Mention(m.start(), m.end(), form, "GPE", -1, key))
        if any(m.entity == key for m in doc.mentions):
            doc.entities.append(Entity(key, forms[0], "GPE"))
    return doc


def story() -> list[Document]:
    return [
        article(
            "a1",
            "Alpha",
            "The House approved $61 billion in military aid for Ukraine, Speaker Mike Johnson "
            "said. The Kremlin denied any role in the strike on Kharkiv. At least 12 people "
            "were killed in Kharkiv, officials said. The weather was mild.",
        ),
        article(
            "b1",
            "Beta",
            "Lawmakers passed a $61bn aid package for Ukraine after months of delay. "
            "The Kremlin denies a role in the Kharkiv strike. Local officials said 12 people "
            "died in Kharkiv.",
        ),
        article(
            "c1",
            "Gamma",
            "The House approved $60 billion for Ukraine, according to Reuters. "
            "Nobody expected the vote.",
        ),
        article(
            "d1",
            "Delta",
            "Палата представителей одобрила помощь Украине на 61 млрд долларов. "
            "Киев обстрелял Белгород, заявил Песков.",
            lang="ru",
        ),
    ]


def by_text(report: dict, fragment: str) -> dict:
    (found,) = [c for c in report["claims"] if any(fragment in q["text"] for q in c["quotes"])]
    return found


def test_extraction_kinds_offsets_sources_and_numbers() -> None:
    doc = story()[0]
    claims = extract_claims(doc)
    assert [c.kind for c in claims] == ["attributed", "attributed", "attributed"]
    aid, denial, dead = claims
    assert set(aid.kinds) == {"attributed", "decision", "figure"}
    assert aid.source == "Mike Johnson"
    assert [(f.value, f.unit) for f in aid.figures] == [(61e9, "USD")]
    assert dead.figures[0].value == 12 and "figure" in dead.kinds
    assert "denied" in denial.text
    for c in claims:
        assert doc.text[c.start : c.end] == c.text
    assert all("weather" not in c.text for c in claims)


def test_questions_are_not_claims() -> None:
    """A question with a reporting verb ("What does Kyiv say?") asks; it states nothing."""
    doc = article(
        "q1",
        "Alpha",
        "What does Kyiv say? Will the Senate approve $9.8 billion?\u201d "
        "The Senate approved $9.8 billion for Ukraine, officials said.",
    )
    claims = extract_claims(doc)
    assert [c.text for c in claims] == [
        "The Senate approved $9.8 billion for Ukraine, officials said."
    ]


def test_according_to_names_the_source() -> None:
    (claim,) = extract_claims(story()[2])
    assert claim.source == "Reuters" and claim.kind == "attributed"


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("$61 billion", 61e9, "USD"),
        ("$61bn", 61e9, "USD"),
        ("61 billion dollars", 61e9, "USD"),
        ("61 млрд долларов", 61e9, "USD"),
        ("1,200", 1200, "count"),
        ("1 200,5 рублей", 1200.5, "RUB"),
        ("1.5 million", 1.5e6, "count"),
        ("35%", 35, "percent"),
        ("12 per cent", 12, "percent"),
        ("$5m", 5e6, "USD"),
    ],
)
def test_figures_are_normalised(text: str, value: float, unit: str) -> None:
    (fig,) = find_figures(f"It was {text} in all.")
    assert (fig.text, fig.value, fig.unit) == (text, value, unit)


def test_numbers_glued_to_names_are_not_figures() -> None:
    assert find_figures("The G7 and COVID-19 on the 12th floor.") == []


def test_61_billion_matches_61bn_and_not_60_billion() -> None:
    (a,) = find_figures("$61 billion")
    (b,) = find_figures("a 61bn package")
    (c,) = find_figures("$60 billion")
    (d,) = find_figures("61%")
    assert a.same(b) and b.same(a)
    assert not a.same(c) and not d.same(find_figures("61 people")[0])


def test_claims_group_across_wording_and_language() -> None:
    report = group_claims(story()).to_dict()
    aid = by_text(report, "$61 billion")
    assert aid["outlets"] == ["Alpha", "Beta", "Delta"]  # EN "$61bn" and RU "61 млрд" join
    assert aid["articles"] == ["a1", "b1", "d1"]
    assert aid["one_sided"] is False
    assert {"value": 61e9, "unit": "USD", "text": "$61 billion"} in aid["numbers"]
    sixty = by_text(report, "$60 billion")  # same wording, another figure: another claim
    assert sixty["outlets"] == ["Gamma"] and sixty is not aid
    dead = by_text(report, "12 people were killed")
    assert dead["outlets"] == ["Alpha", "Beta"]
    denial = by_text(report, "Kremlin denied")
    assert denial["outlets"] == ["Alpha", "Beta"]
    for claim in report["claims"]:
        for quote in claim["quotes"]:
            doc = next(d for d in story() if d.id == quote["article"])
            assert doc.text[quote["start"] : quote["end"]] == quote["text"]


def test_one_sided_claim_of_one_outlet() -> None:
    report = group_claims(story()).to_dict()
    assert by_text(report, "Белгород")["one_sided"] is True
    assert by_text(report, "$60 billion")["one_sided"] is True


def test_one_sided_by_outlet_group() -> None:
    groups = {"Alpha": "west", "Beta": "west", "Gamma": "west", "Delta": "east"}
    plain = group_claims(story()).to_dict()
    grouped = group_claims(story(), outlet_groups=groups).to_dict()
    assert by_text(plain, "Kremlin denied")["one_sided"] is False
    assert by_text(grouped, "Kremlin denied")["one_sided"] is True  # west only
    assert by_text(grouped, "$61 billion")["one_sided"] is False  # west and east


def test_omission_of_a_claim_most_outlets_carry() -> None:
    report = group_claims(story())
    as_dict = report.to_dict()
    # 3 of 4 outlets carry the $61bn claim (> 50%): Gamma leaves it out
    assert list(as_dict["omissions"]) == ["Gamma"]
    (omitted,) = as_dict["omissions"]["Gamma"]
    assert "$61 billion" in omitted["text"]
    assert omitted["outlets"] == ["Alpha", "Beta", "Delta"]
    # 2 of 4 (the Kharkiv toll) is not "most": nobody omits it
    strict = group_claims(story(), omission_share=0.4).to_dict()
    assert set(strict["omissions"]) == {"Gamma", "Delta"}


def test_a_single_outlet_story_has_no_sides() -> None:
    report = group_claims(story()[:1]).to_dict()
    assert report["omissions"] == {}
    assert not any(c["one_sided"] for c in report["claims"])


def test_articles_without_outlet_count_for_no_side() -> None:
    docs = story()
    docs[3].outlet = ""
    report = group_claims(docs).to_dict()
    aid = by_text(report, "$61 billion")
    assert aid["outlets"] == ["Alpha", "Beta"] and "d1" in aid["articles"]
    assert by_text(report, "Белгород")["one_sided"] is False


def test_a_shared_number_alone_does_not_link() -> None:
    docs = [
        article("x1", "Alpha", "Officials said 12 hospitals closed."),
        article("x2", "Beta", "The court jailed 12 activists, lawyers said."),
    ]
    report = group_claims(docs).to_dict()
    assert sorted(len(c["articles"]) for c in report["claims"]) == [1, 1]


def test_any_encoder_callable_supplies_the_text_signal() -> None:
    docs = [
        article("e1", "Alpha", "Officials said the ceasefire collapsed overnight."),
        article("e2", "Beta", "Negotiators reported that the truce had broken down."),
    ]
    assert len(group_claims(docs).groups) == 2  # no shared words, numbers or entities

    def encode(texts: list[str]) -> np.ndarray:  # a stand-in for a sentence encoder
        return np.array([[1.0, 0.1] if "ceasefire" in t else [1.0, 0.0] for t in texts])

    (group,) = group_claims(docs, encode=encode).groups
    assert group.outlets == ["Alpha", "Beta"]


@pytest.mark.parametrize(
    ("text", "source"),
    [
        ("Ukraine lost ground, said Mike Johnson.", "Mike Johnson"),
        ("Officials said Ukraine lost ground.", ""),
        ("At least 12 people were killed in Kharkiv, officials said.", ""),
        ("Negotiations stalled, Jane Doe told reporters.", "Jane Doe"),
    ],
)
def test_the_source_is_the_name_beside_the_cue(text: str, source: str) -> None:
    (claim,) = extract_claims(article("s1", "Alpha", text))
    assert claim.source == source


def test_a_shared_number_needs_wording_or_an_entity_besides() -> None:
    docs = [
        article("n1", "Alpha", "Officials said 12 hospitals closed."),
        article("n2", "Beta", "The court jailed 12 activists, lawyers said."),
    ]
    low = 0.15  # below the 0.2 of wording that corroborates a shared figure

    def encode(texts: list[str]) -> np.ndarray:
        return np.array(
            [[1.0, 0.0] if "hospitals" in t else [low, (1 - low**2) ** 0.5] for t in texts]
        )

    # text 0.15 and the figure would score (0.45·0.15 + 0.35) / 0.8 ≈ 0.52 ≥ 0.5
    assert len(group_claims(docs, encode=encode).groups) == 2


def test_dates_that_cannot_coincide_split_alike_claims() -> None:
    docs = [
        article("t1", "Alpha", "The Kremlin denied the strike on 20 April 2024."),
        article("t2", "Beta", "The Kremlin denied the strike in April 2024."),
        article("t3", "Gamma", "The Kremlin denied the strike on 2 May 2024."),
    ]
    report = group_claims(docs).to_dict()
    april = by_text(report, "20 April")
    assert april["outlets"] == ["Alpha", "Beta"]  # a day lies in its month
    assert by_text(report, "2 May")["outlets"] == ["Gamma"]


def test_an_encoder_is_used_only_for_the_languages_it_knows() -> None:
    docs = [
        article("r1", "Alpha", "Киев обстрелял Белгород, заявил Песков.", lang="ru"),
        article("r2", "Beta", "Посол вручил ноту протеста, сообщил МИД.", lang="ru"),
    ]

    def everything_alike(texts: list[str]) -> np.ndarray:  # as an English model sees Cyrillic
        return np.ones((len(texts), 2))

    assert len(group_claims(docs, encode=everything_alike, text_floor=0).groups) == 1
    kept_apart = group_claims(docs, encode=everything_alike, encode_languages={"en"})
    assert len(kept_apart.groups) == 2


def test_a_story_without_claims() -> None:
    docs = [article("z1", "Alpha", "The weather was mild."), article("z2", "Beta", "")]
    assert group_claims(docs).to_dict() == {"claims": [], "omissions": {}}


def test_years_and_vague_dates_are_not_figures_or_date_claims() -> None:
    found = find_figures("The last one was in 2015, for 2015 dollars.")
    assert [(f.text, f.unit) for f in found] == [("2015 dollars", "USD")]
    doc = article(
        "y1", "Alpha", "The timing suggested it was for this year. It rained on 3 May 2024."
    )
    assert [c.text for c in extract_claims(doc)] == ["It rained on 3 May 2024."]
