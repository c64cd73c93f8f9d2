"""One function per settings / About action; each runs the service call off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import httpx

from ... import __version__
from ...core.settings import Settings
from ...core.updates import check_update
from ...store import local_cache, options
from ...store.runtime import StoreRuntime
from ..context import Context

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None
UPDATE_TIMEOUT = 5.0  # seconds: an offline machine must not wait long for a one-line answer


def load_settings(runtime: StoreRuntime) -> Settings:
    """Every setting's value and source, as the gateway reads them (overrides > options > env > default)."""
    return Settings.load(env=runtime.env, options=options.load_options(), overrides=runtime.overrides)


def save_settings(ctx: Context, values: dict[str, str], *, success: Done = None, failure: Failed = None) -> None:
    """values: setting name -> text as typed; all are validated before any is stored."""
    values = dict(values)
    ctx.ops.run(lambda: options.set_options(values), writes=("option",), success=success, failure=failure,
                audit="set options " + ", ".join(sorted(values)), audit_fields=list(values))


def reset_setting(ctx: Context, name: str, *, success: Done = None, failure: Failed = None) -> None:
    """Forget the stored value: the setting falls back to its env var or default."""
    def run() -> str:
        options.unset_option(name)
        return name
    ctx.ops.run(run, writes=("option",), success=success, failure=failure, audit=f"reset option {name}",
                audit_fields=[name])


def clear_cache(ctx: Context, *, success: Done = None, failure: Failed = None) -> None:
    data_dir = ctx.runtime.data_dir
    ctx.ops.run(lambda: local_cache.clear_local_cache(data_dir), success=success, failure=failure)


@dataclass(frozen=True)
class UpdateOutcome:
    status: str  # "off", "newer", "current" or "failed"
    latest: str = ""
    url: str = ""
    detail: str = ""


def check_for_updates(ctx: Context, url: str, *, success: Done = None) -> None:
    """Fetch the releases feed on the network pool; never fails loudly (the outcome says what happened)."""
    ctx.ops.run(lambda: fetch_update(url, __version__), network=True, success=success,
                failure=lambda exc: success and success(UpdateOutcome("failed", detail=_short(exc))))


def fetch_update(url: str, current: str, timeout: float = UPDATE_TIMEOUT) -> UpdateOutcome:
    url = url.strip()
    if not url:
        return UpdateOutcome("off")
    if not url.lower().startswith(("http://", "https://")):
        return UpdateOutcome("failed", detail="UPDATE_CHECK_URL is not an http(s) URL")
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True, headers={"Accept": "application/json"})
        response.raise_for_status()
        check = check_update(current, response.json())
    except (httpx.HTTPError, ValueError) as exc:
        return UpdateOutcome("failed", detail=_short(exc))
    return UpdateOutcome("newer" if check.newer else "current", check.latest.version, check.latest.url)


def _short(exc: BaseException) -> str:
    text = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text if len(text) <= 90 else text[:89] + "…"
