"""schemathesis against a live gateway's /api/openapi.json: every operation, with data that fits the document
(positive) and data that does not (negative), signed in as root and not signed in.

Every answer: below 500, no traceback, and in the shape the document promises: the JSON envelope with a
message (the OpenAPI document itself aside), plain text for the payment gateway's notify, a redirect for
its return page.

Nothing is excluded. The root session survives every operation by the API's own rules (checked after each
operation, so an operation that broke it would fail here by name): an admin acts only on users of a lower
role, so deleting, disabling or demoting root is refused; changing root's password needs the current one;
signing out only clears the client's cookie, which the test sends again; a new access token does not touch
the session. The examples run against one gateway in order, so created rows (tokens, channels, users) are
there for later operations to read, change and delete.
"""

from __future__ import annotations

import json

import httpx
import pytest
import schemathesis
from hypothesis import errors as hypothesis_errors
from hypothesis import given
from schemathesis import GenerationMode

from tests.fuzz.conftest import TRACEBACK_MARKS, fuzz_settings
from voapi_desktop.gateway.api.base import ROUTES
from voapi_desktop.store import users
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.slow

PASSWORD = "fuzz-root-password"
ANSWERS = {(spec.method, spec.path.replace("<int:", "{").replace("<", "{").replace(">", "}")): spec.answers
           for spec in ROUTES}
# (signed in, mode) -> examples per operation: ~70 operations, so these set the run time (~10 ms an example)
EXAMPLES = {(True, GenerationMode.POSITIVE): 12, (True, GenerationMode.NEGATIVE): 8,
            (False, GenerationMode.POSITIVE): 5, (False, GenerationMode.NEGATIVE): 5}


@pytest.fixture
def api_under_test(gateway):
    """The live gateway's document loaded by schemathesis, and root's session (cookie + New-Api-User)."""
    for name in ("GLOBAL_API_RATE_LIMIT_ENABLE", "CRITICAL_RATE_LIMIT_ENABLE"):
        set_option(name, "false")  # thousands of calls from one address
    users.set_password(users.find_user("root").id, PASSWORD)
    signed_in = httpx.post(gateway.url + "/api/user/login", json={"username": "root", "password": PASSWORD})
    root = {"cookies": dict(signed_in.cookies), "headers": {"New-Api-User": str(signed_in.json()["data"]["id"])}}
    schema = schemathesis.openapi.from_url(gateway.url + "/api/openapi.json")
    return gateway, schema, root


def check_answer(label: str, answers: str, response) -> str | None:
    """What is wrong with one answer, or None."""
    text = response.content.decode("utf-8", "replace")
    if response.status_code >= 500:
        return f"{response.status_code}: {text[:300]}"
    if any(mark in text for mark in TRACEBACK_MARKS):
        return f"a traceback: {text[:300]}"
    if answers == "redirect" and response.status_code < 400:
        return None if 300 <= response.status_code < 400 else f"not a redirect: {response.status_code}"
    if answers == "text":
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"not JSON ({response.status_code}): {text[:200]}"
    if label == "GET /api/openapi.json":
        return None if "paths" in body else "the document has no paths"
    message = body.get("message", (body.get("error") or {}).get("message")) if isinstance(body, dict) else None
    return None if isinstance(message, str) else f"no message ({response.status_code}): {text[:200]}"


def fuzz_operation(operation, mode: GenerationMode, base_url: str, auth: dict, problems: list) -> None:
    label = operation.label
    answers = ANSWERS.get((operation.method.upper(), operation.path), "json")

    @fuzz_settings(EXAMPLES[(bool(auth), mode)])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if auth:  # signed in: the session, not the credentials generated from the security schemes
            for name in ("Authorization", "New-Api-User"):
                (case.headers or {}).pop(name, None)
            (case.cookies or {}).pop("session", None)
        response = case.call(base_url=base_url, allow_redirects=False, timeout=30, **auth)
        problem = check_answer(label, answers, response)
        if problem:
            problems.append(f"{label} ({mode.value}): {problem}\n    {case.as_curl_command()}")

    try:
        run()
    except hypothesis_errors.Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        assert mode is GenerationMode.NEGATIVE and not list(operation.iter_parameters()), label


def assert_root_still_signed_in(gateway, root: dict, after: str) -> None:
    answer = httpx.get(gateway.url + "/api/user/self", timeout=10, **root)
    assert answer.status_code == 200 and answer.json()["data"]["username"] == "root", (after, answer.text)


@pytest.mark.parametrize("signed_in", [True, False], ids=["root", "anonymous"])
def test_every_operation_answers_cleanly(api_under_test, signed_in):
    gateway, schema, root = api_under_test
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(operation, mode, gateway.url, root if signed_in else {}, problems)
        assert_root_still_signed_in(gateway, root, operation.label)
    assert not problems, "\n".join(problems)
