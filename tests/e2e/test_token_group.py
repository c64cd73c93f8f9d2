"""End to end: a key whose group its owner may not use is refused (new-api's UserUsableGroups check).

A key may carry a group of its own (its owner picks a usable one; an admin may set any); the relay
serves it only when that group is the owner's, or one of USER_USABLE_GROUPS, and still has a
GROUP_RATIO entry. A refusal is a 403 in the client's own dialect, before anything is reserved or
sent upstream.
"""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.conftest import add_channel
from tests.e2e.faults import ROUTES
from tests.e2e.helpers import consume_logs
from tests.fakes.upstream import DEFAULT_REPLY
from voapi_desktop.store import tokens, users
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "say hello"}]
QUOTA = 1_000_000


@pytest.fixture
def alice(gateway, upstream):
    """A user of group 'default'; every model is served to every group."""
    for route in ROUTES:
        route.channel(upstream, f"{route.client} channel", f"key-{route.client}", group="default,vip,svip")
    return users.create_user("alice", "alice-password", quota=QUOTA)


def key_of(user, group: str) -> str:
    """A limited key of `user` whose group an admin set to `group` ('' = the owner's group)."""
    return "sk-" + tokens.create_token(user.id, f"key-{group or 'own'}", quota=QUOTA, unlimited=False,
                                       group=group).key


def chat(client) -> str:
    return client.chat.completions.create(model="gpt-4o-mini", messages=HELLO).choices[0].message.content


def untouched(gateway, upstream, user_id: int) -> None:
    """Nothing was sent upstream, reserved or billed."""
    assert upstream.requests == []
    gateway.flush()
    assert users.get_user(user_id).quota == QUOTA
    assert consume_logs(gateway) == []


@pytest.mark.parametrize("route", ROUTES, ids=[r.id for r in ROUTES])
def test_a_key_of_a_group_its_owner_may_not_use_is_refused_in_the_clients_dialect(gateway, upstream, alice,
                                                                                  route):
    response = route.ask(gateway, key_of(alice, "svip"), stream=False)
    assert response.status_code == 403
    message = route.error_message(response)
    assert "svip" in message and "not available" in message
    untouched(gateway, upstream, alice.id)


def test_the_stream_is_refused_too_and_costs_nothing(gateway, upstream, alice, sdk):
    with pytest.raises(openai.PermissionDeniedError) as caught:
        list(sdk(key_of(alice, "svip")).chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True))
    assert caught.value.code == "group_not_allowed"
    untouched(gateway, upstream, alice.id)


def test_the_owners_own_group_and_the_usable_groups_are_served(gateway, upstream, alice, sdk):
    assert chat(sdk(key_of(alice, ""))) == DEFAULT_REPLY
    assert chat(sdk(key_of(alice, "default"))) == DEFAULT_REPLY
    assert chat(sdk(key_of(alice, "vip"))) == DEFAULT_REPLY  # in USER_USABLE_GROUPS by default
    assert [row["group"] for row in consume_logs(gateway)] == ["vip", "default", "default"]


def test_a_usable_groups_setting_opens_a_group_to_every_user(gateway, upstream, alice, sdk):
    client = sdk(key_of(alice, "svip"))
    with pytest.raises(openai.PermissionDeniedError):
        chat(client)
    set_option("USER_USABLE_GROUPS", json.dumps({"default": "Default", "svip": "Super VIP"}))
    assert chat(client) == DEFAULT_REPLY
    assert consume_logs(gateway)[0]["group"] == "svip"


def test_a_user_moved_to_another_group_can_no_longer_use_a_key_of_the_old_one(gateway, upstream, alice, sdk):
    users.update_user(alice.id, display_name="", email="", role=alice.role, group="svip")
    client = sdk(key_of(alice, "svip"))
    assert chat(client) == DEFAULT_REPLY  # the owner's own group
    users.update_user(alice.id, display_name="", email="", role=alice.role, group="default")
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(client)
    assert "(group 'default')" in caught.value.message


def test_a_key_of_a_group_without_a_ratio_is_refused(gateway, upstream, alice, sdk):
    set_option("USER_USABLE_GROUPS", json.dumps({"default": "Default", "gone": "Removed group"}))
    with pytest.raises(openai.PermissionDeniedError) as caught:
        chat(sdk(key_of(alice, "gone")))
    assert caught.value.code == "group_not_found"
    assert "no longer exists" in caught.value.message
    untouched(gateway, upstream, alice.id)


def test_the_key_usage_route_refuses_it_as_well(gateway, alice):
    response = httpx.get(gateway.url + "/api/usage/token", headers={"Authorization": key_of(alice, "svip")})
    assert response.status_code == 403
