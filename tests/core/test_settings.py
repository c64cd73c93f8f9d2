import re

import pytest

from voapi_desktop.core.settings import (
    BY_NAME, GROUPS, SETTINGS, InvalidSetting, Settings, UnknownSetting, docs_markdown,
    find_setting, format_value, parse_value,
)

# Env vars the seed (VoAPI) README documents; each must be a setting.
SEED_ENV_VARS = (
    "GLOBAL_RELAY_RATE_LIMIT_ENABLE", "GLOBAL_RELAY_RATE_LIMIT", "GLOBAL_RELAY_RATE_LIMIT_DURATION",
    "USER_DAILY_QUOTA_CLEAR", "USER_DAILY_QUOTA_CLEAR_UNIT", "USER_DAILY_SENSITIVE_MAX_BAN",
    "OFF_PRIVATE_KEY_HIDE", "OFF_SETTING_KEY_HIDE", "SQL_DSN", "REDIS_CONN_STRING",
    "SESSION_SECRET", "TZ",
)
BOOT_ONLY = ("HOST", "PORT", "DATA_DIR", "SQL_DSN", "REDIS_CONN_STRING", "SESSION_SECRET", "TZ",
             "INITIAL_ROOT_PASSWORD")


def load(env=None, options=None, overrides=None):
    return Settings.load(env or {}, options or {}, overrides or {})


# --- the table ---------------------------------------------------------------

@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_and_its_default_round_trips(setting):
    assert setting.help.strip() and setting.help.endswith(".")
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", setting.name)
    assert setting.group in GROUPS
    assert parse_value(setting, format_value(setting, setting.default)) == setting.default


def test_names_aliases_and_env_vars_are_unique_ignoring_case():
    # "Notice" and NOTICE are one setting's spellings; only clashes between settings count.
    spellings = [k for s in SETTINGS for k in {x.lower() for x in (s.name, s.env, s.alias) if x}]
    assert len(spellings) == len(set(spellings))
    assert len(BY_NAME) == len(SETTINGS)


@pytest.mark.parametrize("name", SEED_ENV_VARS)
def test_every_seed_env_var_is_a_setting(name):
    assert BY_NAME[name].env == name


@pytest.mark.parametrize("name", BOOT_ONLY)
def test_process_level_settings_are_boot_scoped(name):
    assert BY_NAME[name].scope == "boot"


def test_seed_and_new_api_defaults():
    defaults = {s.name: s.default for s in SETTINGS}
    assert defaults["PORT"] == 3000 and defaults["HOST"] == "127.0.0.1"
    assert defaults["GLOBAL_RELAY_RATE_LIMIT"] == 180 and defaults["GLOBAL_RELAY_RATE_LIMIT_ENABLE"] is False
    assert defaults["USER_DAILY_QUOTA_CLEAR_UNIT"] == "DAY"
    assert defaults["QUOTA_PER_UNIT"] == 500000
    assert "Permission denied" in defaults["AUTOMATIC_DISABLE_KEYWORDS"].splitlines()
    assert BY_NAME["SESSION_SECRET"].secret and BY_NAME["SQL_DSN"].secret


# --- lookup -------------------------------------------------------------------

@pytest.mark.parametrize("key", ["RETRY_TIMES", "retry_times", "RetryTimes", "retrytimes", "retry-times"])
def test_find_setting_accepts_name_alias_and_any_case(key):
    assert find_setting(key).name == "RETRY_TIMES"


def test_unknown_setting_suggests_near_matches():
    with pytest.raises(UnknownSetting) as info:
        find_setting("RETRY_TIME")
    assert isinstance(info.value, KeyError)
    assert str(info.value).startswith("unknown setting 'RETRY_TIME'; did you mean RETRY_TIMES")


def test_unknown_setting_without_near_match_says_so_plainly():
    with pytest.raises(UnknownSetting, match=r"^unknown setting 'zzzz'$"):
        find_setting("zzzz")


# --- parse_value / format_value --------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("On", True),
    ("false", False), ("0", False), ("No", False), (" off ", False), (True, True), (0, False),
])
def test_bool_spellings(raw, expected):
    assert parse_value(BY_NAME["DEBUG"], raw) is expected


def test_bool_rejects_other_words():
    with pytest.raises(InvalidSetting, match=r"^DEBUG must be true or false, got 'maybe'$"):
        parse_value(BY_NAME["DEBUG"], "maybe")


@pytest.mark.parametrize("raw", ["abc", "1.5", "1e3", "", 1.5, True])
def test_int_rejects_non_integers(raw):
    with pytest.raises(InvalidSetting, match=r"^RETRY_TIMES must be an integer >= 0, got "):
        parse_value(BY_NAME["RETRY_TIMES"], raw)


def test_int_message_matches_the_brief_exactly():
    with pytest.raises(InvalidSetting) as info:
        parse_value(BY_NAME["RETRY_TIMES"], "abc")
    assert str(info.value) == "RETRY_TIMES must be an integer >= 0, got 'abc'"


def test_int_range_is_enforced():
    port = BY_NAME["PORT"]
    assert parse_value(port, " 8080 ") == 8080
    assert parse_value(port, 0) == 0
    with pytest.raises(InvalidSetting, match="PORT must be an integer between 0 and 65535, got '70000'"):
        parse_value(port, "70000")


def test_float_parses_and_rejects_non_finite():
    rate = BY_NAME["USD_EXCHANGE_RATE"]
    assert parse_value(rate, "7.1") == 7.1
    assert parse_value(rate, 7) == 7.0
    for bad in ("nan", "inf", "0", "x"):
        with pytest.raises(InvalidSetting, match="USD_EXCHANGE_RATE must be a number >= 0.0001"):
            parse_value(rate, bad)


def test_choice_is_case_insensitive_and_canonical():
    unit = BY_NAME["USER_DAILY_QUOTA_CLEAR_UNIT"]
    assert parse_value(unit, "week") == "WEEK"
    with pytest.raises(InvalidSetting, match="must be one of DAY, WEEK, MONTH, got 'year'"):
        parse_value(unit, "year")


def test_json_parses_and_reports_the_syntax_error():
    info = BY_NAME["MODEL_INFO"]
    assert parse_value(info, '{"gpt-4o": {"tags": ["chat"]}}') == {"gpt-4o": {"tags": ["chat"]}}
    with pytest.raises(InvalidSetting, match=r"MODEL_INFO must be valid JSON \(Expecting"):
        parse_value(info, "{nope")


def test_json_typed_value_is_copied_not_shared():
    original = {"a": {"tags": ["x"]}}
    parsed = parse_value(BY_NAME["MODEL_INFO"], original)
    parsed["a"]["tags"].append("y")
    assert original == {"a": {"tags": ["x"]}}


def test_list_splits_on_commas_and_newlines_and_drops_empties():
    proxies = BY_NAME["TRUSTED_PROXIES"]
    assert parse_value(proxies, " 10.0.0.1, ,\n192.168.0.0/16\n") == ("10.0.0.1", "192.168.0.0/16")
    assert parse_value(proxies, ["a ", ""]) == ("a",)
    assert format_value(proxies, ("a", "b")) == "a,b"


def test_format_value_writes_options_table_text():
    assert format_value(BY_NAME["DEBUG"], True) == "true"
    assert format_value(BY_NAME["CHAT_LINKS"], [{"name": "x", "url": "https://u.example"}]) == \
        '[{"name":"x","url":"https://u.example"}]'
    assert format_value(BY_NAME["RETRY_TIMES"], "3") == "3"
    with pytest.raises(InvalidSetting):
        format_value(BY_NAME["RETRY_TIMES"], -1)


def test_invalid_secret_is_not_echoed():
    with pytest.raises(InvalidSetting) as info:
        parse_value(BY_NAME["SMTP_TOKEN"], 12345)
    assert "12345" not in str(info.value)


# --- Settings -------------------------------------------------------------------

def test_defaults_when_nothing_is_set():
    settings = load()
    assert settings["PORT"] == 3000
    assert settings["STREAMING_TIMEOUT"] == 300
    assert settings.source("PORT") == "default"


def test_precedence_override_then_option_then_env_then_default():
    env = {"RETRY_TIMES": "1", "STREAMING_TIMEOUT": "100", "CONNECT_TIMEOUT": "5"}
    settings = load(env, {"RETRY_TIMES": "2", "STREAMING_TIMEOUT": "200"}, {"RETRY_TIMES": 3})
    assert settings["RETRY_TIMES"] == 3 and settings.source("RETRY_TIMES") == "override"
    assert settings["STREAMING_TIMEOUT"] == 200 and settings.source("STREAMING_TIMEOUT") == "option"
    assert settings["CONNECT_TIMEOUT"] == 5 and settings.source("CONNECT_TIMEOUT") == "env"


def test_options_cannot_change_boot_settings_and_foreign_keys_are_ignored():
    settings = load({"PORT": "4000"}, {"PORT": "5000", "ModelRatio": "{}", "SQL_DSN": "x"})
    assert settings["PORT"] == 4000
    assert settings["SQL_DSN"] == ""


def test_new_api_option_keys_apply_but_our_name_wins():
    settings = load(options={"RETRY_TIMES": "4", "RetryTimes": "9", "SystemName": "Mine"})
    assert settings["RETRY_TIMES"] == 4
    assert settings["SYSTEM_NAME"] == "Mine"


def test_empty_env_var_means_unset():
    assert load({"PORT": "", "SYSTEM_NAME": ""})["PORT"] == 3000


def test_bad_values_name_their_source():
    with pytest.raises(InvalidSetting, match=r"^env var PORT: PORT must be an integer"):
        load({"PORT": "http"})
    with pytest.raises(InvalidSetting, match=r"^option RetryTimes: RETRY_TIMES must be"):
        load(options={"RetryTimes": "x"})
    with pytest.raises(InvalidSetting, match=r"^override port: PORT must be"):
        load(overrides={"port": -1})
    with pytest.raises(UnknownSetting):
        load(overrides={"PROT": 1})


def test_a_stored_option_failing_its_check_is_ignored_with_a_warning_naming_it(caplog):
    options = {"THEME_COLOR": "red;} body{display:none", "MODEL_INFO": '{"gpt-4": {"colour": "red"}}',
               "VendorInfo": "[]", "RETRY_TIMES": "2"}
    settings = load({"THEME_COLOR": "#0a7f5c"}, options)
    assert settings["THEME_COLOR"] == "#0a7f5c" and settings.source("THEME_COLOR") == "env"
    assert settings["MODEL_INFO"] == {} and settings.source("MODEL_INFO") == "default"
    assert settings["RETRY_TIMES"] == 2 and settings.ignored("RETRY_TIMES") is None
    assert "unknown field(s) colour" in settings.ignored("MODEL_INFO")
    for name in ("THEME_COLOR", "MODEL_INFO"):
        assert f"stored option {name} ignored" in caplog.text
    load(options=options)
    assert caplog.text.count("stored option MODEL_INFO ignored") == 1, "one warning per problem, not per reload"


def test_the_pricing_descriptions_are_checked_like_every_json_setting():
    assert BY_NAME["MODEL_INFO"].check is not None and BY_NAME["VENDOR_INFO"].check is not None
    with pytest.raises(InvalidSetting, match=r"VENDOR_INFO: openai has unknown field\(s\) logo"):
        parse_value(BY_NAME["VENDOR_INFO"], '{"openai": {"logo": "/x.png"}}')
    with pytest.raises(InvalidSetting, match="^env var MODEL_INFO: "):
        load({"MODEL_INFO": "[1]"})


def test_with_options_returns_a_new_instance_keeping_env_and_overrides():
    first = load({"RELAY_TIMEOUT": "30"}, {"RETRY_TIMES": "1"}, {"CONNECT_TIMEOUT": 3})
    second = first.with_options({"RETRY_TIMES": "2", "CONNECT_TIMEOUT": "9"})
    assert first["RETRY_TIMES"] == 1 and second["RETRY_TIMES"] == 2
    assert second["RELAY_TIMEOUT"] == 30 and second["CONNECT_TIMEOUT"] == 3
    assert first.with_options({})["RETRY_TIMES"] == 0


def test_getitem_accepts_aliases_and_rejects_unknown_names():
    settings = load()
    assert settings["RetryTimes"] == 0
    with pytest.raises(UnknownSetting):
        settings["NOPE"]


def test_display_masks_secrets_unless_revealed():
    env = {"SESSION_SECRET": "sk-1234567890abcdef", "SMTP_TOKEN": "short",
           "SQL_DSN": "root:hunter2@tcp(db:3306)/voapi"}
    settings = load(env)
    assert settings.display("SESSION_SECRET") == "sk-1234****cdef"
    assert settings.display("SMTP_TOKEN") == "********"
    assert settings.display("SQL_DSN") == "root:***@tcp(db:3306)/voapi"
    assert settings.display("EPAY_KEY") == ""
    assert settings.display("SESSION_SECRET", reveal=True) == "sk-1234567890abcdef"
    assert settings.display("PORT") == "3000"


def test_off_setting_key_hide_shows_secrets():
    settings = load({"OFF_SETTING_KEY_HIDE": "true", "SMTP_TOKEN": "short"})
    assert settings.display("SMTP_TOKEN") == "short"


def test_repr_never_contains_secret_values():
    settings = load({"SESSION_SECRET": "topsecretvalue"})
    assert "topsecretvalue" not in repr(settings)
    assert "SESSION_SECRET" in repr(settings)


def test_docs_markdown_lists_every_setting_once():
    docs = docs_markdown()
    for setting in SETTINGS:
        assert docs.count(f"| `{setting.name}` |") == 1
    assert "| `PORT` | integer between 0 and 65535 | `3000` |" in docs
    assert "new-api option `RetryTimes`" in docs
    assert len(docs.splitlines()) == len(SETTINGS) + 2
