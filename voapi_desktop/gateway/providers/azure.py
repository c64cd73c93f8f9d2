"""Azure OpenAI: deployment URLs with api-version, key in the api-key header."""

from __future__ import annotations

from ...core.settings import Settings
from ...store.channels import ChannelInfo
from ..relay.endpoints import Endpoint


def deployment_name(model: str) -> str:
    """Azure deployment names cannot contain dots: gpt-3.5-turbo -> gpt-35-turbo."""
    return model.replace(".", "")


class AzureAdapter:
    def url(self, channel: ChannelInfo, endpoint: Endpoint, upstream_model: str, settings: Settings) -> str:
        version = channel.other.strip() or settings["AZURE_DEFAULT_API_VERSION"]
        base = channel.effective_base_url
        if endpoint.name == "responses":
            return f"{base}/openai/responses?api-version={version}"
        return f"{base}/openai/deployments/{deployment_name(upstream_model)}{endpoint.path}?api-version={version}"

    def headers(self, channel: ChannelInfo, key: str) -> dict[str, str]:
        return {"api-key": key}
