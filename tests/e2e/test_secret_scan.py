"""A planted key (client token, channel key, query key, secret setting) never shows up in a log line,
an error body or an admin list.

Relay requests in the three dialects run with the root logger at DEBUG and the redaction installed as
setup_logging installs it; every captured line is then searched for the planted secrets.
"""

from __future__ import annotations

import io
import logging

import httpx
import pytest

from tests.conftest import add_channel, make_token
from voapi_desktop.core import redact
from voapi_desktop.store import channels, users
from voapi_desktop.store.options import set_option

pytestmark = pytest.mark.e2e

CHANNEL_KEY = "chan-" + "S3cretUpstream" * 3
GEMINI_CHANNEL_KEY = "AIzaSy" + "G3miniPlanted" * 3
SETTING_SECRET = "smtp-" + "Pl4ntedSetting" * 3
WRONG_KEY = "sk-" + "Wr0ngPlanted" * 4


@pytest.fixture
def captured():
    buffer, factory, root = io.StringIO(), logging.getLogRecordFactory(), logging.getLogger()
    handler, level = logging.StreamHandler(buffer), root.level
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    redact.install()
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def test_no_planted_key_in_any_log_line_or_error_body(gateway, upstream, captured):
    add_channel(upstream, key=CHANNEL_KEY)
    add_channel(upstream, "gem", key=GEMINI_CHANNEL_KEY, type="Gemini", models="gemini-2.0-flash")
    dead = add_channel(upstream, "dead", key=CHANNEL_KEY + "-dead", models="gpt-4o")
    channels.update_channel(dead.id, base_url="http://127.0.0.1:1")  # connection refused
    set_option("SMTP_TOKEN", SETTING_SECRET)
    root = users.find_user("root")
    token = make_token()
    bare = token[3:]
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    bodies = []
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        calls = [
            http.post("/v1/chat/completions", json=chat, headers={"Authorization": f"Bearer {token}"}),
            http.post("/v1/chat/completions", json={**chat, "stream": True}, headers={"Authorization": f"Bearer {bare}"}),
            http.post("/v1/chat/completions", json=chat, headers={"Authorization": f"Bearer {WRONG_KEY}"}),
            http.post("/v1/chat/completions", json={**chat, "model": "gpt-4o"},
                      headers={"Authorization": f"Bearer {token}"}),
            http.post("/v1/chat/completions", json={**chat, "model": "gemini-2.0-flash"},
                      headers={"Authorization": f"Bearer {token}"}),
            http.post("/v1/messages", json={"model": "gpt-4o-mini", "max_tokens": 20,
                                             "messages": [{"role": "user", "content": "hi"}]},
                      headers={"x-api-key": token, "anthropic-version": "2023-06-01"}),
            http.post(f"/v1beta/models/gpt-4o-mini:generateContent?key={bare}",
                      json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
            http.post(f"/v1beta/models/gpt-4o-mini:generateContent?key={WRONG_KEY[3:]}",
                      json={"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}),
        ]
        admin = {"Authorization": users.issue_access_token(root.id), "New-Api-User": str(root.id)}
        calls += [http.get(path, headers=admin) for path in
                  ("/api/channel/", f"/api/channel/{dead.id}", "/api/channel/search?keyword=dead", "/api/option/")]
        assert all(c.json()["success"] for c in calls[-4:]), [c.text for c in calls[-4:]]
        bodies = [response.text for response in calls]
    gateway.flush()
    assert calls[0].status_code == 200 and calls[2].status_code == 401 and calls[3].status_code >= 500, bodies[3]
    text = captured.getvalue()
    assert text.count("\n") > 5, "the requests logged nothing: the scan would prove nothing"
    secrets = (bare, CHANNEL_KEY, GEMINI_CHANNEL_KEY, WRONG_KEY[3:], SETTING_SECRET)
    for secret in secrets:
        leaked = [line for line in text.splitlines() if secret in line]
        assert not leaked, f"a planted key reached the log: {leaked[:3]}"
        assert not [b for b in bodies if secret in b], "a planted key is in a response body (error or list)"
