"""The two HTTP calls of an OAuth2 sign-in: exchange the code for a token, read the account.

httpx (off the relay's hot path), explicit timeouts, no redirects followed. Every failure
(unreachable, HTTP error, HTML instead of JSON, no token, no account id) becomes a
ProviderError whose message says which provider failed and why, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..core.oauth import OAuthProvider, ProviderError, ProviderUser

if TYPE_CHECKING:  # the client is imported where it is used: the idle gateway does without it
    import httpx

USER_AGENT = "VoAPI-Desktop"  # GitHub's API refuses requests without a User-Agent


def _json(provider: OAuthProvider, response: httpx.Response, what: str) -> object:
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400 and not (isinstance(body, dict) and (body.get("error") or body.get("message"))):
        raise ProviderError(f"{provider.title} answered HTTP {response.status_code} when {what}; try again later")
    if body is None:
        raise ProviderError(f"{provider.title} sent an answer that is not JSON when {what}")
    return body


async def fetch_account(provider: OAuthProvider, settings: Mapping[str, object], code: str,
                        redirect_uri: str) -> ProviderUser:
    """The provider account that authorized `code`."""
    import httpx  # here: the idle gateway does without it
    url, headers, form = provider.token_request(settings, code, redirect_uri)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0), follow_redirects=False,
                                     headers={"User-Agent": USER_AGENT}) as client:
            answer = await client.post(url, data=form, headers=headers)
            token = provider.access_token(_json(provider, answer, "exchanging the sign-in code"))
            answer = await client.get(provider.user_url(settings), headers={
                "Authorization": f"Bearer {token}", "Accept": "application/json"})
            body = _json(provider, answer, "reading the account")
            if answer.status_code >= 400:
                raise ProviderError(f"{provider.title} refused to show the account (HTTP {answer.status_code})")
            return provider.user(body)
    except httpx.HTTPError as exc:
        raise ProviderError(f"could not reach {provider.title} ({type(exc).__name__}); try again later") from None
