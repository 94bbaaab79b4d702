"""The narrative model's topic gate and decision rules, on hand-written articles.

The regression these guard: the topic head learnt each article's topic from its
file name, which only English and Bulgarian files carry, so Portuguese climate
articles were gated as URW and came back ``Other``.
"""

# ruff: noqa: E501

from __future__ import annotations

import numpy as np

from narrascope.narratives import NarrativeInput, NarrativeModel, NarrativeStage, decide_labels
from narrascope.narratives._model import topics_of
from narrascope.nlp import process_many

FEARS = "CC: Amplifying Climate Fears"
DOOM = f"{FEARS}: Doomsday scenarios for humans"
HOAX = "CC: Criticism of climate movement"
ALARM = f"{HOAX}: Climate movement is alarmist"
BLAME = "URW: Blaming the war on others rather than the invader"
WEST = f"{BLAME}: The West are the aggressors"

PT_CLIMATE = """Cientistas alertam que o aquecimento global pode tornar o planeta inabitável

Segundo um novo relatório divulgado esta semana, as temperaturas médias do planeta continuam a subir e os fenómenos extremos, como secas, cheias e incêndios florestais, são cada vez mais frequentes em Portugal e no resto da Europa. Os investigadores afirmam que, se nada for feito, muitas regiões do sul da Europa poderão ficar desertas até ao final do século. De acordo com os especialistas, o degelo dos glaciares e a subida do nível do mar ameaçam milhões de pessoas que vivem nas zonas costeiras. O governo português anunciou que vai reforçar as medidas de proteção civil durante o verão.
"""

PT_WAR = """A NATO provocou a Rússia e agora o Ocidente quer uma guerra mundial

A expansão agressiva da NATO em direção às fronteiras russas obrigou Moscovo a defender-se. Os líderes ocidentais arrastam a Europa para uma guerra nuclear com as suas entregas imprudentes de armas ao regime de Kiev. O governo corrupto de Zelensky rouba os milhares de milhões enviados por Washington enquanto os soldados ucranianos desertam.
"""

# A tiny corpus: no file names anywhere, the topic is in the labels only.
CORPUS = [
    ("o clima as emissões de carbono o aquecimento global a seca o gelo derrete", [FEARS, DOOM]),
    ("o clima o aquecimento global os ativistas do clima mentem carbono", [HOAX, ALARM]),
    ("the climate carbon emissions global warming heatwave the ice melts", [FEARS, DOOM]),
    ("the climate activists lie about carbon and global warming", [HOAX, ALARM]),
    ("a NATO a Rússia a guerra Kiev os soldados ucranianos o Ocidente", [BLAME, WEST]),
    ("a NATO provocou a Rússia a guerra na Ucrânia os tanques Kiev", [BLAME, WEST]),
    ("NATO provoked Russia the war in Ukraine tanks Kyiv soldiers", [BLAME, WEST]),
    ("a receita de bolo de laranja com farinha e açúcar", []),
]


def test_topics_come_from_labels_not_file_names() -> None:
    assert topics_of([[FEARS, DOOM], [BLAME], [], [HOAX, BLAME, WEST]]) == [
        "CC",
        "URW",
        None,
        "URW",
    ]


def test_topic_head_learns_portuguese_climate_from_labels() -> None:
    X = [NarrativeInput(text, np.zeros((1, 4), np.float32)) for text, _ in CORPUS]
    y = [labs for _, labs in CORPUS]
    model = NarrativeModel(use_char=False, use_emb=False, min_positive=1).fit(X, y)
    probe = [NarrativeInput(t, np.zeros((1, 4), np.float32)) for t in (PT_CLIMATE, PT_WAR)]
    assert model.predict_domain(probe) == ["CC", "URW"]
    # the gate keeps the climate labels of the climate article
    P = model.predict_proba(probe[:1])[0]
    assert max(P[model.labels_.index(FEARS)], P[model.labels_.index(HOAX)]) > 0


def test_shipped_model_reads_portuguese_climate_articles() -> None:
    docs = list(NarrativeStage().pipe(process_many([PT_CLIMATE, PT_WAR], ["pt", "pt"])))
    climate, war = (d.narratives for d in docs)
    assert climate.domain == "CC" and climate.dominant.startswith("CC: ")
    assert war.domain == "URW" and war.dominant.startswith("URW: ")


def test_fallback_gives_the_best_narrative_instead_of_other() -> None:
    labels = [FEARS, DOOM, BLAME, WEST]
    probs = np.array([0.25, 0.22, 0.1, 0.05])
    # nothing reaches the thresholds: Other, as before, when there is no fall-back
    assert decide_labels(labels, probs, 0.5, 0.3) == (["Other"], ["Other"])
    # the best narrative reaches the fall-back: it is kept, with its best sub-narrative
    assert decide_labels(labels, probs, 0.5, 0.3, 0.2) == ([FEARS], [DOOM])
    # the sub-narrative does not: "<narrative>: Other"
    assert decide_labels(labels, probs, 0.5, 0.3, 0.24) == ([FEARS], [f"{FEARS}: Other"])
    # neither does the narrative: Other
    assert decide_labels(labels, probs, 0.5, 0.3, 0.3) == (["Other"], ["Other"])
    # the fall-back never adds to an article that has labels already
    both = np.array([0.6, 0.4, 0.45, 0.1])
    assert decide_labels(labels, both, 0.5, 0.3, 0.2) == ([FEARS], [DOOM])


def test_weights_are_float16_and_scores_stay_probabilities() -> None:
    X = [NarrativeInput(text, np.zeros((1, 4), np.float32)) for text, _ in CORPUS]
    model = NarrativeModel(use_emb=False, min_positive=1).fit(X, [labs for _, labs in CORPUS])
    assert model.coef_.dtype == np.float16
    P = model.predict_proba(X)
    assert P.shape == (len(X), len(model.labels_)) and ((P >= 0) & (P <= 1)).all()
    # the float32 copy made for predicting is never written into the artefact
    assert "_coef32" not in model.__getstate__()
    P2, domains = model.predict_with_domain(X)
    assert np.array_equal(P, P2) and domains == model.predict_domain(X)
