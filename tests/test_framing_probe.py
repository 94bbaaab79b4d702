"""The local-LLM probe backend of framing, with a fake probe (llama.cpp is never needed)."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from fixtures import merged_doc, write_emoji_gold
from narrascope.artefacts import artefact_version
from narrascope.config import load_config
from narrascope.framing import (
    FINE_ROLES,
    PROBE_PATH,
    ROLE_WORDS,
    ProbeFramingModel,
    ProbeFramingStage,
    evaluate,
    probe_matrix,
)
from narrascope.framing._model import FINE_ORDER, blend_fine
from narrascope.framing._probe import N_LOGPROB, N_WORDS, excerpt, key_word
from narrascope.framing._salience import SALIENCE_PATH
from narrascope.narratives import LLMError
from narrascope.pipeline import registry

_CUES = {
    "villain": r"bomb|lie|lied|invade|shell",
    "hero": r"defend|save|rescue|protect",
    "victim": r"killed|hit|suffer",
}


class FakeProbe:
    """Log-probabilities from cue words in the sentences naming the entity."""

    hidden = False

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def features(self, text: str, names: Sequence[str]) -> np.ndarray:
        self.calls.append((text, list(names)))
        out = np.full((len(names), N_LOGPROB), -12.0, dtype=np.float32)
        for i, name in enumerate(names):
            near = " ".join(s for s in re.split(r"(?<=\.)\s+", text) if key_word(name) in s)
            for word, cue in _CUES.items():
                if re.search(cue, near, re.I):
                    for block in range(3):
                        out[i, block * N_WORDS + ROLE_WORDS.index(word)] = -0.5
        return out


TRAIN = [
    ("Tyrannia bombed the city and lied.", "Tyrannia", "Antagonist", ["Tyrant", "Deceiver"]),
    ("Grozny invaded the neighbour.", "Grozny", "Antagonist", ["Instigator"]),
    ("Harbourtown was hit and civilians killed.", "Harbourtown", "Innocent", ["Victim"]),
    ("Villagers suffered and were wounded.", "Villagers", "Innocent", ["Victim"]),
    ("Captain Lira defended the bridge.", "Captain Lira", "Protagonist", ["Guardian"]),
    ("Mayor Anna saved and protected refugees.", "Mayor Anna", "Protagonist", ["Guardian"]),
]


def _train_rows(probe: FakeProbe) -> tuple[np.ndarray, list[tuple[str, list[str]]]]:
    X, y = [], []
    for text, name, main, fines in TRAIN * 3:
        X.append(probe_matrix(probe.features(text, [name]), [name])[0])
        y.append((main, fines))
    return np.vstack(X), y


@pytest.fixture(scope="module")
def head_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    X, y = _train_rows(FakeProbe())
    path = tmp_path_factory.mktemp("probe") / "head.joblib"
    joblib.dump(ProbeFramingModel(C=1.0, fine_C=1.0).fit(X, y), path)
    return path


# ----------------------------------------------------------------- features
def test_key_word_and_excerpt_keep_lead_and_entity_sentences() -> None:
    assert key_word("President Joe Biden") == "Biden"
    assert key_word("EU") == "EU"
    text = "A. B. C. D. Weather was fine. Biden spoke! Rain fell. Then Putin answered?"
    got = excerpt(text, ["Joe Biden", "Putin"])
    assert got == "A. B. C. D. Biden spoke! Then Putin answered?"
    assert excerpt(text, [], lead=2) == "A. B."


def test_probe_matrix_renormalises_blocks_and_shares_entity_evidence() -> None:
    rng = np.random.default_rng(0)
    raw = rng.normal(-8, 2, size=(3, N_LOGPROB + 4))
    X = probe_matrix(raw, ["a", "b", "a"])
    assert X.shape == (3, 2 * N_LOGPROB + 4)
    for k in range(3):  # each block is a distribution over the role words
        block = X[:, k * N_WORDS : (k + 1) * N_WORDS]
        assert np.allclose(np.logaddexp.reduce(block, axis=1), 0.0)
    mean = X[:, N_LOGPROB : 2 * N_LOGPROB]
    assert np.allclose(mean[0], mean[2]) and np.allclose(mean[0], (X[0] + X[2])[:N_LOGPROB] / 2)
    assert np.allclose(mean[1], X[1, :N_LOGPROB])
    assert np.allclose(X[:, -4:], raw[:, -4:])  # hidden columns pass through
    with pytest.raises(ValueError, match="columns"):
        probe_matrix(np.zeros((2, 10)), ["a", "b"])


# -------------------------------------------------------------------- head
def test_head_unfitted_raises() -> None:
    with pytest.raises(NotFittedError):
        ProbeFramingModel().predict_roles(np.zeros((1, 2 * N_LOGPROB)))


def test_head_predicts_consistent_roles_and_explains(head_path: Path) -> None:
    head = joblib.load(head_path)
    probe = FakeProbe()
    rows = [
        ("Kronia shelled the port.", "Kronia"),
        ("Nurse Vera rescued the children.", "Nurse Vera"),
        ("The town was hit overnight.", "town"),
    ]
    X = np.vstack([probe_matrix(probe.features(t, [n]), [n]) for t, n in rows])
    preds = head.predict_roles(X)
    assert [p.main_role for p in preds] == ["Antagonist", "Protagonist", "Innocent"]
    for p in preds:
        assert p.fine_roles and all(r in FINE_ROLES[p.main_role] for r, _ in p.fine_roles)
        assert sum(p.main_distribution.values()) == pytest.approx(1.0)
    assert head.predict_roles(X[:0]) == []
    words = [w for w, _ in head.explain(X[0], top=3)]
    assert words[0] == "villain"


def test_blend_fine_renormalises_within_each_main_role() -> None:
    rng = np.random.default_rng(1)
    a = rng.uniform(0.01, 1.0, size=(4, len(FINE_ORDER)))
    b = rng.uniform(0.01, 1.0, size=(4, len(FINE_ORDER))) * 100  # another scale
    innocent = [FINE_ORDER.index(f) for f in FINE_ROLES["Innocent"]]
    for w in (0.0, 0.3, 1.0):
        out = blend_fine(a, b, w)
        for fines in FINE_ROLES.values():
            assert np.allclose(out[:, [FINE_ORDER.index(f) for f in fines]].sum(axis=1), 1.0)
    only_a, only_b = blend_fine(a, b, 0.0), blend_fine(a, b, 1.0)
    assert np.allclose(only_a[:, innocent], a[:, innocent] / a[:, innocent].sum(1, keepdims=True))
    assert np.allclose(only_b[:, innocent], b[:, innocent] / b[:, innocent].sum(1, keepdims=True))


def test_blending_head_needs_and_uses_lexical_scores(head_path: Path) -> None:
    head = joblib.load(head_path).set_params(lexical_weight=0.6, fine_threshold=1.0)
    probe = FakeProbe()
    X = probe_matrix(probe.features("Kronia shelled the port.", ["Kronia"]), ["Kronia"])
    with pytest.raises(ValueError, match="lexical_fine"):
        head.predict_roles(X)
    (alone,) = joblib.load(head_path).set_params(fine_threshold=1.0).predict_roles(X)
    assert alone.main_role == "Antagonist"
    # the lexical model is sure of another Antagonist role: the blend follows it,
    # keeps the probe's main role and stays inside that role's fine roles
    other = next(f for f in FINE_ROLES["Antagonist"] if f != alone.fine_roles[0][0])
    lexical = np.full((1, len(FINE_ORDER)), 0.01)
    lexical[0, FINE_ORDER.index(other)] = 0.99
    (blended,) = head.predict_roles(X, lexical)
    assert blended.main_role == alone.main_role
    assert [r for r, _ in blended.fine_roles] == [other]
    with pytest.raises(ValueError, match="one row per mention"):
        head.predict_roles(X, np.vstack([lexical, lexical]))


def test_blending_stage_loads_lexical_model_into_its_version(
    head_path: Path, tmp_path: Path
) -> None:
    blending = tmp_path / "blend.joblib"
    joblib.dump(joblib.load(head_path).set_params(lexical_weight=0.3), blending)
    plain, blend = ProbeFramingStage(head_path, probe=FakeProbe()), ProbeFramingStage(blending)
    assert plain.lexical is None and blend.lexical is not None
    # the lexical artefact's identity is part of the version: retraining it re-runs the stage
    assert plain._version_params() == {} and set(blend._version_params()) == {"lexical"}
    settings = {
        "min_probability": 0.0,
        "min_mentions": 2,
        "per_mention": True,
        "max_evidence": 3,
        "salience": artefact_version("sal", SALIENCE_PATH),
    }
    assert plain.version == artefact_version("probe-2", head_path, **settings)
    assert blend.version != artefact_version("probe-2", blending, **settings)
    assert blend.version.startswith(artefact_version("probe-2", blending) + "+")
    doc = ProbeFramingStage(blending, probe=FakeProbe())(merged_doc(with_object=True))
    lira = next(f for f in doc.framings if f.entity == "lira" and f.mention == -1)
    assert lira.main_role == "Protagonist"
    assert all(r.role in FINE_ROLES["Protagonist"] for r in lira.fine_roles)


# ------------------------------------------------------------------- stage


def test_probe_stage_one_framing_per_merged_entity(head_path: Path) -> None:
    probe = FakeProbe()
    stage = ProbeFramingStage(head_path, probe=probe)
    doc = stage(merged_doc(with_object=True))
    # Tyrannia (once, outside the lead) cannot get a role: it is never asked about
    assert probe.calls == [(doc.text, ["Captain Lira", "Lira"])]
    aggregated = {f.entity: f for f in doc.framings if f.mention == -1}
    assert set(aggregated) == {"lira", "tyrannia"}
    assert aggregated["lira"].main_role == "Protagonist"
    # the base stage's rules still apply: once, outside the lead -> merely mentioned
    assert aggregated["tyrannia"].main_role == ""
    assert all(r.role in FINE_ROLES["Protagonist"] for r in aggregated["lira"].fine_roles)
    ev = aggregated["lira"].evidence
    assert ev and all(doc.text[e.start : e.end] == e.text for e in ev)
    assert sorted(f.mention for f in doc.framings if f.entity == "lira" and f.mention >= 0) == [
        0,
        1,
    ]
    # the version follows the head artefact, distinct from the lexical stage's
    assert stage.version.startswith("probe-2+")


def test_probe_stage_from_config_file(head_path: Path, tmp_path: Path) -> None:
    toml = tmp_path / "probe.toml"
    toml.write_text(
        '[pipeline]\nstages = ["framing"]\n\n[stages.framing]\n'
        f'factory = "narrascope.framing.probe.v1"\nhead_path = "{head_path}"\n',
        encoding="utf-8",
    )
    (info,) = load_config(toml).stage_infos()
    stage = registry.stages.get(info.factory)(**info.params)
    assert isinstance(stage, ProbeFramingStage) and stage.name == "framing"


def test_probe_without_llama_cpp_is_a_clear_error(
    head_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    stage = ProbeFramingStage(head_path)
    with pytest.raises(LLMError, match="local-llm"):
        stage(merged_doc(with_object=True))


def test_evaluate_given_with_probe_backend(tmp_path: Path, head_path: Path) -> None:
    write_emoji_gold(tmp_path)
    probe = FakeProbe()
    scores = evaluate(tmp_path, lang="EN", model_path=head_path, backend="probe", probe=probe)
    assert probe.calls[0][1] == ["Captain Lira", "Tyrannia"]
    assert scores["n_mentions"] == 2 and scores["main_role_accuracy"] == 1.0
    with pytest.raises(ValueError, match="backend"):
        evaluate(tmp_path, lang="EN", backend="gpt")


@pytest.mark.skipif(not PROBE_PATH.exists(), reason="probe head not trained")
def test_shipped_head_matches_probe_width() -> None:
    head = joblib.load(PROBE_PATH)
    assert isinstance(head, ProbeFramingModel)
    extra = 2 * 1536 if head.hidden else 0  # Qwen2.5-1.5B hidden size
    assert head.n_features_in_ == 2 * N_LOGPROB + extra
