"""OAuth2 sign-in providers (authorization code flow) as data: GitHub and LinuxDO.

Each provider names its settings (switch, client id and secret, base URLs that tests or
GitHub Enterprise may override), its endpoint paths, how the code is exchanged (GitHub: the
client credentials in the form; LinuxDO: HTTP Basic, as new-api does) and how its user
document maps to an account id, a login and a display name. No HTTP happens here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlencode


class ProviderError(Exception):
    """The provider refused or answered something unusable; the message is for the user."""


@dataclass(frozen=True)
class ProviderUser:
    id: str
    login: str
    name: str
    trust_level: int | None = None  # LinuxDO only


@dataclass(frozen=True)
class OAuthProvider:
    key: str  # "github": the path segment and the store's provider name
    title: str
    prefix: str  # setting name prefix: GITHUB, LINUXDO
    oauth_url_setting: str  # base of authorize + token
    api_url_setting: str  # base of the user endpoint
    authorize_path: str
    token_path: str
    user_path: str
    scope: str
    basic_auth: bool  # client credentials in an Authorization: Basic header instead of the form

    def enabled(self, settings: Mapping[str, object]) -> bool:
        return bool(settings[f"{self.prefix}_OAUTH_ENABLED"])

    def problem(self, settings: Mapping[str, object]) -> str | None:
        """Why sign-in through this provider is unavailable, or None when it is ready."""
        if not self.enabled(settings):
            return f"signing in with {self.title} is turned off by the administrator"
        if not settings[f"{self.prefix}_CLIENT_ID"] or not settings[f"{self.prefix}_CLIENT_SECRET"]:
            return f"signing in with {self.title} is not configured (client id and secret); ask the administrator"
        return None

    def _url(self, settings: Mapping[str, object], setting: str, path: str) -> str:
        return str(settings[setting]).rstrip("/") + path

    def authorize_url(self, settings: Mapping[str, object], state: str, redirect_uri: str) -> str:
        query = {"client_id": settings[f"{self.prefix}_CLIENT_ID"], "redirect_uri": redirect_uri,
                 "response_type": "code", "scope": self.scope, "state": state}
        return self._url(settings, self.oauth_url_setting, self.authorize_path) + "?" + urlencode(query)

    def token_request(self, settings: Mapping[str, object], code: str, redirect_uri: str) -> tuple[str, dict, dict]:
        """(url, headers, form) of the code-for-token exchange."""
        client_id = str(settings[f"{self.prefix}_CLIENT_ID"])
        secret = str(settings[f"{self.prefix}_CLIENT_SECRET"])
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        headers = {"Accept": "application/json"}
        if self.basic_auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        else:
            form.update(client_id=client_id, client_secret=secret)
        return self._url(settings, self.oauth_url_setting, self.token_path), headers, form

    def user_url(self, settings: Mapping[str, object]) -> str:
        return self._url(settings, self.api_url_setting, self.user_path)

    def access_token(self, body: object) -> str:
        """The access token from the token endpoint's JSON, or ProviderError with the provider's reason."""
        if isinstance(body, dict) and isinstance(body.get("access_token"), str) and body["access_token"]:
            return body["access_token"]
        reason = ""
        if isinstance(body, dict):
            reason = str(body.get("error_description") or body.get("error") or body.get("message") or "")
        raise ProviderError(f"{self.title} did not accept the sign-in code" + (f": {reason[:200]}" if reason else ""))

    def user(self, body: object) -> ProviderUser:
        """The account from the user endpoint's JSON, or ProviderError when it has no id."""
        account_id = body.get("id") if isinstance(body, dict) else None
        if isinstance(account_id, bool) or not isinstance(account_id, (int, str)) or not str(account_id).strip():
            raise ProviderError(f"{self.title} returned no account for this sign-in")
        login = str(body.get("login") or body.get("username") or "")
        level = body.get("trust_level")
        return ProviderUser(str(account_id).strip(), login, str(body.get("name") or login),
                            level if isinstance(level, int) and not isinstance(level, bool) else None)


GITHUB = OAuthProvider("github", "GitHub", "GITHUB", "GITHUB_OAUTH_URL", "GITHUB_API_URL",
                       "/login/oauth/authorize", "/login/oauth/access_token", "/user", "read:user", False)
LINUXDO = OAuthProvider("linuxdo", "LinuxDO", "LINUXDO", "LINUXDO_OAUTH_URL", "LINUXDO_OAUTH_URL",
                        "/oauth2/authorize", "/oauth2/token", "/api/user", "read", True)
PROVIDERS: dict[str, OAuthProvider] = {provider.key: provider for provider in (GITHUB, LINUXDO)}
