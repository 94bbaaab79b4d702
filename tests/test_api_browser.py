"""The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by Playwright):
upload an article, wait for its analysis, open it, toggle a technique, open its
story's side-by-side page; and hostile articles that must not run any script.

One real server (``narrascope serve``, full pipeline) on 127.0.0.1 for the module,
over the hand-made database of tests/api_fixtures.py (its hostile article included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api_fixtures import HOSTILE, PWN, build_db
from test_api_jobs import _free_port

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)", allow_module_level=True
    )
pytest.importorskip("fastapi")
playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = pytest.mark.browser
TOKEN = "br0wser-t0ken"
ARTICLE = (
    "Western warmongers push the world to the brink\n\n"
    "The reckless regime in Kyiv and its puppet masters in Washington have once again shown"
    " their true face. Vladimir Putin signed the updated nuclear doctrine on Tuesday, a calm"
    " and measured answer to NATO aggression. Putin has always sought peace, while the"
    " Pentagon sends more weapons to prolong the bloodshed. This is a disgrace and a betrayal."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "news.db"
    stories = build_db(db)
    port = _free_port()
    env = {**os.environ, "NARRASCOPE_TOKEN": TOKEN, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "narrascope", "serve", "--db", str(db), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(folder / "server.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, (folder / "server.log").read_text()
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
    try:
        yield {"base": base, "stories": stories}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: Any, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.set_default_timeout(90_000)
    return page


def test_upload_analyse_open_toggle_and_compare(server: dict[str, Any], browser: Any) -> None:
    page = _page(browser)
    page.goto(f"{server['base']}/submit")
    page.fill("#token", TOKEN)
    page.dispatch_event("#token", "change")
    page.fill("#text-form [name=title]", "Western warmongers push the world to the brink")
    page.fill("#text-form [name=outlet]", "Pravda Front")
    page.fill("#text-form [name=published]", "2024-11-19")
    page.fill("#text-form [name=text]", ARTICLE)
    page.click("#text-form button")
    # the page polls the job until it is done, then links the stored article
    page.wait_for_selector("#jobs li.job-done a.job-article", timeout=120_000)
    page.click("#jobs a.job-article")
    page.wait_for_selector("#article-text")
    assert page.inner_text("#title") == "Western warmongers push the world to the brink"
    toggles = page.locator("input.tq-toggle")
    assert toggles.count() > 0, "the analysis found no technique to toggle"
    code = toggles.first.get_attribute("data-technique")
    marks = page.locator("#article-text mark.tq")
    hits = [m for m in marks.all() if m.get_attribute("data-technique") == code]
    assert hits and all("off" not in (m.get_attribute("class") or "") for m in hits)
    toggles.first.uncheck()
    assert all("off" in (m.get_attribute("class") or "") for m in hits)
    toggles.first.check()
    assert all("off" not in (m.get_attribute("class") or "") for m in hits)
    # the story's side-by-side view
    page.click("#story-link")
    page.wait_for_selector("#side-by-side")
    assert page.locator("#side-by-side .outlet-col").count() >= 1
    assert "Pravda Front" in page.inner_text("#side-by-side")
    page.close()


def test_story_page_at_phone_width(server: dict[str, Any], browser: Any) -> None:
    page = _page(browser, width=375)
    page.goto(f"{server['base']}/stories/{server['stories']['War']}")
    columns = page.locator("#side-by-side .outlet-col")
    assert columns.count() == 2
    # stacked, not squeezed: every column fits the screen and nothing scrolls sideways
    assert all(box["width"] <= 375 for box in (c.bounding_box() for c in columns.all()))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.close()


def test_hostile_articles_run_no_script(server: dict[str, Any], browser: Any) -> None:
    base = server["base"]
    hostile = {
        "title": HOSTILE["title"],
        "outlet": HOSTILE["outlet"],
        "url": HOSTILE["url"],
        "text": f'{HOSTILE["title"]}\n\nThe minister <img src=x onerror="{PWN}"> said'
        f' <a href="javascript:{PWN}">click</a> that <svg onload="{PWN}"> Vladimir Putin'
        " met John <script>Smith</script> in Moscow on Monday.",
    }
    response = httpx.post(
        f"{base}/api/articles", json=hostile, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 202
    job = response.json()["job"]
    deadline = time.monotonic() + 120
    while (state := httpx.get(f"{base}/api/jobs/{job}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert state["state"] == "done", state
    posted = state["articles"][0]
    page = _page(browser)
    urls = [
        "/",
        "/articles",
        f"/articles?q={PWN}",
        f"/articles/{posted}",
        "/articles/h1",
        "/stories",
        f"/stories/{server['stories']['hostile']}",
        f"/articles/<script>{PWN}</script>",
    ]
    for url in urls:
        page.goto(base + url)
        page.mouse.move(200, 200)
        for element in page.locator("main *").all()[:400]:
            if element.is_visible():
                element.hover(timeout=2000, force=True)
                break
        assert page.evaluate("typeof window.__pwned") == "undefined", url
        found = page.evaluate(
            """() => ({
                handlers: document.querySelectorAll(
                    '[onerror],[onload],[onmouseover],[onclick]').length,
                js: [...document.querySelectorAll('a[href]')].filter(
                    a => a.href.trim().toLowerCase().startsWith('javascript:')).length,
                scripts: [...document.scripts].map(s => s.getAttribute('src')),
            })"""
        )
        assert found["handlers"] == 0 and found["js"] == 0, url
        assert found["scripts"] == ["/static/dash.js"], url
    page.goto(f"{base}/articles/{posted}")
    assert "<script>" in page.inner_text("#article-text")  # shown as text
    assert page.inner_text("#title") == HOSTILE["title"]
    page.close()
