"""Chat links' magic variables and the shapes of CHAT_LINKS and API_INFO."""

from __future__ import annotations

import pytest

from voapi_desktop.core.api_lines import ApiLine, parse_api_lines
from voapi_desktop.core.chat_links import ChatLink, fill_link, parse_chat_links
from voapi_desktop.core.settings import BY_NAME, InvalidSetting, parse_value

ADDRESS = "http://127.0.0.1:3000/"


def test_variables_in_the_path_are_encoded_as_one_segment():
    url = fill_link("https://chat.example/{model}/new", "sk-a", ADDRESS, "org/model a&b=c+d#e?f")
    assert url == "https://chat.example/org%2Fmodel%20a&b=c+d%23e%3Ff/new"


def test_variables_in_the_query_are_encoded_as_values():
    url = fill_link("https://chat.example/?key={key}&api={address}&m={model}", "sk-a", ADDRESS, "a&b=c+d#e")
    assert url == "https://chat.example/?key=sk-a&api=http://127.0.0.1:3000&m=a%26b%3Dc%2Bd%23e"


def test_json_in_the_fragment_keeps_its_braces_and_gets_the_values():
    template = 'https://app.nextchat.dev/#/?settings={"key":"{key}","url":"{address}"}'
    assert fill_link(template, "sk-a", ADDRESS, "m") == \
        'https://app.nextchat.dev/#/?settings={"key":"sk-a","url":"http://127.0.0.1:3000"}'


def test_unknown_variables_are_left_alone_and_the_address_may_start_the_link():
    assert fill_link("{address}/chat/{session}?k={KEY}&m={model}", "sk-a", ADDRESS, "gpt-4o") == \
        "http://127.0.0.1:3000/chat/{session}?k={KEY}&m=gpt-4o"


def test_only_http_and_https_targets_are_filled():
    for template in ("javascript:alert('{key}')", "data:text/html,{key}", "//chat.example/?k={key}",
                     "ftp://chat.example/{key}", "{model}://chat.example/", "https://{key}/"):
        assert fill_link(template, "sk-a", ADDRESS, "m") is None, template
    assert fill_link("{address}/x", "sk-a", "javascript:alert(1)", "m") is None


def test_chat_links_shape_is_checked_with_a_clear_message():
    assert parse_chat_links([{"name": " NextChat ", "url": "https://chat.example/?k={key}", "icon": "chat"}]) == \
        [ChatLink("NextChat", "https://chat.example/?k={key}", "chat")]
    assert len(parse_chat_links([{"name": f"app {i}", "url": "{address}/c"} for i in range(300)])) == 300
    for bad, message in (({"name": "x"}, "http\\(s\\) URL"), ({"name": "", "url": "https://a.b"}, "'name' is required"),
                         ({"name": "x", "url": "javascript:alert(1)"}, "http\\(s\\) URL"),
                         ({"name": "x", "url": "https://a.b", "color": "red"}, "unknown field 'color'"),
                         ({"name": "x", "url": "https://a.b", "icon": '" onerror="x'}, "'icon'"),
                         ("https://a.b", "must be an object")):
        with pytest.raises(InvalidSetting, match=message):
            parse_value(BY_NAME["CHAT_LINKS"], [bad])
    with pytest.raises(InvalidSetting, match="JSON list"):
        parse_value(BY_NAME["CHAT_LINKS"], '{"name": "x"}')


def test_api_lines_shape_is_checked_and_probe_the_status_route():
    lines = parse_api_lines([{"name": "Main", "url": "https://api.example.com/v1/", "description": "fast"}])
    assert lines == [ApiLine("Main", "https://api.example.com/v1/", "fast")]
    assert lines[0].probe == "https://api.example.com/api/status"
    assert ApiLine("x", "http://127.0.0.1:3000").probe == "http://127.0.0.1:3000/api/status"
    for bad, message in (({"name": "x", "url": "ftp://a.b"}, "http\\(s\\) URL"),
                         ({"url": "https://a.b"}, "'name' is required"),
                         ({"name": "x", "url": "https://a.b", "route": "/v1"}, "unknown field 'route'")):
        with pytest.raises(InvalidSetting, match=message):
            parse_value(BY_NAME["API_INFO"], [bad])
