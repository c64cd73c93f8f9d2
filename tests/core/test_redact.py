"""core/redact: keys are masked in any record, whichever handler, exceptions included."""

from __future__ import annotations

import io
import logging

import pytest

from voapi_desktop.core import redact

KEY = "sk-" + "Pl4nted" * 7


@pytest.mark.parametrize("text", [
    f"Authorization: Bearer {KEY}", f"{{'x-api-key': '{KEY[3:]}'}}", f'"x-goog-api-key": "{KEY[3:]}"',
    f"GET /v1beta/models/m:generateContent?alt=sse&key={KEY[3:]}", f"api_key={KEY[3:]}&x=1", f"token {KEY}",
    f"sk-ant-api03-{KEY[3:]}", f"AIzaSy{KEY[3:]}", f"password={KEY[3:]} next",
])
def test_keys_are_masked(text):
    masked = redact.redact(text)
    assert KEY[3:] not in masked and redact.MASK in masked


def test_plain_text_is_left_alone():
    text = "channel 3 (OpenAI) answered 200 in 120 ms; key rotation is off"
    assert redact.redact(text) == text


@pytest.fixture
def root_log():
    """A DEBUG handler on the root logger; the record factory restored afterwards."""
    buffer, factory, root = io.StringIO(), logging.getLogRecordFactory(), logging.getLogger()
    handler, level = logging.StreamHandler(buffer), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    logging.setLogRecordFactory(factory)


def test_install_masks_messages_args_and_tracebacks(root_log):
    redact.install()
    redact.install()  # idempotent
    log = logging.getLogger("voapi_desktop.test")
    log.debug("headers %s", {"Authorization": f"Bearer {KEY}"})
    try:
        raise ValueError(f"cannot reach https://example.com/v1?key={KEY[3:]}")
    except ValueError:
        log.exception("failed")
    text = root_log.getvalue()
    assert "failed" in text and "ValueError" in text and text.count(redact.MASK) >= 2
    assert KEY[3:] not in text
