"""Framing report partials: per-article table with evidence, per-outlet table, escaping."""

from __future__ import annotations

from narrascope.document import Document, Entity, Evidence, Framing, RoleScore
from narrascope.web import _report


def _doc(outlet: str, role: str, name: str = "Tyrannia") -> Document:
    text = f'{name} bombed the city. A reader wrote <script>alert("x")</script>.'
    doc = Document(id=f"{outlet}-{role}", text=text, outlet=outlet)
    doc.entities = [Entity("tyrannia", name, "GPE", ["Tyrannian regime"], [0])]
    doc.framings = [
        Framing(
            "tyrannia",
            name,
            role,
            0.81,
            [RoleScore("Tyrant" if role == "Antagonist" else "Victim", 0.9)],
            [Evidence(0, len(text), text, 0.8, 0)],
        ),
        Framing("bystander", "Bystander", "", 0.0),
    ]
    return doc


def test_article_partial_lists_roles_evidence_and_escapes() -> None:
    html = _report.environment().get_template("_framing.html").render(doc=_doc("o1", "Antagonist"))
    assert "Tyrannia" in html and "Tyrannian regime" in html
    assert "Antagonist" in html and "Tyrant" in html and "0.81" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Merely mentioned: Bystander" in html


def test_article_partial_escapes_entity_name() -> None:
    html = (
        _report.environment()
        .get_template("_framing.html")
        .render(doc=_doc("o1", "Antagonist", name="<b>Evil</b>"))
    )
    assert "<b>Evil</b>" not in html and "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_corpus_partial_counts_roles_per_outlet() -> None:
    docs = [_doc("north", "Antagonist"), _doc("north", "Antagonist"), _doc("south", "Innocent")]
    html = _report.environment().get_template("_framing_corpus.html").render(docs=docs)
    assert "north" in html and "south" in html
    assert "Tyrannia <small>(3)</small>" in html
    # north: 0 protagonist / 2 antagonist / 0 innocent; south: 0 / 0 / 1
    assert '<span class="P">0</span> / <span class="A">2</span> / <span class="I">0</span>' in html
    assert '<span class="P">0</span> / <span class="A">0</span> / <span class="I">1</span>' in html
    assert "Bystander" not in html


def test_article_partial_orders_actors_by_salience_and_skips_the_name_in_aliases() -> None:
    doc = _doc("o1", "Antagonist")
    doc.entities[0].aliases = ["Tyrannia", "Tyrannian regime"]
    doc.entities.append(Entity("lira", "Lira", "PERSON", ["Lira"], [1]))
    doc.framings[0].salience = 0.3
    doc.framings.append(Framing("lira", "Lira", "Innocent", 0.55, [RoleScore("Victim", 1.0)]))
    doc.framings[-1].salience = 0.9
    html = _report.environment().get_template("_framing.html").render(doc=doc)
    # Lira (salience 0.90) comes first although Tyrannia's role is surer
    assert html.index(">Lira") < html.index(">Tyrannia") and "0.90" in html
    assert "also: Tyrannian regime<" in html and "also: Tyrannia," not in html
    assert "also: Lira" not in html  # nothing to add beyond the name itself


def test_article_partial_lists_unclear_roles_apart_from_mere_mentions() -> None:
    doc = _doc("o1", "Antagonist")
    doc.framings.append(Framing("lira", "<i>Lira</i>", "", 0.45, uncertain=True))
    html = _report.environment().get_template("_framing.html").render(doc=doc)
    assert "Role unclear: &lt;i&gt;Lira&lt;/i&gt;" in html
    assert "Merely mentioned: Bystander<" in html  # the unsure entity is not "merely mentioned"
