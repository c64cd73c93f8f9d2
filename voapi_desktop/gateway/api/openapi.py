"""/api/openapi.json: an OpenAPI 3.1 description generated from the app's own routes.

Every /api/ rule the app serves is listed (so nothing can be forgotten); the route table
(base.ROUTES) adds each route's role, query parameters and body fields, and the shape of
its answer's data where the route gives one.
"""

from __future__ import annotations

import re

from quart import Blueprint, current_app

from ... import __version__
from ...store.users import ROLE_NAMES
from .base import PUBLIC, ROUTES, RouteSpec, api_route, install

openapi_routes = Blueprint("api_openapi", __name__)
install(openapi_routes)

_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_SKIP = {"HEAD", "OPTIONS"}
ENVELOPE = {"type": "object", "required": ["success", "message"], "properties": {
    "success": {"type": "boolean"}, "message": {"type": "string"}, "data": {}}}
_REFUSALS = {"400": "malformed request (bad JSON, a field of the wrong type)",
             "401": "not signed in, or the New-Api-User header is missing or wrong",
             "403": "the account is disabled or its role is too low",
             "429": "rate limited (Retry-After says when to retry)"}

_SUCCESS = {  # by RouteSpec.answers
    "json": {"200": {"description": "the envelope; success false carries the reason in message",
                     "content": {"application/json": {"schema": ENVELOPE}}}},
    "text": {"200": {"description": "plain text, as the caller (a payment gateway) expects",
                     "content": {"text/plain": {"schema": {"type": "string"}}}}},
    "redirect": {"302": {"description": "a redirect to a page of the portal"}}}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer" if kind == "int" else "string"}}
              for kind, name in _PARAM.findall(rule)]
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _success(spec: RouteSpec | None) -> dict:
    """The success answer; a route's `data` schema goes into the envelope (null when success is false)."""
    if spec is None or spec.data is None:
        return _SUCCESS[spec.answers if spec else "json"]
    schema = {**ENVELOPE, "properties": {**ENVELOPE["properties"], "data": {"anyOf": [spec.data, {"type": "null"}]}}}
    return {"200": {**_SUCCESS["json"]["200"], "content": {"application/json": {"schema": schema}}}}


def _operation(method: str, rule: str, spec: RouteSpec | None, doc: str) -> dict:
    _, params = _path(rule)
    role = spec.role if spec else PUBLIC
    operation = {"summary": (spec.summary if spec else "") or doc.split("\n")[0], "operationId": f"{method.lower()}{rule}",
                 "x-role": ROLE_NAMES.get(role, "public"),
                 "responses": {**_success(spec), **{code: {"description": text} for code, text in _REFUSALS.items()}}}
    if spec:
        params += [{"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                   for name in spec.query]
    if role != PUBLIC:
        operation["security"] = [{"session": [], "newApiUser": []}, {"accessToken": [], "newApiUser": []}]
    if spec and spec.body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "properties": {name: {"type": kind} for name, kind in spec.body.items()}}}}}
    if params:
        operation["parameters"] = params
    return operation


def document() -> dict:
    """The OpenAPI 3.1 document of every /api/ route of the running app."""
    specs = {(s.method, s.path): s for s in ROUTES}
    paths: dict[str, dict] = {}
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/"):
            continue
        doc = current_app.view_functions[rule.endpoint].__doc__ or ""
        for method in sorted((rule.methods or set()) - _SKIP):
            path, _ = _path(rule.rule)
            paths.setdefault(path, {})[method.lower()] = _operation(method, rule.rule, specs.get((method, rule.rule)),
                                                                    doc.strip())
    return {"openapi": "3.1.0",
            "info": {"title": "VoAPI Desktop REST API", "version": __version__,
                     "description": "new-api compatible management API: {success, message, data} envelopes, "
                                    "paging with p (from 1) and page_size (1-100)."},
            "components": {"securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "accessToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                                "description": "the access token from GET /api/user/token"},
                "newApiUser": {"type": "apiKey", "in": "header", "name": "New-Api-User",
                               "description": "the signed-in user's id, required on every authenticated call"}}},
            "paths": paths}


@api_route(openapi_routes, "GET", "/api/openapi.json", role=PUBLIC)
async def openapi():
    """This document (served bare, not in the envelope, as OpenAPI tools expect)."""
    return document()

