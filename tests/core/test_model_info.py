"""MODEL_INFO / VENDOR_INFO shapes: the seed's documented examples pass, anything else names what is wrong."""

from __future__ import annotations

import pytest

from voapi_desktop.core.model_info import check_model_info, check_vendor_info

MODEL_INFO = {"gpt-3.5-turbo": {"note": "这是OpenAI的模型，介绍可以自定义 **支持markdown**",
                                "icon": "/index/platforms/voapi-p-3.png", "tags": "对话|低价|OpenAI",
                                "group": "openai"}}
VENDOR_INFO = {"openai": {"name": "OpenAI", "icon": "/index/ai/voapi-1.ico", "desc": "OpenAI介绍 **支持markdown**",
                          "notice": "OpenAI当前状态正常，你可以 [点此查看](https://status.openai.com)"}}


def test_the_documented_examples_and_partial_entries_pass():
    assert check_model_info(MODEL_INFO) == MODEL_INFO
    assert check_vendor_info(VENDOR_INFO) == VENDOR_INFO
    assert check_model_info({"m": {"tags": ["chat", "cheap"]}, "n": {}}) == {"m": {"tags": ["chat", "cheap"]}, "n": {}}
    assert check_vendor_info({}) == {}


@pytest.mark.parametrize("check, data, message", [
    (check_model_info, [], "MODEL_INFO must be a JSON object of model name -> {note, icon, tags, group}"),
    (check_model_info, {" ": {}}, "a model name must not be empty"),
    (check_model_info, {"m": "note"}, "the entry of m must be an object"),
    (check_model_info, {"m": {"name": "x"}}, "m has unknown field(s) name; allowed: note, icon, tags, group"),
    (check_model_info, {"m": {"tags": [1]}}, "m.tags must be text or a list of texts, got [1]"),
    (check_model_info, {"m": {"note": None}}, "m.note must be text, got None"),
    (check_vendor_info, {"v": {"tags": "x"}}, "v has unknown field(s) tags; allowed: name, icon, desc, notice"),
    (check_vendor_info, {"v": {"notice": ["x"]}}, "v.notice must be text"),
])
def test_a_wrong_shape_names_the_entry_and_field(check, data, message):
    with pytest.raises(ValueError) as caught:
        check(data)
    assert message in str(caught.value)
