"""/api/openapi.json lists every /api/ route the app serves, with roles and bodies from the route table."""

from __future__ import annotations

import re

import httpx

from voapi_desktop.gateway.api.base import ROUTES


def test_openapi_lists_every_api_route(gateway):
    answer = httpx.get(gateway.url + "/api/openapi.json", timeout=10)
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["openapi"] == "3.1.0" and "newApiUser" in doc["components"]["securitySchemes"]
    served = {(method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
              for rule in gateway.server.app.url_map.iter_rules() if rule.rule.startswith("/api/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    listed = {(method, path) for path, item in doc["paths"].items() for method in item}
    assert served == listed
    assert len(served) >= 50 and ("get", "/api/status") in listed and ("get", "/api/usage/token") in listed
    for spec in ROUTES:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", spec.path)
        operation = doc["paths"][path][spec.method.lower()]
        assert operation["summary"], spec
        assert set(spec.body) <= set(
            operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get(
                "schema", {}).get("properties", {}))
    assert doc["paths"]["/api/option/"]["put"]["x-role"] == "root"
    assert doc["paths"]["/api/channel/"]["get"]["x-role"] == "admin"
    assert doc["paths"]["/api/token/{token_id}"]["delete"]["parameters"][0] == {
        "name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    assert "security" not in doc["paths"]["/api/user/login"]["post"]


def test_openapi_describes_the_data_of_the_usable_groups_route(gateway):
    doc = httpx.get(gateway.url + "/api/openapi.json", timeout=10).json()
    operation = doc["paths"]["/api/user/self/groups"]["get"]
    assert operation["x-role"] == "user"
    data = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
    groups = data["anyOf"][0]["additionalProperties"]
    assert groups["properties"] == {"ratio": {"type": "number"}, "desc": {"type": "string"}}
    assert data["anyOf"][1] == {"type": "null"}
