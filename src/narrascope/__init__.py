"""narrascope: narratives, entity framing and persuasion techniques in news corpora.

>>> import narrascope
>>> corpus = narrascope.analyze(["Title\\n\\nBody of the article ..."])  # doctest: +SKIP
>>> corpus[0].narratives.dominant                                        # doctest: +SKIP
"""

from narrascope._api import Corpus, analyze
from narrascope.app import AnalyzeSummary, Narrascope
from narrascope.config import Config, load_config
from narrascope.document import Document
from narrascope.errors import (
    ConfigError,
    IngestError,
    ModelNotFoundError,
    NarrascopeError,
    StageError,
    StoreError,
)

__version__ = "0.1.0"

__all__ = [
    "AnalyzeSummary",
    "Config",
    "ConfigError",
    "Corpus",
    "Document",
    "IngestError",
    "ModelNotFoundError",
    "Narrascope",
    "NarrascopeError",
    "StageError",
    "StoreError",
    "__version__",
    "analyze",
    "load_config",
]
