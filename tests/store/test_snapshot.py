"""The snapshot follows writes at once and builds priority tiers."""

from __future__ import annotations

from voapi_desktop.store import channels, options, tokens, users
from voapi_desktop.store.snapshot import SnapshotHolder


def test_writes_rebuild_the_snapshot(store):
    holder = SnapshotHolder(store.env)
    try:
        high = channels.create_channel(type="OpenAI", name="a", key="k", models="m", priority=10, weight=2)
        low = channels.create_channel(type="OpenAI", name="b", key="k", models="m", priority=0)
        assert holder.current.routes[("default", "m")] == [[(high.id, 2)], [(low.id, 0)]]
        token = tokens.create_token(users.find_user("root").id, "t", unlimited=True)
        assert holder.current.tokens[token.key].name == "t"
        options.set_option("RETRY_TIMES", "3")
        assert holder.current.settings["RETRY_TIMES"] == 3
        channels.set_channel_status(high.id, channels.MANUALLY_DISABLED)
        assert holder.current.routes[("default", "m")] == [[(low.id, 0)]]
    finally:
        holder.close()
