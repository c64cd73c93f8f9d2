"""The REST API under /api/ (new-api compatible): one blueprint per area, one route table."""

from __future__ import annotations

from quart import Quart

from ...core.settings import Settings
from .admin_channels import channel_routes
from .admin_options import option_routes
from .admin_users import admin_user_routes
from .logs import log_routes
from .mail_routes import mail_routes
from .oauth import oauth_routes
from .openapi import openapi_routes
from .redemptions import redemption_routes
from .session import make_serializer, session_routes
from .tokens import token_routes
from .topup import topup_routes
from .user import user_routes

BLUEPRINTS = (session_routes, user_routes, topup_routes, token_routes, log_routes, channel_routes, admin_user_routes,
              option_routes, redemption_routes, mail_routes, oauth_routes, openapi_routes)


def register_api(app: Quart, settings: Settings) -> None:
    """Add the REST API's blueprints and its session signer to the app."""
    app.config["VOAPI_SESSION_SERIALIZER"] = make_serializer(settings)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
