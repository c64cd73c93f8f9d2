"""The home page template's shape check: the seed's fields, safe links, images and colours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voapi_desktop.core.home_template import (
    FIELDS, TemplateError, check_home_template, choose_template, is_color, is_image, is_link, parse_home_template,
)
from voapi_desktop.core.settings import BY_NAME, InvalidSetting, Settings, parse_value

RESOURCES = Path(__file__).resolve().parents[2] / "voapi_desktop" / "resources" / "portal"


def test_the_fields_are_exactly_the_seeds():
    assert set(FIELDS) == {"name", "desc", "bgImg", "notes", "hideAiModels", "aiTitle", "aiModels", "hidePlatforms",
                           "platformsTitle", "platforms", "stepsImg", "steps", "qas", "hideAdvantages",
                           "advantageImg", "advantages"}


@pytest.mark.parametrize("name", ["home_default.json", "home_default.zh_CN.json"])
def test_the_shipped_defaults_pass_and_fill_every_section(name):
    home = parse_home_template(json.loads((RESOURCES / name).read_text("utf-8")))
    assert home["name"] and home["notes"] and home["aiModels"] and home["platforms"]
    assert home["steps"] and home["qas"] and home["advantages"]
    assert not (home["hideAiModels"] or home["hidePlatforms"] or home["hideAdvantages"])


def test_missing_fields_are_filled_in_and_text_is_trimmed():
    home = parse_home_template({"name": "  Mine ", "aiModels": [{"name": "GPT"}], "notes": ["a", " ", "b"]})
    assert home["name"] == "Mine" and home["desc"] == "" and home["hidePlatforms"] is False
    assert home["aiModels"] == [{"name": "GPT", "link": "", "img": ""}]
    assert home["notes"] == ["a", "b"] and home["qas"] == []


@pytest.mark.parametrize("template, message", [
    ([], "must be a JSON object"),
    ({"title": "x"}, "unknown field 'title'"),
    ({"name": 3}, "'name' must be text"),
    ({"hideAiModels": "yes"}, "'hideAiModels' must be true or false"),
    ({"notes": "one line"}, "notes must be a list"),
    ({"aiModels": {"name": "x"}}, "aiModels must be a list"),
    ({"steps": ["x"]}, "steps entry 1 must be an object"),
    ({"qas": [{"q": "?", "answer": "!"}]}, "qas entry 1: unknown field 'answer'"),
    ({"aiModels": [{"name": "x", "link": "javascript:alert(1)"}]}, "aiModels entry 1: 'link' must be an http(s) URL"),
    ({"platforms": [{"name": "x", "link": "//evil.example/"}]}, "'link' must be an http(s) URL"),
    ({"platforms": [{"name": "x", "img": "data:image/svg+xml;base64,PHN2Zz4="}]}, "'img' must be an image URL"),
    ({"bgImg": "javascript:alert(1)"}, "'bgImg' must be an image URL"),
    ({"stepsImg": "/a b.png"}, "'stepsImg' must be an image URL"),
    ({"advantages": [{"content": "x", "color": "red;background:url(x)"}]}, "'color' must be a CSS colour"),
    ({"advantages": [{"content": "x", "icon": "x\" onclick=\"y"}]}, "'icon' must be icon class names"),
    ({"aiModels": [{"name": "x"}] * 61}, "at most 60"),
])
def test_a_wrong_shape_is_refused_with_the_field_named(template, message):
    with pytest.raises(TemplateError) as info:
        parse_home_template(template)
    assert message in str(info.value)


def test_links_images_and_colours():
    assert is_link("https://example.org/x?y=1") and is_link("/pricing") and is_link("HTTP://A.B")
    for bad in ("javascript:alert(1)", "data:text/html,x", "//host/x", "/\\host", "ftp://x", "pricing", "/a\"b"):
        assert not is_link(bad), bad
    assert is_image("data:image/png;base64,iVBORw0KGgo=") and is_image("/console/static/home/hero.svg")
    assert not is_image("data:image/svg+xml;base64,PHN2Zz4=") and not is_image("data:text/html;base64,PHA+")
    for good in ("#1664ff", "#fff", "#11223344", "rgb(22, 100, 255)", "rgba(0,0,0,.5)", "hsl(210 50% 40%)", "teal"):
        assert is_color(good), good
    for bad in ("#12", "red;x", "url(x)", "expression(alert(1))", "rgb(1,2,3);"):
        assert not is_color(bad), bad


def test_choose_template_falls_back_and_says_why():
    default = {"name": "built-in"}
    assert choose_template({}, default) == (default, None)
    assert choose_template({"name": "Mine"}, default)[0]["name"] == "Mine"
    home, problem = choose_template({"bgImg": "javascript:x"}, default)
    assert home is default and "'bgImg' must be an image URL" in problem


def test_the_setting_refuses_a_bad_template_and_a_stored_one_is_ignored_not_a_failed_start():
    check_home_template({"name": "ok"})
    with pytest.raises(InvalidSetting, match="unknown field 'title'"):
        parse_value(BY_NAME["HOME_PAGE_TEMPLATE"], '{"title": "x"}')
    settings = Settings.load({}, {"HOME_PAGE_TEMPLATE": '{"title": "x"}'}, {})
    assert settings["HOME_PAGE_TEMPLATE"] == {}, "the default applies"
    assert "unknown field 'title'" in settings.ignored("HOME_PAGE_TEMPLATE")
    with pytest.raises(InvalidSetting):
        Settings.load({}, {"RETRY_TIMES": "x"}, {})  # a value of the wrong type still stops a start, as before
