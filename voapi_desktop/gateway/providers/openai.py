"""OpenAI and every OpenAI-compatible vendor: base URL + /v1 + path, Bearer key."""

from __future__ import annotations

from ...core.settings import Settings
from ...store.channels import ChannelInfo
from ..relay.endpoints import Endpoint


class OpenAIAdapter:
    def url(self, channel: ChannelInfo, endpoint: Endpoint, upstream_model: str, settings: Settings) -> str:
        base = channel.effective_base_url
        # A base URL that already names its version (".../v1", ".../api/v3") is used as it is.
        if base.rsplit("/", 1)[-1][:1] == "v" and base.rsplit("/", 1)[-1][1:].isdigit():
            return base + endpoint.path
        return base + "/v1" + endpoint.path

    def headers(self, channel: ChannelInfo, key: str) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key}"}
        if channel.openai_organization:
            headers["OpenAI-Organization"] = channel.openai_organization
        return headers
