"""Users through the admin REST API: list, search, create, edit, manage, delete, and who may do what."""

from __future__ import annotations

from tests.conftest import make_token
from tests.gateway.api.conftest import PASSWORD, add_user
from voapi_desktop.store import users
from voapi_desktop.store.tables import Log


def test_list_search_get_create_edit(root_api, store):
    add_user("alice")
    listed = root_api.ok("GET", "/api/user/?p=1&page_size=1")
    assert (listed["total"], len(listed["items"]), listed["items"][0]["username"]) == (2, 1, "root")
    assert [u["username"] for u in root_api.ok("GET", "/api/user/search?keyword=ALI")["items"]] == ["alice"]
    made = root_api.ok("POST", "/api/user/", json={"username": "bob", "password": PASSWORD, "role": 10})
    assert made["role"] == 10 and "password" not in made
    assert root_api.ok("GET", f"/api/user/{made['id']}")["username"] == "bob"
    edited = root_api.ok("PUT", "/api/user/", json={"id": made["id"], "display_name": "Bobby", "group": "vip",
                                                    "password": "another-pass-1"})
    assert (edited["display_name"], edited["group"]) == ("Bobby", "vip")
    assert users.verify_password("bob", "another-pass-1") is not None
    assert "taken" in root_api.refused("POST", "/api/user/", json={"username": "bob", "password": PASSWORD})
    assert "add_quota" in root_api.refused("PUT", "/api/user/", status=400, json={"id": made["id"], "quota": 5})


def test_manage_actions(root_api, gateway, store):
    carol = add_user("carol")
    key = make_token("carol-key", "carol")
    base = {"id": carol.id}
    assert root_api.ok("POST", "/api/user/manage", json={**base, "action": "add_quota", "value": 700})["quota"] == 700
    assert Log.get(Log.user_id == carol.id).quota == 700
    assert root_api.ok("POST", "/api/user/manage", json={**base, "action": "promote"})["role"] == 10
    assert root_api.ok("POST", "/api/user/manage", json={**base, "action": "demote"})["role"] == 1
    assert root_api.ok("POST", "/api/user/manage", json={**base, "action": "disable"})["status"] == 2
    assert root_api.ok("POST", "/api/user/manage", json={**base, "action": "enable"})["status"] == 1
    assert "action must be" in root_api.refused("POST", "/api/user/manage", status=400,
                                                json={**base, "action": "explode"})
    root_api.ok("DELETE", f"/api/user/{carol.id}")
    assert "carol" not in [u.username for u in users.list_users()]
    assert gateway.state.snapshots.current.tokens.get(key.removeprefix("sk-")) is None


def test_admins_only_manage_lower_roles_and_users_are_refused(new_api, store):
    add_user("admin1", role="admin")
    peer = add_user("admin2", role="admin")
    plain = add_user("dave")
    root = users.find_user("root")
    admin = new_api()
    admin.login("admin1")
    assert admin.ok("POST", "/api/user/manage", json={"id": plain.id, "action": "disable"})["status"] == 2
    for target in (peer.id, root.id):
        assert "below yours" in admin.refused("POST", "/api/user/manage", json={"id": target, "action": "disable"})
        assert "below yours" in admin.refused("DELETE", f"/api/user/{target}")
    assert "only root" in admin.refused("POST", "/api/user/manage", json={"id": plain.id, "action": "promote"})
    assert "below your own" in admin.refused("POST", "/api/user/", json={"username": "x2", "password": PASSWORD,
                                                                         "role": 10})
    assert "below your own" in admin.refused("PUT", "/api/user/", json={"id": plain.id, "role": 100})
    users.set_user_enabled(plain.id, True)
    user = new_api()
    user.login("dave")
    for method, path in (("GET", "/api/user/"), ("GET", "/api/user/search"), ("GET", f"/api/user/{root.id}"),
                         ("POST", "/api/user/"), ("PUT", "/api/user/"), ("POST", "/api/user/manage"),
                         ("DELETE", f"/api/user/{peer.id}")):
        assert user.refused(method, path, status=403, json={})
    assert users.get_user(root.id).enabled and users.get_user(peer.id).enabled
