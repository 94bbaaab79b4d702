"""The techniques stage, its models' estimator contract, the PTC reader and `eval techniques`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.exceptions import NotFittedError

import narrascope.techniques as techniques
from narrascope.document import Document
from narrascope.pipeline import registry
from narrascope.techniques import SpanDetector, TechniqueClassifier, TechniqueStage, load_ptc
from narrascope.techniques._features import prepare_document

ARTICLE = (
    "Radical globalist elites want to destroy our great nation\n\n"
    "The corrupt, lying elites in Washington are once again betraying the American people. "
    "Make America great again! Patriots will never surrender to these traitors and thugs. "
    'The so-called "experts" claim it is safe, but it is a disaster, a total catastrophe. '
    "Officials said the meeting would take place on Tuesday."
)


def test_stage_contract_and_registration() -> None:
    stage = registry.stages.get("narrascope.techniques.v1")()
    assert isinstance(stage, TechniqueStage)
    assert stage.name == "techniques"
    assert stage.requires == ("sentences", "tokens") and stage.assigns == ("techniques",)


def test_stage_finds_spans_with_valid_offsets() -> None:
    doc = prepare_document(ARTICLE, "t1")
    out = TechniqueStage()(doc)
    assert out is doc and doc.techniques
    for span in doc.techniques:
        assert 0 <= span.start < span.end <= len(ARTICLE)
        assert span.text == ARTICLE[span.start : span.end]
        assert span.technique in techniques.TECHNIQUES
        assert 0.0 < span.probability <= 1.0
    found = " ".join(s.text for s in doc.techniques).lower()
    assert "traitors" in found or "elites" in found or "corrupt" in found
    # offsets survive the store's JSON round trip
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again.techniques == doc.techniques


def test_stage_predict_is_pure_and_skips_other_languages() -> None:
    doc = prepare_document(ARTICLE, "t2")
    assert TechniqueStage().predict(doc) and doc.techniques == []
    other = prepare_document(ARTICLE, "t3")
    other.language = "bg"
    TechniqueStage()(other)
    assert other.techniques == [] and any("English-only" in n for n in other.notes)
    assert TechniqueStage().predict(Document(id="e", text="", language="en")) == []


def test_models_check_fitted_state() -> None:
    doc = prepare_document("A b c.")
    with pytest.raises(NotFittedError):
        SpanDetector().predict([doc])
    with pytest.raises(NotFittedError):
        TechniqueClassifier().predict_proba([("A b c.", 0, 1)])


def test_models_fit_on_tiny_data() -> None:
    texts = ["The evil regime lies again.", "The minister met farmers on Monday."] * 3
    docs = [prepare_document(t) for t in texts]
    spans = [[(4, 15)] if "evil" in t else [] for t in texts]
    det = SpanDetector(threshold=0.5, extend_threshold=0.4)
    assert det.fit(docs, spans) is det and det.n_tokens_ > 0
    assert det.get_params()["threshold"] == 0.5
    predicted = det.predict([prepare_document("The evil regime lies.")])[0]
    assert predicted and predicted[0][0] == 4
    items = [("bad bad bad thing", 0, 3), ("our flag and nation", 4, 8)] * 4
    clf = TechniqueClassifier(C=10).fit(items, ["Loaded_Language", "Flag-Waving"] * 4)
    assert list(clf.predict([("bad bad bad thing", 0, 3)])) == ["Loaded_Language"]
    assert clf.explain(("our flag and nation", 4, 8))[0][0] == "Flag-Waving"


def _ptc_folder(root: Path, prefix: str, by_folder: bool) -> Path:
    (root / f"{prefix}-articles").mkdir(parents=True)
    (root / f"{prefix}-articles" / "article1.txt").write_text(ARTICLE, encoding="utf-8")
    text2 = "Officials met on Monday.\n\nThey will meet again, officials said."
    (root / f"{prefix}-articles" / "article2.txt").write_text(text2, encoding="utf-8")
    start = ARTICLE.index("corrupt, lying elites")
    tc = [
        f"1\tLoaded_Language\t{start}\t{start + 21}",
        f"1\tName_Calling,Labeling\t{start}\t{start + 21}",
        f"1\tSlogans\t{ARTICLE.index('Make')}\t{ARTICLE.index('again!') + 6}",
    ]
    si = [f"1\t{start}\t{start + 21}", f"1\t{ARTICLE.index('Make')}\t{ARTICLE.index('again!') + 6}"]
    if by_folder:
        for task, rows in (("flc-tc", tc), ("si", si)):
            folder = root / f"{prefix}-labels-task-{task}"
            folder.mkdir()
            (folder / f"article1.task-{task}.labels").write_text("\n".join(rows) + "\n")
    else:
        (root / f"{prefix}-task-flc-tc.labels").write_text("\n".join(tc) + "\n")
        (root / f"{prefix}-task-si.labels").write_text("\n".join(si) + "\n")
    return root


@pytest.mark.parametrize(("prefix", "by_folder"), [("dev", False), ("train", True)])
def test_reader_any_prefix(tmp_path: Path, prefix: str, by_folder: bool) -> None:
    arts = load_ptc(_ptc_folder(tmp_path, prefix, by_folder))
    assert [a.id for a in arts] == ["1", "2"]
    assert len(arts[0].techniques) == 3 and len(arts[0].spans) == 2
    assert arts[1].techniques == [] and arts[1].spans == []
    assert ARTICLE[arts[0].spans[0].start : arts[0].spans[0].end] == "corrupt, lying elites"


def test_eval_cli_json(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from narrascope.cli._main import app

    folder = _ptc_folder(tmp_path, "dev", False)
    result = CliRunner().invoke(app, ["eval", "techniques", "--gold", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)
    assert {"span_f1", "technique_micro_f1", "n_articles"} <= set(scores)
    assert scores["n_articles"] == 2 and 0.0 <= scores["span_f1"] <= 1.0
    missing = CliRunner().invoke(app, ["eval", "techniques", "--gold", str(tmp_path / "nope")])
    assert missing.exit_code != 0


def test_all_is_accurate() -> None:
    for name in techniques.__all__:
        assert getattr(techniques, name) is not None
    public = {n for n in vars(techniques) if not n.startswith("_")}
    assert public - {"annotations", "TYPE_CHECKING", "Any"} <= set(techniques.__all__)


def test_stage_in_pipeline_on_nlp_tokens() -> None:
    """The lead's nlp stage tokens give the same spans as the training tokenisation."""
    from narrascope.nlp import NlpStage
    from narrascope.pipeline import Pipeline

    stage = TechniqueStage()
    pipeline = Pipeline([("nlp", NlpStage(n_process=1)), ("techniques", stage)])
    out = pipeline(Document(id="p", text=ARTICLE, language="en"))
    assert out.stage_versions["techniques"] == stage.version
    expected = TechniqueStage().predict(prepare_document(ARTICLE))
    assert [(s.start, s.end, s.technique) for s in out.techniques] == [
        (s.start, s.end, s.technique) for s in expected
    ]
