"""The small public part of the REST API: /api/status (the seed's healthcheck greps it)."""

from __future__ import annotations

from quart import Blueprint, current_app

from .. import __version__
from .routes_relay import limit_api_client

api_routes = Blueprint("api", __name__)
api_routes.before_request(limit_api_client)


@api_routes.get("/api/status")
async def status():
    """The health check; any origin may read it (the portal's API lines time it from the browser)."""
    settings = current_app.config["VOAPI_STATE"].snapshots.current.settings
    return {"success": True, "message": "", "data": {
        "version": __version__,
        "system_name": settings["SYSTEM_NAME"],
        "start_time": current_app.config["VOAPI_STARTED"],
        "quota_per_unit": settings["QUOTA_PER_UNIT"],
        "quota_display_type": settings["QUOTA_DISPLAY_TYPE"],
        "usd_exchange_rate": settings["USD_EXCHANGE_RATE"],
        "server_address": settings["SERVER_ADDRESS"],
        "self_use_mode_enabled": settings["SELF_USE_MODE_ENABLED"],
        "checkin_enabled": settings["CHECKIN_ENABLED"],
        "github_oauth": settings["GITHUB_OAUTH_ENABLED"], "github_client_id": settings["GITHUB_CLIENT_ID"],
        "linuxdo_oauth": settings["LINUXDO_OAUTH_ENABLED"], "linuxdo_client_id": settings["LINUXDO_CLIENT_ID"],
        "setup": True,
    }}, 200, {"Access-Control-Allow-Origin": "*"}
