"""The web portal: the user console (sign-in, sign-up, keys, usage, wallet), server-rendered."""

from __future__ import annotations

from quart import Quart

from . import auth_pages, console_pages, usage_page  # noqa: F401 - their routes register on the blueprint
from . import pricing_page, status_page  # noqa: F401
from . import playground_pages  # noqa: F401
from . import docs_page, home_page  # noqa: F401
from .blueprint import portal_routes


def register_portal(app: Quart) -> None:
    """Add the portal's pages and static files to the app."""
    app.register_blueprint(portal_routes)
