"""Official metrics for the framing task (see ../shared/DATA.md for their definitions)."""

from __future__ import annotations

__all__: list[str] = []
