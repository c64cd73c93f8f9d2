"""The narrow protocol every upstream adapter implements."""

from __future__ import annotations

from typing import Protocol

from ...core.settings import Settings
from ...store.channels import ChannelInfo
from ..relay.endpoints import Endpoint


class Adapter(Protocol):
    """Speaks one upstream dialect: where to send a request and how to sign it."""

    def url(self, channel: ChannelInfo, endpoint: Endpoint, upstream_model: str, settings: Settings) -> str:
        """The full upstream URL for this endpoint."""

    def headers(self, channel: ChannelInfo, key: str) -> dict[str, str]:
        """Authentication and dialect headers for one channel key."""
