"""Command line: `narrascope analyze | report | show | search | export | eval | stages`."""

from narrascope.cli._main import app, main

__all__ = ["app", "main"]
