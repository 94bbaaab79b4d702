"""Entity recall and speed of the ``nlp`` stage: Russian actor list vs + natasha, English sm vs md.

Russian (``--ru``): the shipped actor list is built from the whole training gold,
so scoring it there flatters it. This repeats ``training/actors.py``'s 5-fold
cross-validation (grouped by article, seed 13): the list is built from four
folds and the fifth is matched with the list alone and with the list + natasha
(``narrascope.nlp._russian``). *recall*: share of held-out gold mentions a
found mention overlaps; *precision*: share of found mentions that overlap a
gold one (a lower bound: the gold marks only the actors an article frames).
Also times natasha per article (NER + lemmas, after a warm-up).

English (``--en``): articles/s of the ``nlp`` stage alone (one process, no
embeddings) on the first ``--limit`` unlabeled English test articles, with the
model named by ``NARRASCOPE_EN_MODEL`` (sm or md); run it twice in the same
minute to compare::

    PYTHONPATH=src:/tmp/pkgs python bench/entities.py --ru
    NARRASCOPE_EN_MODEL=md PYTHONPATH=src:/tmp/pkgs python bench/entities.py --en --limit 100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "bench"))


def russian() -> None:
    import actors as script  # training/actors.py

    from narrascope.document import Document
    from narrascope.nlp import ActorMatcher
    from narrascope.nlp._russian import load_natasha, russian_entities
    from narrascope.nlp._stage import split_sentences

    natasha = load_natasha()
    if natasha is None:
        raise SystemExit("natasha is not installed")
    finder, lemma = natasha
    docs = script.gold_docs("RU")
    perm = np.random.default_rng(script.SEED).permutation(len(docs))
    totals = {"list": np.zeros(4), "list+natasha": np.zeros(4)}
    seconds = 0.0
    finder(docs[0].text)  # warm-up
    for tr, te in GroupKFold(5).split(np.zeros(len(docs)), groups=perm):
        matcher = ActorMatcher(
            script.actor_list("RU", [docs[i] for i in tr], *script.SHIPPED), "ru"
        )
        for i in te:
            g = docs[i]
            doc = Document(id=g.id, text=g.text, language="ru")
            doc.sentences = split_sentences(g.text, "ru")
            listed = [(s, e) for s, e, _ in matcher.find(g.text)]
            started = time.perf_counter()
            mentions, _ = russian_entities(doc, matcher, finder, lemma)
            seconds += time.perf_counter() - started
            gold = [(m.start, m.end) for m in g.mentions]
            for key, found in (
                ("list", listed),
                ("list+natasha", [(m.start, m.end) for m in mentions]),
            ):
                totals[key] += (
                    sum(any(s < fe and fs < e for fs, fe in found) for s, e in gold),
                    len(gold),
                    sum(any(s < ge and gs < e for gs, ge in gold) for s, e in found),
                    len(found),
                )
    for key, (hit, n_gold, on_gold, n_found) in totals.items():
        print(
            f"RU {key:13s} recall {hit / n_gold:.3f} ({int(hit)}/{int(n_gold)})  "
            f"precision>= {on_gold / max(n_found, 1):.3f} ({int(on_gold)}/{int(n_found)})"
        )
    print(f"RU natasha + merging: {1000 * seconds / len(docs):.0f} ms per article ({len(docs)})")


def english(limit: int) -> None:
    from _corpus import test_texts

    from narrascope.document import Document
    from narrascope.nlp import NlpStage
    from narrascope.nlp._stage import english_model, load_spacy

    texts = test_texts("EN", limit)
    started = time.perf_counter()
    load_spacy("en")
    loaded = time.perf_counter() - started
    docs = [Document(id=str(i), text=t, language="en") for i, t in enumerate(texts)]
    started = time.perf_counter()
    out = list(NlpStage(n_process=1).pipe(docs))
    took = time.perf_counter() - started
    n_ent = sum(len(d.entities) for d in out)
    print(
        f"EN {english_model()}: load {loaded:.1f} s, {len(out) / took:.1f} articles/s "
        f"({len(out)} articles, {took:.1f} s, {n_ent} entities)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ru", action="store_true")
    parser.add_argument("--en", action="store_true")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    if args.ru:
        russian()
    if args.en:
        english(args.limit)


if __name__ == "__main__":
    main()
