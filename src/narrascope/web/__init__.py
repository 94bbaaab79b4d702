"""Presentation: the static HTML report (and, later, the dashboard), escaping by default."""

from narrascope.web._report import corpus_overview, environment, link, paragraphs, render_report

__all__ = ["corpus_overview", "environment", "link", "paragraphs", "render_report"]
