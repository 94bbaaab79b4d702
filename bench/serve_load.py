"""Load test of ``narrascope serve`` on 127.0.0.1 over a 10k-article SQLite database.

    python bench/serve_load.py --source out/demo.db --articles 10000 --seconds 8

1. Builds ``<work>/bench.db`` by replicating the analysed rows of ``--source`` (the
   demo database of ``make demo``) in SQL until it holds ``--articles`` articles: every
   relational table and the full-text index are copied with new ids, dates shifted,
   and each demo story is copied with its replicated members.
2. Starts ``narrascope serve`` on a free port of 127.0.0.1 and, for each of the article
   list, a search, an article page and a story page (dashboard HTML), runs 1 and 20
   concurrent clients (httpx, asyncio) for at most ``--seconds`` and ``--requests``
   each, recording requests/s and the p50/p99 latency.
3. Submits an analysis job (``--job-articles`` texts through the full pipeline) and
   measures the same while the worker runs it.

Bounded in requests and time, 127.0.0.1 only. Prints a Markdown table (README figures).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


# ------------------------------------------------------------------ database
def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def build(source: Path, target: Path, articles: int) -> dict[str, int]:
    """Copy ``source`` to ``target`` and replicate its articles until there are ``articles``."""
    target.unlink(missing_ok=True)
    src = sqlite3.connect(source)
    src.backup(dst := sqlite3.connect(target))
    src.close()
    conn = dst
    base = [r[0] for r in conn.execute("SELECT id FROM articles")]
    per_table = {
        name: _columns(conn, name)
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'articles_fts%'"
        )
    }
    child_tables = [
        t
        for t, cols in per_table.items()
        if "article_id" in cols
        and t not in ("story_articles", "claim_articles", "timeline_quotes", "story_signatures")
    ]
    story_cols = per_table["stories"]
    stories = conn.execute("SELECT id FROM stories").fetchall()
    replicas = -(-(articles - len(base)) // len(base))
    conn.execute("PRAGMA foreign_keys=OFF")
    for n in range(1, replicas + 1):
        suffix = f"-r{n}"
        with conn:
            cols = per_table["articles"]
            select = []
            for c in cols:
                if c == "id":
                    select.append(f"id || '{suffix}'")
                elif c == "duplicate_of":
                    select.append(f"duplicate_of || '{suffix}'")  # NULL stays NULL
                elif c == "title":
                    select.append(f"title || ' ({n})'")
                elif c == "source":
                    select.append(f"source || '#{n}'")
                elif c == "published":
                    select.append(f"date(published, '-{n % 700} days')")  # NULL stays NULL
                else:
                    select.append(f'"{c}"')
            conn.execute(
                f"INSERT INTO articles ({', '.join(cols)}) SELECT {', '.join(select)} FROM articles"
                " WHERE id NOT LIKE '%-r%'"
            )
            for table in child_tables:
                cols = per_table[table]
                select = [
                    f"article_id || '{suffix}'" if c == "article_id" else f'"{c}"' for c in cols
                ]
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(select)}"
                    f" FROM {table} WHERE article_id NOT LIKE '%-r%'"
                )
            conn.execute(
                "INSERT INTO articles_fts (article_id, title, text) SELECT id, title, text"
                f" FROM articles WHERE id LIKE '%{suffix}'"
            )
            for (sid,) in stories:
                copy_cols = [c for c in story_cols if c != "id"]
                select = [
                    f"founder || '{suffix}'" if c == "founder" else f'"{c}"' for c in copy_cols
                ]
                new = conn.execute(
                    f"INSERT INTO stories ({', '.join(copy_cols)}) SELECT {', '.join(select)}"
                    " FROM stories WHERE id = ?",
                    (sid,),
                ).lastrowid
                conn.execute(
                    "INSERT INTO story_articles (story_id, article_id, added_at)"
                    f" SELECT ?, article_id || '{suffix}', added_at FROM story_articles"
                    " WHERE story_id = ?",
                    (new, sid),
                )
    total = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    n_stories = conn.execute("SELECT count(*) FROM stories").fetchone()[0]
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    return {"articles": int(total), "stories": int(n_stories)}


# -------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NARRASCOPE_TOKEN": TOKEN}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("the server did not start")


# ---------------------------------------------------------------------- load
async def _run(base: str, paths: list[str], clients: int, seconds: float, limit: int) -> dict:
    latencies: list[float] = []
    errors = 0
    sent = 0
    rng = random.Random(0)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors, sent
        while time.monotonic() < deadline and sent < limit:
            sent += 1
            path = rng.choice(paths)
            t0 = time.perf_counter()
            response = await http.get(base + path)
            latencies.append(time.perf_counter() - t0)
            errors += response.status_code != 200

    async with httpx.AsyncClient(timeout=120) as warm:  # first use loads lazy parts
        await warm.get(base + paths[0])
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / wall if wall else 0.0,
        "p50_ms": 1000 * statistics.median(ordered) if ordered else 0.0,
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
        if ordered
        else 0.0,
    }


def scenarios(base: str) -> dict[str, list[str]]:
    ids = [
        i["id"] for i in httpx.get(f"{base}/api/articles", params={"limit": 200}).json()["items"]
    ]
    ids += [
        i["id"]
        for i in httpx.get(f"{base}/api/articles", params={"limit": 200, "offset": 5000}).json()[
            "items"
        ]
    ]
    stories = httpx.get(f"{base}/api/stories", params={"limit": 100}).json()["items"]
    return {
        "article list (API, 50/page)": [
            f"/api/articles?limit=50&offset={o}" for o in range(0, 5000, 250)
        ],
        "search (API, q=…)": [
            f"/api/articles?q={w}&limit=20"
            for w in ("missiles", "senate", "climate", "Kyiv aid", "energy")
        ],
        "article page (HTML)": [f"/articles/{i}" for i in ids],
        "story page (HTML)": [f"/stories/{s['id']}" for s in stories],
    }


def measure(
    base: str, seconds: float, limit: int, label: str, job: str | None = None
) -> list[dict[str, Any]]:
    rows = []
    for name, paths in scenarios(base).items():
        for clients in (1, 20):
            result = asyncio.run(_run(base, paths, clients, seconds, limit))
            if job is not None:  # was the analysis still running at the end of this one?
                result["job"] = httpx.get(f"{base}/api/jobs/{job}").json()["state"]
            rows.append({"when": label, "endpoint": name, "clients": clients, **result})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def job_texts(base: str, n: int) -> list[dict[str, str]]:
    """``n`` articles for an analysis job: demo texts with a line that makes each new."""
    items = httpx.get(f"{base}/api/articles", params={"limit": 20}).json()["items"]
    texts = []
    for k in range(n):
        doc = httpx.get(f"{base}/api/articles/{items[k % len(items)]['id']}").json()
        texts.append(
            {
                "text": doc["text"] + f"\n\nUpdate {k}: the bench added this line.",
                "title": f"bench {k}",
                "outlet": doc["outlet"],
            }
        )
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=ROOT / "out" / "demo.db")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="per scenario, at most")
    parser.add_argument("--requests", type=int, default=2000, help="per scenario, at most")
    parser.add_argument("--job-articles", type=int, default=40)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write the rows as JSON here")
    parser.add_argument(
        "--reuse", action="store_true", help="use <work>/bench.db as it is (built before)"
    )
    args = parser.parse_args()
    if not args.source.exists():
        raise SystemExit(f"{args.source}: no such database (run `make demo` first)")
    work = args.work or Path(tempfile.mkdtemp(prefix="serve-load-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    if args.reuse and (work / "bench.db").exists():
        with sqlite3.connect(work / "bench.db") as conn:
            sizes = {
                "articles": conn.execute("SELECT count(*) FROM articles").fetchone()[0],
                "stories": conn.execute("SELECT count(*) FROM stories").fetchone()[0],
            }
    else:
        sizes = build(args.source, work / "bench.db", args.articles)
    print(f"database {sizes} ready in {time.perf_counter() - t0:.1f} s", flush=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(work / "bench.db", port, work / "server.log")
    try:
        rows = measure(base, args.seconds, args.requests, "idle")
        texts = job_texts(base, args.job_articles)
        job = httpx.post(
            f"{base}/api/articles",
            json={"articles": texts},
            headers={"Authorization": f"Bearer {TOKEN}"},
        ).json()["job"]
        while httpx.get(f"{base}/api/jobs/{job}").json()["state"] == "queued":
            time.sleep(0.2)
        busy = measure(base, args.seconds, args.requests, "analysis running", job)
        state = httpx.get(f"{base}/api/jobs/{job}").json()
        print(f"job after the busy measurements: {state['state']} {state['progress']}", flush=True)
        rows += busy
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(300)
        except subprocess.TimeoutExpired:
            proc.kill()
    print()
    print(f"{sizes['articles']} articles, {sizes['stories']} stories, SQLite, 127.0.0.1")
    print("| when | endpoint | clients | requests | req/s | p50 ms | p99 ms | errors | job |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r['when']} | {r['endpoint']} | {r['clients']} | {r['requests']} |"
            f" {r['rps']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} |"
            f" {r.get('job', '')} |"
        )
    if args.out:
        args.out.write_text(json.dumps({"sizes": sizes, "rows": rows}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
