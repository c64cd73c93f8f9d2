"""Channel selection and model mapping: pure rules, no I/O.

Selection: the caller's group and model give priority tiers (highest first);
attempt n uses tier n (clamped), weighted random inside the tier, never a
channel already tried in this request. Channels cooling down (core.cooldown)
are passed over while any other is left; when only they are left, the one
whose cooldown ends first is tried anyway.
"""

from __future__ import annotations

import random
from typing import Callable, Mapping, Sequence

Tier = Sequence[tuple[int, int]]  # (channel id, weight)


def check_model_mapping(mapping: Mapping[str, str]) -> None:
    """Raise ValueError when the mapping is not str->str or contains a cycle."""
    for source, target in mapping.items():
        if not isinstance(source, str) or not isinstance(target, str) or not source or not target:
            raise ValueError("model mapping must map non-empty model names to model names")
    for start in mapping:
        seen = [start]
        current = start
        while current in mapping and mapping[current] != current:
            current = mapping[current]
            if current in seen:
                raise ValueError("model mapping has a cycle: " + " -> ".join(seen + [current]))
            seen.append(current)


def map_model(mapping: Mapping[str, str], model: str) -> str:
    """Follow a (checked, cycle-free) mapping chain to the upstream model name."""
    hops = 0
    while model in mapping and mapping[model] != model and hops < 32:
        model = mapping[model]
        hops += 1
    return model


def weighted_choice(candidates: Sequence[tuple[int, int]], rng: random.Random) -> int:
    """Pick a channel id; all-zero weights mean equal chances."""
    total = sum(max(weight, 0) for _, weight in candidates)
    if total <= 0:
        return rng.choice(candidates)[0]
    point = rng.uniform(0, total)
    for channel_id, weight in candidates:
        point -= max(weight, 0)
        if point <= 0:
            return channel_id
    return candidates[-1][0]


def pick_channel(tiers: Sequence[Tier], attempt: int, exclude: set[int],
                 rng: random.Random | None = None,
                 cooling: Callable[[int], float] | None = None) -> int | None:
    """Choose the channel for `attempt`: its tier first, then lower tiers, then any untried one.

    `cooling(channel id)` says until when a channel is cooling down (0: it is not); such channels
    are chosen only when no other is left, the one whose cooldown ends first.
    """
    if not tiers:
        return None
    rng = rng or random
    start = min(attempt, len(tiers) - 1)
    order = list(range(start, len(tiers))) + list(range(start - 1, -1, -1))
    waiting: list[tuple[float, int]] = []
    for index in order:
        candidates = [c for c in tiers[index] if c[0] not in exclude]
        if cooling is not None and candidates:
            ready = []
            for candidate in candidates:
                until = cooling(candidate[0])
                if until:
                    waiting.append((until, candidate[0]))
                else:
                    ready.append(candidate)
            candidates = ready
        if candidates:
            return weighted_choice(candidates, rng)
    return min(waiting)[1] if waiting else None
