"""Time HTML extraction on pathological markup (issue 21 item 3): many attributes, deep nesting.

libxml2's HTML parser is quadratic in the attributes of one tag; ``cap_attributes`` cuts each
tag to ``MAX_TAG_TOKENS`` first. Run from the repository root::

    PYTHONPATH=src .venv/bin/python bench/hostile_html.py            # 40,000 and 300,000
    PYTHONPATH=src .venv/bin/python bench/hostile_html.py --uncapped  # the parser alone (slow!)
"""

from __future__ import annotations

import argparse
import time

from narrascope.ingest import _html

STORY = "<p>Ferry crews returned to work on Friday after a week of talks with the owners.</p>" * 5


def page(kind: str, n: int) -> str:
    if kind == "attributes":
        attributes = " ".join(f'a{i}="v"' for i in range(n))
        return f"<html><body><article><div {attributes}>x</div>{STORY}</article></body></html>"
    return "<html><body><article>" + "<div>" * n + STORY + "</div>" * n + "</article></body></html>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--uncapped", action="store_true", help="skip the cap (the old code)")
    parser.add_argument("--sizes", default="40000,300000")
    args = parser.parse_args()
    if args.uncapped:
        _html.cap_attributes = lambda html: html  # type: ignore[assignment]
    _html.extract_html("<p>warm up the extractor once, outside the timing</p>", "warm")
    for kind in ("attributes", "nesting"):
        for n in (int(s) for s in args.sizes.split(",")):
            started = time.perf_counter()
            article = _html.extract_html(page(kind, n), "bench.html")
            seconds = time.perf_counter() - started
            found = "text found" if article is not None else "no text"
            print(f"{kind:>10} {n:>8,}: {seconds:6.2f} s ({found})")


if __name__ == "__main__":
    main()
