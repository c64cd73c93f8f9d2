"""Saving several settings at once: every value is checked before any is stored."""

from __future__ import annotations

import pytest

from voapi_desktop.store.options import InvalidOption, load_options, set_options


def test_a_batch_is_stored_whole(store):
    assert set_options({"RETRY_TIMES": "2", "retrytimes": "3", "COUNT_TOKEN": "off"}) == {
        "RETRY_TIMES": 3, "COUNT_TOKEN": False}
    assert load_options() == {"RETRY_TIMES": "3", "COUNT_TOKEN": "false"}


@pytest.mark.parametrize("bad, name, reason", [
    ({"SMTP_PORT": "0"}, "SMTP_PORT", "between 1 and 65535"),
    ({"GROUP_RATIO": "{oops"}, "GROUP_RATIO", "valid JSON"),
    ({"MODEL_INFO": '{"gpt-4": {"colour": "red"}}'}, "MODEL_INFO", r"gpt-4 has unknown field\(s\) colour"),
    ({"THEME_COLOR": "red;}"}, "THEME_COLOR", "a CSS colour such as #1664ff"),
    ({"PORT": "4000"}, "PORT", "read at start-up"),
    ({"NO_SUCH_THING": "1"}, "NO_SUCH_THING", "unknown setting"),
])
def test_one_bad_value_refuses_the_whole_batch_and_names_the_setting(store, bad, name, reason):
    with pytest.raises(InvalidOption, match=reason) as refused:
        set_options({"RETRY_TIMES": "2", **bad})
    assert refused.value.name == name and load_options() == {}
