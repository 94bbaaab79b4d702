"""One scorer module for every task: official metrics, implemented from their definitions.

Gold data is compared as (predicted, reference) pairs; each submodule owns one task.
"""

from narrascope.scoring._framing import *  # noqa: F403
from narrascope.scoring._framing import __all__ as _framing_all
from narrascope.scoring._narratives import *  # noqa: F403
from narrascope.scoring._narratives import __all__ as _narratives_all
from narrascope.scoring._techniques import *  # noqa: F403
from narrascope.scoring._techniques import __all__ as _techniques_all

__all__ = [*_narratives_all, *_framing_all, *_techniques_all]
