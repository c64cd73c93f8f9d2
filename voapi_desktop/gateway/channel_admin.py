"""Ask a channel's upstream for its model list and its account balance (off the hot path, blocking).

Plain synchronous functions: the console calls them on a worker thread, the REST API from a
thread. Each call opens one short-lived httpx client with short timeouts. A key never appears in
an error message: it travels in a header, and any echo of it in an upstream's answer is blanked.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Mapping
from urllib.parse import urlsplit

import orjson

from ..core.channel_types import BY_ID, find_type
from ..core.settings import BY_NAME
from ..store import channels as channel_service
from ..store.channels import ChannelInfo
from ..store.errors import InvalidInput, ServiceError
from .errors import upstream_message

if TYPE_CHECKING:  # the client is imported where it is used: the idle gateway does without it
    import httpx

ANTHROPIC_VERSION = "2023-06-01"
TIMEOUT_SECONDS = 15.0
GEMINI_MAX_PAGES = 10


class UpstreamError(ServiceError):
    """The upstream refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class BalanceResult:
    channel_id: int
    name: str
    balance: float | None  # USD; None when the type has no balance endpoint
    error: str = ""


def _setting(settings: Mapping | None, name: str):
    return settings[name] if settings is not None else BY_NAME[name].default


def _key(channel: ChannelInfo) -> str:
    usable = channel.usable_key_indexes or list(range(len(channel.keys)))
    if not usable:
        raise UpstreamError("the channel has no key; enter one first")
    return channel.keys[usable[0]]


def _v1(base: str) -> str:
    return base if base.endswith("/v1") else base + "/v1"


def _base(channel: ChannelInfo) -> str:
    base = channel.effective_base_url
    if not base:
        raise UpstreamError(f"a {channel.type_name} channel needs a base URL")
    return base


def _get(client: httpx.Client, url: str, key: str, headers: dict, params: dict | None = None) -> dict:
    """GET a JSON object; UpstreamError naming the host, the status and the upstream's message otherwise."""
    import httpx
    host = urlsplit(url).netloc
    try:
        response = client.get(url, headers=headers, params=params)
    except httpx.TimeoutException:
        raise UpstreamError(f"{host} did not answer within {TIMEOUT_SECONDS:.0f} s") from None
    except httpx.HTTPError as exc:
        raise UpstreamError(f"cannot reach {host}: {type(exc).__name__}") from None
    except UnicodeEncodeError:  # httpx sends header values as ASCII
        raise UpstreamError("the key or a header override has a character that cannot be sent in an HTTP "
                            "header (only ASCII can)") from None
    if response.status_code != 200:
        message = upstream_message(response.content)
        message = message.replace(key, "***") if len(key) >= 4 else message  # a 1-3 letter "key" would mangle it
        raise UpstreamError(f"{host} answered HTTP {response.status_code}: {message}")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise UpstreamError(f"{host} answered HTTP 200 with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise UpstreamError(f"{host} answered HTTP 200 with an unexpected JSON shape")
    return body


def _client() -> httpx.Client:
    import httpx  # here: the idle gateway does without it
    return httpx.Client(timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=5.0), follow_redirects=False)


# --- model lists -----------------------------------------------------------------------------

def _ids(body: dict, host: str) -> list[str]:
    data = body.get("data")
    if not isinstance(data, list):
        raise UpstreamError(f"{host} answered without a model list")
    return [str(item["id"]) for item in data if isinstance(item, dict) and item.get("id")]


def _openai_models(client: httpx.Client, channel: ChannelInfo, key: str, settings) -> list[str]:
    url = _v1(_base(channel)) + "/models"
    headers = {"Authorization": f"Bearer {key}", **channel.header_override}
    return _ids(_get(client, url, key, headers), urlsplit(url).netloc)


def _azure_models(client: httpx.Client, channel: ChannelInfo, key: str, settings) -> list[str]:
    url = _base(channel) + "/openai/models"
    version = channel.other.strip() or _setting(settings, "AZURE_DEFAULT_API_VERSION")
    body = _get(client, url, key, {"api-key": key, **channel.header_override}, {"api-version": version})
    return _ids(body, urlsplit(url).netloc)


def _anthropic_models(client: httpx.Client, channel: ChannelInfo, key: str, settings) -> list[str]:
    url = _v1(_base(channel)) + "/models"
    headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION, **channel.header_override}
    return _ids(_get(client, url, key, headers, {"limit": 1000}), urlsplit(url).netloc)


def _gemini_models(client: httpx.Client, channel: ChannelInfo, key: str, settings) -> list[str]:
    """Google's list, paged; "models/gemini-2.0-flash" becomes "gemini-2.0-flash"."""
    base = _base(channel)
    url = (base if base.endswith(("/v1beta", "/v1")) else base + "/v1beta") + "/models"
    headers = {"x-goog-api-key": key, **channel.header_override}  # not ?key=, so URLs never carry it
    names, params = [], {"pageSize": 1000}
    for _page in range(GEMINI_MAX_PAGES):
        body = _get(client, url, key, headers, params)
        models = body.get("models")
        if not isinstance(models, list):
            raise UpstreamError(f"{urlsplit(url).netloc} answered without a model list")
        names += [str(m["name"]).removeprefix("models/") for m in models if isinstance(m, dict) and m.get("name")]
        if not body.get("nextPageToken"):
            break
        params = {"pageSize": 1000, "pageToken": body["nextPageToken"]}
    return names


def _no_list(client: httpx.Client, channel: ChannelInfo, key: str, settings) -> list[str]:
    raise UpstreamError(f"{channel.type_name} has no model list endpoint; type the model names")


_MODEL_READERS: dict[str, Callable[..., list[str]]] = {
    "openai": _openai_models, "azure": _azure_models, "anthropic": _anthropic_models,
    "gemini": _gemini_models, "replicate": _no_list}


def draft_channel(type: str | int, base_url: str = "", key: str = "",
                  saved: ChannelInfo | None = None) -> ChannelInfo:
    """A channel as typed in an editor (not saved yet) to fetch models with; an empty key keeps the saved keys."""
    try:
        kind = find_type(type)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    url = channel_service.check_base_url(base_url)
    keys = tuple(k.strip() for k in (key or "").splitlines() if k.strip())
    base = saved or ChannelInfo(0, kind.id, "", (), "", (), ())
    return replace(base, type=kind.id, base_url=url, keys=keys or base.keys,
                   disabled_keys=base.disabled_keys if not keys else {})


def fetch_models(channel: ChannelInfo, settings: Mapping | None = None) -> list[str]:
    """The model ids the channel's upstream lists for its key, de-duplicated, in the upstream's order."""
    kind = BY_ID.get(channel.type)
    reader = _MODEL_READERS.get(kind.dialect if kind else "openai", _openai_models)
    key = _key(channel)
    with _client() as client:
        return list(dict.fromkeys(reader(client, channel, key, settings)))


# --- balances --------------------------------------------------------------------------------

def _number(value, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UpstreamError(f"the upstream's {what} is not a number: {str(value)[:40]!r}") from None


def _openai_balance(client: httpx.Client, channel: ChannelInfo, key: str, rate: float) -> float:
    """one-api style billing: the hard limit minus this period's usage (reported in cents)."""
    base, headers = _v1(_base(channel)), {"Authorization": f"Bearer {key}"}
    subscription = _get(client, base + "/dashboard/billing/subscription", key, headers)
    now = time.time()
    start = time.strftime("%Y-%m-01", time.gmtime(now)) if subscription.get("has_payment_method") \
        else time.strftime("%Y-%m-%d", time.gmtime(now - 100 * 86400))
    usage = _get(client, base + "/dashboard/billing/usage", key, headers,
                 {"start_date": start, "end_date": time.strftime("%Y-%m-%d", time.gmtime(now))})
    limit = _number(subscription.get("hard_limit_usd"), "hard_limit_usd")
    return limit - _number(usage.get("total_usage", 0), "total_usage") / 100


def _deepseek_balance(client: httpx.Client, channel: ChannelInfo, key: str, rate: float) -> float:
    body = _get(client, _base(channel) + "/user/balance", key, {"Authorization": f"Bearer {key}"})
    infos = {i.get("currency"): i for i in body.get("balance_infos") or [] if isinstance(i, dict)}
    if "USD" in infos:
        return _number(infos["USD"].get("total_balance"), "total_balance")
    if "CNY" in infos:
        return _number(infos["CNY"].get("total_balance"), "total_balance") / rate
    raise UpstreamError("DeepSeek answered without a USD or CNY balance")


def _openrouter_balance(client: httpx.Client, channel: ChannelInfo, key: str, rate: float) -> float:
    data = _get(client, _v1(_base(channel)) + "/credits", key, {"Authorization": f"Bearer {key}"}).get("data") or {}
    return _number(data.get("total_credits"), "total_credits") - _number(data.get("total_usage", 0), "total_usage")


def _siliconflow_balance(client: httpx.Client, channel: ChannelInfo, key: str, rate: float) -> float:
    body = _get(client, _v1(_base(channel)) + "/user/info", key, {"Authorization": f"Bearer {key}"})
    if body.get("code") != 20000:
        raise UpstreamError(f"SiliconFlow answered code {body.get('code')}: {str(body.get('message'))[:200]}")
    return _number((body.get("data") or {}).get("totalBalance"), "totalBalance") / rate  # yuan


def _moonshot_balance(client: httpx.Client, channel: ChannelInfo, key: str, rate: float) -> float:
    body = _get(client, _v1(_base(channel)) + "/users/me/balance", key, {"Authorization": f"Bearer {key}"})
    if not body.get("status") or body.get("code") != 0:
        raise UpstreamError(f"Moonshot answered code {body.get('code')} ({body.get('scode') or 'no scode'})")
    return _number((body.get("data") or {}).get("available_balance"), "available_balance") / rate  # yuan


_BALANCE_READERS: dict[int, Callable[..., float]] = {
    1: _openai_balance, 8: _openai_balance, 43: _deepseek_balance, 20: _openrouter_balance,
    40: _siliconflow_balance, 25: _moonshot_balance}


def has_balance(channel: ChannelInfo) -> bool:
    """Whether the channel's type has a balance endpoint that query_balance knows."""
    return channel.type in _BALANCE_READERS


def query_balance(channel: ChannelInfo, settings: Mapping | None = None) -> float | None:
    """Ask the upstream for the account's balance in USD and store it with the time; None: no endpoint."""
    reader = _BALANCE_READERS.get(channel.type)
    if reader is None:
        return None
    key, rate = _key(channel), float(_setting(settings, "USD_EXCHANGE_RATE"))
    with _client() as client:
        balance = round(reader(client, channel, key, rate), 6)
    channel_service.record_balance(channel.id, balance)
    return balance


def refresh_balances(channels: list[ChannelInfo], settings: Mapping | None = None, *,
                     include_disabled: bool = False) -> list[BalanceResult]:
    """query_balance, a few at once, for each channel with a balance endpoint (and, unless
    include_disabled, not disabled by hand); a failure is reported in its result, not raised."""
    todo = [c for c in channels if has_balance(c) and (include_disabled or
                                                        c.status != channel_service.MANUALLY_DISABLED)]

    def one(channel: ChannelInfo) -> BalanceResult:
        try:
            return BalanceResult(channel.id, channel.name, query_balance(channel, settings))
        except ServiceError as exc:
            return BalanceResult(channel.id, channel.name, None, str(exc))
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(one, todo))
