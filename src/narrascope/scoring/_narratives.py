"""Official metrics for the narratives task (see ../shared/DATA.md for their definitions)."""

from __future__ import annotations

__all__: list[str] = []
