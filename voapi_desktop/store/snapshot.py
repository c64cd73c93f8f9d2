"""The in-memory snapshot the relay reads: tokens, users, channels, routes, settings.

Built off the event loop; a write in this process rebuilds it at once (through
`changes`), other processes' writes arrive within SYNC_FREQUENCY seconds.
Readers take `holder.current` once per request and never see a half-built one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..core.price_table import PriceTable
from ..core.settings import Settings
from . import changes
from .channels import ChannelInfo, list_channels
from .options import load_options
from .prices import load_price_table
from .tables import Ability, Token, User
from .tokens import TokenInfo, to_info as token_info
from .users import UserInfo, to_info as user_info

log = logging.getLogger(__name__)


@dataclass
class Snapshot:
    settings: Settings
    tokens: dict[str, TokenInfo] = field(default_factory=dict)  # by key
    users: dict[int, UserInfo] = field(default_factory=dict)
    channels: dict[int, ChannelInfo] = field(default_factory=dict)
    # (group, model) -> priority tiers, highest first, of (channel id, weight)
    routes: dict[tuple[str, str], list[list[tuple[int, int]]]] = field(default_factory=dict)
    models_by_group: dict[str, list[str]] = field(default_factory=dict)
    prices: PriceTable = field(default_factory=PriceTable)

    def models_for(self, group: str) -> list[str]:
        return self.models_by_group.get(group, [])


def _routes(rows) -> tuple[dict, dict]:
    tiers: dict[tuple[str, str], dict[int, list[tuple[int, int]]]] = {}
    for row in rows:
        tiers.setdefault((row.group, row.model), {}).setdefault(row.priority, []).append(
            (row.channel_id, row.weight))
    routes = {route: [by_priority[p] for p in sorted(by_priority, reverse=True)]
              for route, by_priority in tiers.items()}
    models: dict[str, list[str]] = {}
    for group, model in sorted(routes):
        models.setdefault(group, []).append(model)
    return routes, models


def build_snapshot(base_env: Mapping[str, str], overrides: Mapping[str, object]) -> Snapshot:
    """Read everything the relay needs (blocking: call it from a worker thread)."""
    settings = Settings.load(env=base_env, options=load_options(), overrides=overrides)
    users = {row.id: user_info(row) for row in User.select().where(User.deleted_at.is_null())}
    tokens = {}
    for row in Token.select().where(Token.deleted_at.is_null()):
        owner = users.get(row.user_id)
        if owner is not None:
            tokens[row.key] = token_info(row, owner.username)
    channels = {c.id: c for c in list_channels()}
    routes, models = _routes(Ability.select().where(Ability.enabled == True))  # noqa: E712
    return Snapshot(settings, tokens, users, channels, routes, models, load_price_table(settings))


class SnapshotHolder:
    """Keeps the current snapshot and rebuilds it when data changes."""

    def __init__(self, base_env: Mapping[str, str], overrides: Mapping[str, object] | None = None,
                 guard: threading.RLock | None = None):
        self._env = dict(base_env)
        self._overrides = dict(overrides or {})
        self._lock = threading.Lock()
        self._guard = guard or threading.RLock()  # shared with the ledger writer when quota holds are in memory
        self.reloaded: list[Callable[[Snapshot], None]] = []  # called with each fresh snapshot, under the guard
        self.current = build_snapshot(self._env, self._overrides)
        self._unsubscribe = changes.subscribe(self._on_change)

    def _on_change(self, kind: str) -> None:
        if kind != "log":
            self.reload()

    def reload(self) -> Snapshot:
        """Rebuild from the database (blocking) and swap it in."""
        with self._lock, self._guard:
            fresh = build_snapshot(self._env, self._overrides)
            self.current = fresh
            for hook in self.reloaded:
                hook(fresh)
        return fresh

    def close(self) -> None:
        self._unsubscribe()
