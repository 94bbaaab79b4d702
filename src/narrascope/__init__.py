"""narrascope: narratives, entity framing and persuasion techniques in news corpora."""

from narrascope.document import Document

__version__ = "0.1.0"

__all__ = ["Document", "__version__"]
