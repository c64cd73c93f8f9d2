"""A limiter that is down (Redis unreachable) lets requests through instead of failing them."""

from __future__ import annotations

import httpx

from tests.conftest import add_channel, make_token
from voapi_desktop.store.options import set_option


class BrokenLimiter:
    clock = staticmethod(lambda: 0.0)

    def hit(self, *args, **kwargs):
        raise ConnectionError("redis is down")

    peek = incr_daily = hit

    def close(self) -> None:
        pass


def test_requests_pass_when_the_limiter_is_down(gateway, upstream):
    add_channel(upstream)
    for name, value in (("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "true"), ("USER_RPM", "5"), ("TOKEN_TPM", "100000"),
                        ("SENSITIVE_WORDS", "forbidden"), ("USER_DAILY_SENSITIVE_MAX_BAN", "3")):
        set_option(name, value)
    gateway.state.limiter = BrokenLimiter()
    key = make_token()
    answer = httpx.post(gateway.base_url + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}, timeout=10)
    assert answer.status_code == 200, answer.text
    refused = httpx.post(gateway.base_url + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                         json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "forbidden"}]},
                         timeout=10)
    assert refused.status_code == 400 and "forbidden" in refused.json()["error"]["message"]
