"""``narrascope serve``: the JSON API and the dashboard over one database.

>>> from narrascope.api import ServeSettings, create_app
>>> app = create_app(ServeSettings(db="news.db", token="secret"))    # doctest: +SKIP

Run it with uvicorn (``narrascope serve --db news.db`` does). See
:mod:`narrascope.api._app` for the security choices and
:mod:`narrascope.api._jobs` for how accepted articles survive a shutdown.
"""

from narrascope.api._app import CSP, create_app
from narrascope.api._settings import ServeSettings, read_token

__all__ = ["CSP", "ServeSettings", "create_app", "read_token"]
