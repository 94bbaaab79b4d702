"""Salience: which entities an article casts in a role, on hand-made articles and rows."""

from __future__ import annotations

import re
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from narrascope.config import load_config
from narrascope.document import Document, Entity, Mention, Sentence
from narrascope.framing import FramingStage
from narrascope.framing._salience import (
    FEATURES,
    PRIOR_FEATURES,
    EntityRow,
    SalienceModel,
    entity_rows,
    load_salience,
)
from narrascope.pipeline import registry

TEXT = (
    "Tyrannia shells Lirport again.\n\n"
    "Reuters reported the attack on Monday. Mayor Vela said Tyrannia wants the port. "
    "Reuters could not confirm the toll. Vela asked for help, and Reuters quoted her."
)


def article(language: str = "en") -> Document:
    """Tyrannia (title + body), Vela (twice, body) and Reuters (three times, body)."""
    doc = Document(id="s1", text=TEXT, language=language)
    bounds = [(m.start(), m.end()) for m in re.finditer(r"[^.\s][^.]*\.", TEXT)]
    doc.sentences = [Sentence(a, b, TEXT[a:b]) for a, b in bounds]

    def at(word: str, nth: int, label: str, entity: str) -> Mention:
        start = -1
        for _ in range(nth + 1):
            start = TEXT.index(word, start + 1)
        sentence = next(i for i, (a, b) in enumerate(bounds) if a <= start < b)
        return Mention(start, start + len(word), word, label, sentence, entity)

    doc.mentions = [
        at("Tyrannia", 0, "GPE", "tyrannia"),
        at("Reuters", 0, "ORG", "reuters"),
        at("Vela", 0, "PERSON", "vela"),
        at("Tyrannia", 1, "GPE", "tyrannia"),
        at("Reuters", 1, "ORG", "reuters"),
        at("Vela", 1, "PERSON", "vela"),
        at("Reuters", 2, "ORG", "reuters"),
        at("Monday", 0, "DATE", "monday"),
    ]
    doc.entities = [
        Entity("tyrannia", "Tyrannia", "GPE", [], [0, 3]),
        Entity("reuters", "Reuters", "ORG", [], [1, 4, 6]),
        Entity("vela", "Vela", "PERSON", ["Mayor Vela"], [2, 5]),
        Entity("monday", "Monday", "DATE", [], [7]),
    ]
    return doc


def training_rows(n: int = 40) -> tuple[list[EntityRow], list[int]]:
    """Reuters is never framed, Tyrannia and Vela always; structure is noise."""
    rng = np.random.default_rng(0)
    rows, y = [], []
    for _ in range(n):
        for key, label in (("reuters", 0), ("tyrannia", 1), ("vela", 1), ("tass", 0)):
            rows.append(EntityRow(key, tuple(rng.random(len(FEATURES)).tolist())))
            y.append(label)
    return rows, y


def test_entity_rows_describe_structure_and_skip_non_actors() -> None:
    rows = entity_rows(article())
    assert set(rows) == {"tyrannia", "reuters", "vela"}  # a DATE is never an actor
    named = {k: dict(zip(FEATURES, r.values, strict=True)) for k, r in rows.items()}
    assert named["tyrannia"]["in the title"] == 1.0 and named["reuters"]["in the title"] == 0.0
    assert named["reuters"]["log mentions"] == pytest.approx(np.log1p(3))
    assert named["reuters"]["share of sentences naming it"] == pytest.approx(3 / 5)
    assert named["tyrannia"]["position of first mention"] == 0.0
    assert named["reuters"]["rank among the article's names"] == 0.0  # most mentioned
    assert named["vela"]["label PERSON"] == 1.0 and named["vela"]["label ORG"] == 0.0


def test_name_prior_leaves_the_rows_own_article_out() -> None:
    rows = [EntityRow("once", (0.0,) * len(FEATURES)), *training_rows(5)[0]]
    y = [1, *training_rows(5)[1]]
    model = SalienceModel(prior_strength=1.0).fit(rows, y)
    base = model.base_rate_
    # while fitting, a name seen in one article only gets the base rate, not its own label
    fitted = model._matrix(rows[:1], y[:1])[0]
    assert fitted[len(FEATURES)] == pytest.approx(base)
    # at prediction time the article counts: (1 + base) / (1 + 1)
    assert model._matrix(rows[:1])[0][len(FEATURES)] == pytest.approx((1 + base) / 2)
    assert model._matrix([EntityRow("unseen", rows[0].values)])[0][len(FEATURES)] == base


def test_model_learns_who_is_framed_and_explains_it() -> None:
    rows, y = training_rows()
    model = SalienceModel().fit(rows, y)
    same = tuple([0.5] * len(FEATURES))
    p = model.predict_proba([EntityRow("vela", same), EntityRow("reuters", same)])[:, 1]
    assert p[0] > 0.8 > 0.2 > p[1]
    assert model.predict([EntityRow("vela", same), EntityRow("reuters", same)]).tolist() == [1, 0]
    why = model.explain(EntityRow("reuters", same), top=3)
    assert why[0][0] == PRIOR_FEATURES[0] and why[0][1] < 0
    assert [abs(c) for _, c in why] == sorted((abs(c) for _, c in why), reverse=True)
    assert clone(model).get_params() == model.get_params()
    assert model.predict_proba([]).shape == (0, 2)


def test_model_needs_both_classes() -> None:
    rows, _ = training_rows(2)
    with pytest.raises(ValueError, match="both classes"):
        SalienceModel().fit(rows, [1] * len(rows))


def write_models(tmp_path: Path, threshold: float = 0.5) -> Path:
    rows, y = training_rows()
    path = tmp_path / "salience.joblib"
    joblib.dump({"en": SalienceModel(threshold=threshold).fit(rows, y)}, path)
    return path


def roles(doc: Document) -> dict[str, str]:
    return {f.entity: f.main_role for f in doc.framings if f.mention == -1}


def test_stage_frames_the_salient_and_not_the_merely_mentioned(tmp_path: Path) -> None:
    path = write_models(tmp_path)
    # min_probability 0: this test is about who gets a role, not how sure the role is
    doc = FramingStage(salience_path=path, min_probability=0.0)(article())
    got = roles(doc)
    # Reuters is named three times, but articles never cast the agency in a role
    assert got["reuters"] == "" and got["tyrannia"] and got["vela"] and got["monday"] == ""
    sal = {f.entity: f.salience for f in doc.framings if f.mention == -1}
    assert sal["vela"] > 0.5 > sal["reuters"] > 0.0 and sal["monday"] == 0.0
    # per-mention framings exist only for entities with a role
    assert {f.entity for f in doc.framings if f.mention >= 0} == {"tyrannia", "vela"}


def test_rule_decides_without_salience_or_for_other_languages(tmp_path: Path) -> None:
    path = write_models(tmp_path)
    rule = roles(FramingStage(salience=False, min_probability=0.0)(article()))
    assert rule["reuters"] and rule["vela"] and rule["tyrannia"]  # two+ mentions each
    german = roles(FramingStage(salience_path=path, min_probability=0.0)(article(language="de")))
    assert german["reuters"]  # no German model: the rule
    stage = FramingStage(salience_path=path, salience_threshold=1.01)
    assert not any(roles(stage(article())).values())


def test_salience_settings_change_the_stage_version(tmp_path: Path) -> None:
    path = write_models(tmp_path)
    versions = {
        FramingStage().version,
        FramingStage(salience=False).version,
        FramingStage(salience_path=path).version,
        FramingStage(salience_threshold=0.9).version,
    }
    assert len(versions) == 4


def test_bundled_models_cover_the_trained_languages() -> None:
    models = load_salience()
    assert set(models) == {"en", "bg", "hi", "pt", "ru"}
    assert all(0.0 < m.threshold < 1.0 for m in models.values())


def test_stored_framings_without_salience_still_load() -> None:
    doc = FramingStage()(article())
    data = doc.to_dict()
    for f in data["framings"]:
        del f["salience"]
    again = Document.from_dict(data)
    assert [f.salience for f in again.framings] == [0.0] * len(again.framings)
    assert [f.main_role for f in again.framings] == [f.main_role for f in doc.framings]


def test_threshold_is_a_config_key(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text(
        '[pipeline]\nstages = ["framing"]\n\n[stages.framing]\nsalience_threshold = 0.4\n',
        encoding="utf-8",
    )
    config = load_config(path)
    (info,) = [i for i in config.stage_infos() if i.name == "framing"]
    stage = registry.stages.get(info.factory)(**info.params)
    assert stage.salience_threshold == 0.4 and stage.salience
