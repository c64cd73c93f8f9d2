"""One function per channel action; each runs the service call off the GUI thread."""

from __future__ import annotations

import asyncio
from typing import Callable

from ...gateway import channel_admin, channel_test
from ...store import channels as service
from ..context import Context
from . import Edit, targets

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None


def load_channels() -> list[service.ChannelInfo]:
    return service.list_channels()


def create_channel(ctx: Context, fields: dict, *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: service.create_channel(**fields), writes=("channel",), success=success, failure=failure,
                audit=f"add channel {fields.get('name', '')}", audit_fields=list(fields))


def update_channel(ctx: Context, channel_id: int, fields: dict, *, success: Done = None,
                   failure: Failed = None) -> None:
    edit = Edit(lambda: service.get_channel(channel_id), lambda: service.update_channel(channel_id, **fields))
    ctx.ops.run(edit, writes=("channel",), success=success, failure=failure, audit=f"update channel {channel_id}",
                audit_fields=edit.changed)


def set_enabled(ctx: Context, channel_ids: list[int], enabled: bool, *, success: Done = None,
                failure: Failed = None) -> None:
    status = service.ENABLED if enabled else service.MANUALLY_DISABLED

    def run() -> int:
        for channel_id in channel_ids:
            service.set_channel_status(channel_id, status, "" if enabled else "disabled by the operator")
        return len(channel_ids)
    verb = "enable" if enabled else "disable"
    ctx.ops.run(run, writes=("channel",), success=success, failure=failure,
                audit=f"{verb} {targets('channel', channel_ids)}", audit_fields=["status"])


def copy_channel(ctx: Context, channel_id: int, *, success: Done = None, failure: Failed = None) -> None:
    ctx.ops.run(lambda: service.copy_channel(channel_id), writes=("channel",), success=success, failure=failure,
                audit=f"copy channel {channel_id}")


def set_tag_enabled(ctx: Context, tag: str, enabled: bool, *, success: Done = None, failure: Failed = None) -> None:
    """Every channel carrying the tag; success gets how many."""
    status = service.ENABLED if enabled else service.MANUALLY_DISABLED
    reason = "" if enabled else "disabled by the operator (tag)"
    ctx.ops.run(lambda: service.set_tag_status(tag, status, reason), writes=("channel",), success=success,
                failure=failure, audit=f"{'enable' if enabled else 'disable'} channels tagged {tag}",
                audit_fields=["status"])


def set_tag(ctx: Context, channel_ids: list[int], tag: str, *, success: Done = None, failure: Failed = None) -> None:
    def run() -> int:
        for channel_id in channel_ids:
            service.update_channel(channel_id, tag=tag)
        return len(channel_ids)
    ctx.ops.run(run, writes=("channel",), success=success, failure=failure,
                audit=f"tag {targets('channel', channel_ids)}", audit_fields=["tag"])


def delete_channels(ctx: Context, channel_ids: list[int], *, success: Done = None, failure: Failed = None) -> None:
    def run() -> int:
        for channel_id in channel_ids:
            service.delete_channel(channel_id)
        return len(channel_ids)
    ctx.ops.run(run, writes=("channel",), success=success, failure=failure,
                audit=f"delete {targets('channel', channel_ids)}")


def _test_settings(ctx: Context):
    return ctx.gateway.settings() or ctx.settings


def test_channel(ctx: Context, channel: service.ChannelInfo, *, success: Done = None,
                 failure: Failed = None) -> None:
    """One small request through the channel (network pool); the enable/disable rules apply."""
    settings = _test_settings(ctx)

    def run():
        fresh = service.get_channel(channel.id)
        return asyncio.run(channel_test.test_channel(fresh, settings))
    ctx.ops.run(run, network=True, writes=("channel",), success=success, failure=failure)


def test_all(ctx: Context, *, success: Done = None, failure: Failed = None) -> None:
    """Every channel that is not manually disabled; rows update as each test records its latency."""
    settings = _test_settings(ctx)
    ctx.ops.run(lambda: asyncio.run(channel_test.test_all(service.list_channels(), settings)), network=True,
                writes=("channel",), success=success, failure=failure)


def fetch_models(ctx: Context, draft: dict, saved: service.ChannelInfo | None, *, success: Done = None,
                 failure: Failed = None, owner=None) -> None:
    """The upstream's model list for the type, base URL and key typed in the editor (network pool)."""
    settings = _test_settings(ctx)

    def run() -> list[str]:
        fresh = service.get_channel(saved.id) if saved is not None else None
        channel = channel_admin.draft_channel(draft["type"], draft.get("base_url", ""), draft.get("key", ""), fresh)
        return channel_admin.fetch_models(channel, settings)
    ctx.ops.run(run, network=True, success=success, failure=failure, owner=owner)


def refresh_balances(ctx: Context, channel_ids: list[int] | None, *, success: Done = None,
                     failure: Failed = None) -> None:
    """Read the upstream balance of the given channels (None: every channel not disabled by hand)."""
    settings = _test_settings(ctx)

    def run() -> list[channel_admin.BalanceResult]:
        rows = service.list_channels()
        if channel_ids is not None:
            rows = [c for c in rows if c.id in channel_ids]
        return channel_admin.refresh_balances(rows, settings, include_disabled=channel_ids is not None)
    ctx.ops.run(run, network=True, writes=("channel",), success=success, failure=failure)
