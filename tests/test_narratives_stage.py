"""The ``narratives`` stage end to end on hand-written articles: labels, evidence offsets,
explanation, SemEval export, ``evaluate`` on both gold layouts, and the report partials."""

# ruff: noqa: E501

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, select_autoescape

from narrascope.document import Document
from narrascope.narratives import (
    OTHER,
    NarrativeStage,
    evaluate,
    load_taxonomy,
    parent_of,
    predicted_sets,
    semeval_lines,
)
from narrascope.nlp import process_many

WAR = """NATO provoked Russia and now the West wants a world war

The aggressive expansion of NATO towards Russian borders forced Moscow to defend itself. Western leaders are dragging Europe into a nuclear war with their reckless weapons deliveries to the Kyiv regime. The corrupt government of Zelensky steals the billions sent by Washington while Ukrainian soldiers desert. Sanctions against Russia have backfired and European households pay the price with soaring energy bills.
"""

CLIMATE = """Climate alarmists want to ban your car and your cow

The so-called climate emergency is a hoax pushed by globalist elites who profit from green subsidies. Wind turbines fail every winter and solar panels make electricity unaffordable. The climate has always changed in natural cycles, and CO2 is plant food that greens the planet. Scientists who doubt the models are silenced.
"""

PLAIN = """Town library extends opening hours

The public library on Main Street will open on Sundays from next month. The mayor said the change follows requests from students. Volunteers will help with the new reading programme for children.
"""

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "narrascope" / "web" / "templates"


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    docs = process_many(
        [WAR, CLIMATE, PLAIN], ["en", "en", "en"], ids=["war.txt", "cc.txt", "plain.txt"]
    )
    return list(NarrativeStage().pipe(docs))


def test_labels_follow_taxonomy_and_hierarchy(docs: list[Document]) -> None:
    tax = load_taxonomy()
    for doc in docs:
        res = doc.narratives
        assert res is not None
        nars = {lab.label for lab in res.labels if lab.level == "narrative"}
        for lab in res.labels:
            assert 0.0 <= lab.probability <= 1.0
            if lab.level == "subnarrative":
                assert lab.label in tax.subnarratives and parent_of(lab.label) in nars
            else:
                assert lab.label in tax.narratives
        if res.dominant != "Other":
            assert res.dominant in nars and res.domain == res.dominant.split(":")[0]


def test_domains_and_narratives_are_predicted_from_text(docs: list[Document]) -> None:
    war, cc, _plain = docs
    assert war.narratives.domain == "URW" and war.narratives.dominant.startswith("URW: ")
    assert cc.narratives.domain == "CC" and cc.narratives.dominant.startswith("CC: ")


def test_evidence_offsets_point_into_the_text(docs: list[Document]) -> None:
    seen = 0
    for doc in docs:
        for lab in doc.narratives.labels:
            assert len(lab.evidence) <= 3
            for ev in lab.evidence:
                assert doc.text[ev.start : ev.end] == ev.text
                assert doc.sentences[ev.sentence].start == ev.start
                seen += 1
    assert seen > 0


def test_explanation_is_short_and_grounded(docs: list[Document]) -> None:
    war = docs[0]
    res = war.narratives
    assert res.explanation_backend == "template"
    assert 0 < len(res.explanation.split()) <= 80
    assert load_taxonomy().short(res.dominant) in res.explanation
    quoted = [ev.text.split()[0] for lab in res.labels for ev in lab.evidence]
    assert any(word in res.explanation for word in quoted)


def test_semeval_lines_pair_up(docs: list[Document]) -> None:
    lines = semeval_lines(docs)
    assert [ln.split("\t")[0] for ln in lines] == ["war.txt", "cc.txt", "plain.txt"]
    for line in lines:
        _id, nars, subs = line.split("\t")
        assert len(nars.split(";")) == len(subs.split(";"))
    assert predicted_sets(Document(id="x", text="")) == (["Other"], ["Other"])


def _write_gold(folder: Path, layout: str) -> Path:
    raw = folder / ("raw-documents/EN" if layout == "shared" else "EN/raw-documents")
    ann = folder / ("labels/EN" if layout == "shared" else "EN")
    raw.mkdir(parents=True)
    ann.mkdir(parents=True, exist_ok=True)
    (raw / "EN_UA_1.txt").write_text(WAR, encoding="utf-8")
    (raw / "EN_CC_2.txt").write_text(CLIMATE, encoding="utf-8")
    blame = "URW: Blaming the war on others rather than the invader"
    (ann / "subtask-2-annotations.txt").write_text(
        f"EN_UA_1.txt\t{blame}\t{blame}: The West are the aggressors\n"
        "EN_CC_2.txt\tCC: Criticism of climate movement\tCC: Criticism of climate movement: Climate movement is alarmist\n",
        encoding="utf-8",
    )
    (ann / "subtask-3-annotations.txt").write_text(
        f"EN_UA_1.txt\t{blame}\t{blame}: The West are the aggressors\tThe article blames NATO expansion for the war.\n",
        encoding="utf-8",
    )
    return folder if layout == "shared" else folder / "EN"


@pytest.mark.parametrize("layout", ["shared", "official"])
def test_evaluate_on_both_layouts(tmp_path: Path, layout: str) -> None:
    gold = _write_gold(tmp_path, layout)
    scores = evaluate(gold, lang="EN" if layout == "shared" else None)
    assert scores["n_documents"] == 2
    assert 0.0 <= scores["f1_fine"] <= 1.0 and 0.0 < scores["f1_coarse"] <= 1.0
    assert scores["explanation_similarity"] is not None
    json.dumps(scores)


def test_partials_render_and_escape(docs: list[Document]) -> None:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    hostile = process_many([WAR + 'He wrote <script>alert("x")</script>.\n'], ["en"])
    doc = next(NarrativeStage().pipe(hostile))
    doc.outlet = "<b>outlet</b>"
    html = env.get_template("_narratives.html").render(doc=doc)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>" in html and doc.narratives.dominant in html
    corpus = env.get_template("_narratives_corpus.html").render(docs=[*docs, doc])
    assert "&lt;b&gt;outlet&lt;/b&gt;" in corpus and "<b>outlet</b>" not in corpus


def test_too_short_texts_are_other_with_a_note() -> None:
    short = process_many(["Hello", "NATO warmongers provoke Russia again"], ["en", "en"])
    for doc in NarrativeStage().pipe(short):
        assert doc.narratives is not None and doc.narratives.dominant == OTHER
        assert [lab.label for lab in doc.narratives.labels] == [OTHER]
        assert any("too few to classify" in note for note in doc.notes)
    # the threshold is a setting: 0 classifies everything, as before
    (doc,) = NarrativeStage(min_words=0).pipe(process_many(["Hello"], ["en"]))
    assert not any("too few" in note for note in doc.notes)
