"""The one declarative settings table, and typed settings read from it.

Each setting comes from, highest first: an override (command-line flag), the
options table (runtime settings only), its environment variable, its default.
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import re
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Callable, Mapping

from .api_lines import check_api_lines
from .chat_links import check_chat_links
from .dsn import redact_dsn
from .epay import check_pay_methods
from .groups import check_usable_groups
from .home_template import check_home_template
from .keys import mask_key
from .model_info import check_model_info, check_vendor_info
from .monitor import check_monitor_items
from .site_settings import check_footer_script, check_header_style, check_menu, check_theme_color

TYPES = ("bool", "int", "float", "str", "json", "choice", "list")
SCOPES = ("boot", "runtime")
GROUPS = ("general", "database", "relay", "channels", "billing", "accounts", "limits",
          "security", "logs", "portal", "mail", "oauth", "payment")
_EMPTY: Mapping[str, object] = MappingProxyType({})
log = logging.getLogger(__name__)


class UnknownSetting(KeyError):
    """No setting has this name, alias or env var."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0])


class InvalidSetting(ValueError):
    """A value does not fit its setting's type, range or choices."""


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    type: str
    default: object
    help: str
    env: str | None = None  # None means "same as name"
    scope: str = "runtime"  # "boot": read before the database is open, so never from options
    choices: tuple[str, ...] = ()
    secret: bool = False
    minimum: float | None = None
    maximum: float | None = None
    alias: str | None = None  # the new-api option key, for API compatibility
    group: str = "general"
    check: Callable[[object], None] | None = None  # raises ValueError when a parsed value has the wrong shape

    def __post_init__(self) -> None:
        if self.env is None:
            object.__setattr__(self, "env", self.name)
        if self.type not in TYPES or self.scope not in SCOPES or self.group not in GROUPS:
            raise ValueError(f"setting {self.name}: bad type, scope or group")
        if (self.type == "choice") != bool(self.choices):
            raise ValueError(f"setting {self.name}: choices go with type 'choice' only")


_KEYWORDS = "\n".join((
    "Your credit balance is too low", "This organization has been disabled.",
    "You exceeded your current quota", "Permission denied",
    "The security token included in the request is invalid", "Operation not allowed",
    "Your account is not authorized",
))


def _group(group: str, *rows: Setting) -> tuple[Setting, ...]:
    return tuple(replace(row, group=group) for row in rows)


S = Setting
_BOOT = "boot"
SETTINGS: tuple[Setting, ...] = (
    *_group(
        "general",
        S("HOST", "str", "127.0.0.1", "Address to listen on; 0.0.0.0 accepts connections from other machines.", scope=_BOOT),
        S("PORT", "int", 3000, "TCP port to listen on; 0 picks a free port.", scope=_BOOT, minimum=0, maximum=65535),
        S("DATA_DIR", "str", "", "Directory for the database, secrets and logs; empty means the platform's per-user data directory.", scope=_BOOT),
        S("TZ", "str", "", "Time zone (such as Asia/Shanghai) for daily statistics and resets; empty means the system's local zone.", scope=_BOOT),
        S("SESSION_SECRET", "str", "", "Secret that signs login cookies; generated once and saved in the data directory when empty.", scope=_BOOT, secret=True),
        S("CRYPTO_SECRET", "str", "", "Secret that encrypts data shared through Redis; empty means SESSION_SECRET is used.", scope=_BOOT, secret=True),
        S("NODE_TYPE", "choice", "master", "Role of this instance; a slave serves requests but runs no background jobs.", scope=_BOOT, choices=("master", "slave")),
        S("NODE_NAME", "str", "", "Name of this instance, shown in logs when several instances share one database.", scope=_BOOT),
        S("UPDATE_CHECK_URL", "str", "", "JSON releases feed (a GitHub releases list, or {\"version\", \"url\"}) the console's About pane checks for a newer version; empty turns the check off."),
    ),
    *_group(
        "database",
        S("SQL_DSN", "str", "", "MySQL or PostgreSQL connection string; empty means SQLite in the data directory.", scope=_BOOT, secret=True),
        S("LOG_SQL_DSN", "str", "", "Separate database for usage logs; empty means the main database.", scope=_BOOT, secret=True),
        S("SQLITE_BUSY_TIMEOUT", "int", 30000, "Milliseconds SQLite waits for a locked database before failing.", scope=_BOOT, minimum=0),
        S("REDIS_CONN_STRING", "str", "", "Redis URL for rate limits and caches shared between instances; empty means in-process only.", scope=_BOOT, secret=True),
        S("MEMORY_CACHE_ENABLED", "bool", False, "Cache channels, users and keys in memory (always on when Redis is set).", scope=_BOOT),
        S("SYNC_FREQUENCY", "int", 60, "Seconds between reloads of options and channels from the database.", scope=_BOOT, minimum=1),
        S("BATCH_UPDATE_ENABLED", "bool", False, "Collect quota and usage writes in memory and flush them in batches.", scope=_BOOT),
        S("BATCH_UPDATE_INTERVAL", "int", 5, "Seconds between flushes of batched quota writes.", scope=_BOOT, minimum=1),
    ),
    *_group(
        "relay",
        S("RELAY_TIMEOUT", "int", 0, "Maximum seconds for a whole upstream request; 0 means no total limit.", minimum=0),
        S("STREAMING_TIMEOUT", "int", 300, "Seconds a stream may stay silent between chunks before it is cut.", minimum=1),
        S("FIRST_BYTE_TIMEOUT", "int", 60, "Seconds to wait for an upstream's first byte before giving up on it; 0 waits forever.", minimum=0),
        S("CONNECT_TIMEOUT", "int", 10, "Seconds allowed to open a connection to an upstream.", minimum=1),
        S("RETRY_TIMES", "int", 0, "How many other channels to try after a retryable upstream failure.", minimum=0, alias="RetryTimes"),
        S("EMPTY_REPLY_RETRY_TIMES", "int", 1, "How many other channels to try when a chat answer comes back empty (no text, no tool calls); empty answers are never billed.", minimum=0),
        S("MAX_REQUEST_BODY_MB", "int", 32, "Largest accepted request body in megabytes; larger requests get HTTP 413.", minimum=1),
        S("FORCE_STREAM_OPTION", "bool", True, "Ask upstreams to report usage in streams so streamed requests are billed exactly."),
        S("COUNT_TOKEN", "bool", True, "Count tokens locally when an upstream reports no usage.", alias="CountToken"),
        S("AZURE_DEFAULT_API_VERSION", "str", "2025-04-01-preview", "API version for Azure OpenAI channels that do not set one."),
    ),
    *_group(
        "channels",
        S("CHANNEL_TEST_FREQUENCY", "int", 0, "Minutes between automatic tests of all channels; 0 turns them off.", minimum=0),
        S("CHANNEL_UPDATE_FREQUENCY", "int", 0, "Minutes between automatic balance refreshes of all channels; 0 turns them off.", minimum=0),
        S("POLLING_INTERVAL", "int", 0, "Seconds to pause between channels during automatic tests and balance refreshes.", minimum=0),
        S("AUTOMATIC_DISABLE_CHANNEL_ENABLED", "bool", True, "Disable a channel when its upstream answers with a fatal error such as an invalid key.", alias="AutomaticDisableChannelEnabled"),
        S("AUTOMATIC_ENABLE_CHANNEL_ENABLED", "bool", True, "Re-enable an automatically disabled channel once a test succeeds.", alias="AutomaticEnableChannelEnabled"),
        S("AUTOMATIC_DISABLE_KEYWORDS", "str", _KEYWORDS, "Upstream error phrases, one per line, that disable a channel automatically.", alias="AutomaticDisableKeywords"),
        S("CHANNEL_DISABLE_THRESHOLD", "float", 5.0, "Seconds a channel test may take before the channel is disabled as too slow.", minimum=0, alias="ChannelDisableThreshold"),
        S("CHANNEL_COOLDOWN_FAILURES", "int", 3, "Transient failures in a row (no answer in time, refused or reset connection, 5xx, a 200 that is not JSON) after which a channel is passed over for a while.", minimum=1),
        S("CHANNEL_COOLDOWN_SECONDS", "int", 5, "Seconds a failing channel is passed over (doubling while it keeps failing, one request probes it after each cooldown); 0 turns cooldowns off.", minimum=0),
        S("CHANNEL_COOLDOWN_MAX_SECONDS", "int", 300, "Longest cooldown, also for an upstream's Retry-After.", minimum=1),
    ),
    *_group(
        "billing",
        S("QUOTA_PER_UNIT", "int", 500000, "Quota units that make one US dollar.", minimum=1, alias="QuotaPerUnit"),
        S("DISPLAY_IN_CURRENCY", "bool", True, "Show balances as money rather than raw quota units.", alias="DisplayInCurrencyEnabled"),
        S("QUOTA_DISPLAY_TYPE", "choice", "USD", "Unit in which balances and prices are shown.", choices=("USD", "CNY", "TOKENS")),
        S("USD_EXCHANGE_RATE", "float", 7.3, "Yuan per US dollar, used when amounts are shown in CNY.", minimum=0.0001, alias="USDExchangeRate"),
        S("PRE_CONSUMED_QUOTA", "int", 500, "Quota reserved for a request whose cost cannot be estimated up front.", minimum=0, alias="PreConsumedQuota"),
        S("SELF_USE_MODE_ENABLED", "bool", False, "Serve models that have no price instead of rejecting them.", alias="SelfUseModeEnabled"),
        S("SELF_USE_FALLBACK_RATIO", "float", 37.5, "Model ratio charged in self-use mode for models that have no price.", minimum=0),
        S("GROUP_RATIO", "json", {"default": 1, "vip": 1, "svip": 1}, "Price multiplier per user group, as JSON such as {\"default\": 1, \"vip\": 0.8}.", alias="GroupRatio"),
        S("USER_USABLE_GROUPS", "json", {"default": "Default group", "vip": "VIP group"}, "Groups, besides their own, whose price any user's API key may use, as JSON {group: description}; a key whose group is neither is refused (HTTP 403).", alias="UserUsableGroups", check=check_usable_groups),
        S("USER_DAILY_QUOTA_CLEAR", "bool", False, "Reset every user's balance to zero at the start of each period."),
        S("USER_DAILY_QUOTA_CLEAR_UNIT", "choice", "DAY", "Period after which balances are reset when USER_DAILY_QUOTA_CLEAR is on.", choices=("DAY", "WEEK", "MONTH")),
    ),
    *_group(
        "accounts",
        S("REGISTER_ENABLED", "bool", True, "Let new users sign up through the web portal.", alias="RegisterEnabled"),
        S("PASSWORD_LOGIN_ENABLED", "bool", True, "Let users sign in with a user name and password.", alias="PasswordLoginEnabled"),
        S("EMAIL_VERIFICATION_ENABLED", "bool", False, "Require a verified email address to sign up.", alias="EmailVerificationEnabled"),
        S("GENERATE_DEFAULT_TOKEN", "bool", False, "Create an API key automatically for every new user."),
        S("QUOTA_FOR_NEW_USER", "int", 0, "Quota given to every new user.", minimum=0, alias="QuotaForNewUser"),
        S("QUOTA_FOR_INVITER", "int", 0, "Quota given to a user whose invitation code brings in a new user.", minimum=0, alias="QuotaForInviter"),
        S("QUOTA_FOR_INVITEE", "int", 0, "Extra quota given to a new user who signs up with an invitation code.", minimum=0, alias="QuotaForInvitee"),
        S("CHECKIN_ENABLED", "bool", False, "Let users claim a random amount of quota once a day."),
        S("CHECKIN_MIN_QUOTA", "int", 1000, "Smallest quota a daily check-in gives.", minimum=0),
        S("CHECKIN_MAX_QUOTA", "int", 10000, "Largest quota a daily check-in gives.", minimum=0),
    ),
    *_group(
        "limits",
        S("GLOBAL_API_RATE_LIMIT_ENABLE", "bool", True, "Limit requests per client address to the management API (/api)."),
        S("GLOBAL_API_RATE_LIMIT", "int", 180, "Management API requests allowed per address in each window.", minimum=1),
        S("GLOBAL_API_RATE_LIMIT_DURATION", "int", 180, "Length in seconds of the management API rate-limit window.", minimum=1),
        S("GLOBAL_WEB_RATE_LIMIT_ENABLE", "bool", True, "Limit requests per client address to the web portal pages."),
        S("GLOBAL_WEB_RATE_LIMIT", "int", 60, "Web portal requests allowed per address in each window.", minimum=1),
        S("GLOBAL_WEB_RATE_LIMIT_DURATION", "int", 180, "Length in seconds of the web portal rate-limit window.", minimum=1),
        S("CRITICAL_RATE_LIMIT_ENABLE", "bool", True, "Limit sign-in, sign-up, password reset and top-up attempts per address."),
        S("CRITICAL_RATE_LIMIT", "int", 20, "Sensitive requests allowed per address in each window.", minimum=1),
        S("CRITICAL_RATE_LIMIT_DURATION", "int", 1200, "Length in seconds of the sensitive-request rate-limit window.", minimum=1),
        S("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "bool", False, "Limit relay API calls (/v1 and friends) per client address."),
        S("GLOBAL_RELAY_RATE_LIMIT", "int", 180, "Relay API calls allowed per address in each window.", minimum=1),
        S("GLOBAL_RELAY_RATE_LIMIT_DURATION", "int", 180, "Length in seconds of the relay rate-limit window.", minimum=1),
        S("USER_RPM", "int", 0, "Requests per minute each user may send to the relay; 0 means no limit.", minimum=0),
        S("USER_TPM", "int", 0, "Tokens per minute each user may use through the relay; 0 means no limit.", minimum=0),
        S("TOKEN_RPM", "int", 0, "Requests per minute each API key may send; 0 means no limit.", minimum=0),
        S("TOKEN_TPM", "int", 0, "Tokens per minute each API key may use; 0 means no limit.", minimum=0),
        S("GROUP_RATE_LIMITS", "json", {}, "Per-group overrides of the four limits above, as JSON such as {\"vip\": {\"USER_RPM\": 600}}."),
        S("MODEL_REQUEST_RATE_LIMIT_ENABLED", "bool", False, "Limit how many requests each user may send per model in a window.", alias="ModelRequestRateLimitEnabled"),
        S("MODEL_REQUEST_RATE_LIMIT_DURATION_MINUTES", "int", 1, "Window in minutes of the per-model request limit.", minimum=1, alias="ModelRequestRateLimitDurationMinutes"),
        S("MODEL_REQUEST_RATE_LIMIT_COUNT", "int", 0, "Requests each user may send per model in the window; 0 means no limit.", minimum=0, alias="ModelRequestRateLimitCount"),
        S("MODEL_RATE_LIMITS", "json", {}, "Per-model overrides of that count, as JSON such as {\"gpt-4o\": 20}."),
    ),
    *_group(
        "security",
        S("INITIAL_ROOT_PASSWORD", "str", "", "Password of the root account created on first start; empty means a random one, shown once.", scope=_BOOT, secret=True),
        S("CHECK_SENSITIVE_ENABLED", "bool", True, "Reject requests that contain a sensitive word.", alias="CheckSensitiveEnabled"),
        S("CHECK_SENSITIVE_ON_PROMPT_ENABLED", "bool", True, "Check prompts (not only other request text) for sensitive words.", alias="CheckSensitiveOnPromptEnabled"),
        S("SENSITIVE_WORDS", "str", "", "Sensitive words, one per line.", alias="SensitiveWords"),
        S("USER_DAILY_SENSITIVE_MAX_BAN", "int", 0, "Disable a user after this many sensitive-word hits in one day; 0 never does.", minimum=0),
        S("STOP_ON_SENSITIVE_ENABLED", "bool", True, "Refuse a request whose prompt contains a sensitive word (off: only record the hit).", alias="StopOnSensitiveEnabled"),
        S("LOG_CLIENT_IP", "bool", True, "Record the client's IP address on usage log rows."),
        S("OFF_PRIVATE_KEY_HIDE", "bool", False, "Show channel keys in full in lists instead of masking them.", scope=_BOOT),
        S("OFF_SETTING_KEY_HIDE", "bool", False, "Show secret settings in full in lists instead of masking them.", scope=_BOOT),
        S("TRUSTED_PROXIES", "list", (), "Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For header is believed."),
        S("OUTBOUND_ALLOWED_NETWORKS", "list", (), "Private addresses or CIDR ranges the gateway may still fetch user-named URLs from (such as an intranet image server); cloud metadata addresses stay refused."),
    ),
    *_group(
        "logs",
        S("ERROR_LOG_ENABLED", "bool", False, "Record failed relay requests in the usage log."),
        S("LOG_CONSUME_ENABLED", "bool", True, "Record every billed request in the usage log.", alias="LogConsumeEnabled"),
        S("LOG_RETENTION_DAYS", "int", 0, "Delete usage logs older than this many days; 0 keeps them forever.", minimum=0),
        S("DEBUG", "bool", False, "Log debug details such as upstream timings.", scope=_BOOT),
    ),
    *_group(
        "portal",
        S("SYSTEM_NAME", "str", "VoAPI Desktop", "Name shown in the portal title, emails and the console.", alias="SystemName"),
        S("SERVER_ADDRESS", "str", "", "Public base URL of this gateway, used in emails, OAuth callbacks and payment notices.", alias="ServerAddress"),
        S("NOTICE", "str", "", "Announcement shown to users in the portal (Markdown).", alias="Notice"),
        S("WALLET_NOTICE", "str", "", "Announcement shown on the portal's wallet page (Markdown, sanitized)."),
        S("FOOTER", "str", "", "Footer text shown on every portal page (Markdown).", alias="Footer"),
        S("HOME_PAGE_TEMPLATE", "json", {}, "The portal home page as the seed's JSON template: name, desc, bgImg, notes, hideAiModels, aiTitle, aiModels [{name, link, img}], hidePlatforms, platformsTitle, platforms, stepsImg, steps [{name, desc}], qas [{q, a}], hideAdvantages, advantageImg, advantages [{content, extra, icon, color}]; links and images http(s) or /paths; {} shows the built-in page.",
          check=check_home_template),
        S("DOCS_EXTRA", "str", "", "Extra text at the end of the portal's /docs page (Markdown, sanitized)."),
        S("MODEL_INFO", "json", {}, "Per-model icon, description, tags and vendor for the pricing page, as JSON.",
          check=check_model_info),
        S("VENDOR_INFO", "json", {}, "Per-vendor name, icon and notice for the pricing page, as JSON.",
          check=check_vendor_info),
        S("THEME_COLOR", "str", "", "Main colour of the portal: #rgb, #rrggbb, rgb(...) or hsl(...) (such as #1664ff); empty means the built-in theme.",
          check=check_theme_color),
        S("SEO_TITLE", "str", "", "Page title given to search engines."),
        S("SEO_DESCRIPTION", "str", "", "Page description given to search engines."),
        S("SEO_KEYWORDS", "str", "", "Comma-separated keywords given to search engines."),
        S("PORTAL_TOP_MENU", "json", [], "Extra entries of the portal's top menu, as a JSON list of {name, url, icon}; url is an http(s) link or a path such as /pricing.",
          check=check_menu),
        S("PORTAL_SIDEBAR_MENU", "json", [], "Extra entries of the portal's sidebar, as a JSON list of {name, url, icon}.", check=check_menu),
        S("HEADER_STYLE", "str", "", "Root only: CSS rules (no <style> tags) added to the head of every portal page; operator code, not sanitized.",
          check=check_header_style),
        S("FOOTER_SCRIPT", "str", "", "Root only: JavaScript (no <script> tags) run at the end of every portal page, such as analytics; operator code, not sanitized.",
          check=check_footer_script),
        S("CHAT_LINKS", "json", [], "Chat applications offered on the portal's /chat page, as a JSON list of {name, url, icon}; the url may hold {key}, {address} and {model}, filled with the user's key, this gateway's address and a model.", check=check_chat_links),
        S("API_INFO", "json", [], "API lines listed on the portal's /lines page with a latency test, as a JSON list of {name, url, description}.", check=check_api_lines),
        S("MONITOR_ITEMS", "json", [], "Rows of the portal's /status page (availability and latency over the last 24 hours), as a JSON list of {name, models: [...]} or {name, channel_tag}; [] shows every model that had traffic.",
          check=check_monitor_items),
    ),
    *_group(
        "mail",
        S("SMTP_SERVER", "str", "", "SMTP server host name used to send mail.", alias="SMTPServer"),
        S("SMTP_PORT", "int", 587, "SMTP server port.", minimum=1, maximum=65535, alias="SMTPPort"),
        S("SMTP_SSL_ENABLED", "bool", False, "Connect to the SMTP server over TLS from the start (usually port 465).", alias="SMTPSSLEnabled"),
        S("SMTP_ACCOUNT", "str", "", "User name for the SMTP server.", alias="SMTPAccount"),
        S("SMTP_TOKEN", "str", "", "Password or token for the SMTP server.", secret=True, alias="SMTPToken"),
        S("SMTP_FROM", "str", "", "Sender address of outgoing mail; empty means SMTP_ACCOUNT.", alias="SMTPFrom"),
        S("MAIL_PROVIDER", "choice", "smtp", "How mail is sent: smtp (the SMTP_* settings) or http (a JSON POST to MAIL_API_URL).", choices=("smtp", "http")),
        S("MAIL_API_URL", "str", "", "URL of the HTTP mail API (Resend-like): it receives a JSON POST {from, to, subject, html, text}."),
        S("MAIL_API_KEY", "str", "", "Bearer key sent to the HTTP mail API.", secret=True),
        S("QUOTA_REMIND_THRESHOLD", "int", 1000, "Mail a user (at most once a day) when their balance falls below this quota; 0 never does.", minimum=0, alias="QuotaRemindThreshold"),
    ),
    *_group(
        "oauth",
        S("GITHUB_OAUTH_ENABLED", "bool", False, "Let users sign in with GitHub.", alias="GitHubOAuthEnabled"),
        S("GITHUB_CLIENT_ID", "str", "", "Client ID of the GitHub OAuth app.", alias="GitHubClientId"),
        S("GITHUB_CLIENT_SECRET", "str", "", "Client secret of the GitHub OAuth app.", secret=True, alias="GitHubClientSecret"),
        S("LINUXDO_OAUTH_ENABLED", "bool", False, "Let users sign in with LinuxDO.", alias="LinuxDOOAuthEnabled"),
        S("LINUXDO_CLIENT_ID", "str", "", "Client ID of the LinuxDO OAuth app.", alias="LinuxDOClientId"),
        S("LINUXDO_CLIENT_SECRET", "str", "", "Client secret of the LinuxDO OAuth app.", secret=True, alias="LinuxDOClientSecret"),
        S("LINUXDO_MINIMUM_TRUST_LEVEL", "int", 0, "Lowest LinuxDO trust level (0-4) allowed to sign up through LinuxDO.", minimum=0, maximum=4, alias="LinuxDOMinimumTrustLevel"),
        S("GITHUB_OAUTH_URL", "str", "https://github.com", "Base URL of GitHub's OAuth pages (authorize, access token); change it only for GitHub Enterprise or tests."),
        S("GITHUB_API_URL", "str", "https://api.github.com", "Base URL of the GitHub API that reads the signed-in account."),
        S("LINUXDO_OAUTH_URL", "str", "https://connect.linux.do", "Base URL of LinuxDO Connect (authorize, token, user)."),
    ),
    *_group(
        "payment",
        S("PAY_ADDRESS", "str", "", "Base URL of the EPay (易支付) gateway; empty turns online top-up off.", alias="PayAddress"),
        S("EPAY_ID", "str", "", "Merchant ID at the EPay gateway.", alias="EpayId"),
        S("EPAY_KEY", "str", "", "Merchant key at the EPay gateway.", secret=True, alias="EpayKey"),
        S("EPAY_PRICE", "float", 7.3, "Yuan charged for one US dollar of quota in online top-ups.", minimum=0, alias="Price"),
        S("MIN_TOP_UP", "int", 1, "Smallest online top-up, in US dollars.", minimum=1, alias="MinTopUp"),
        S("TOPUP_ENABLED", "bool", True, "Offer online top-up in the portal's wallet (also needs PAY_ADDRESS, EPAY_ID and EPAY_KEY)."),
        S("PAY_METHODS", "json", [{"name": "支付宝 Alipay", "type": "alipay", "icon": "alipay", "color": "#1677ff"},
                                  {"name": "微信 WeChat Pay", "type": "wxpay", "icon": "wxpay", "color": "#07c160"}],
          "Pay channels offered for online top-up, as a JSON list of {name, type, icon, color}; type is the EPay gateway's code.",
          alias="PayMethods", check=check_pay_methods),
        S("CUSTOM_CALLBACK_ADDRESS", "str", "", "Base URL the EPay gateway calls back (notify); empty means SERVER_ADDRESS.", alias="CustomCallbackAddress"),
    ),
)
del S

BY_NAME: Mapping[str, Setting] = MappingProxyType({s.name: s for s in SETTINGS})


def _norm(key: str) -> str:
    return key.strip().lower().replace("-", "_")


# Every spelling a user may type: name, env var, new-api alias, in any case.
_LOOKUP = {_norm(k): s for s in SETTINGS for k in (s.name, s.env, s.alias) if k}


def find_setting(key: str) -> Setting:
    """Find a setting by name, env var or new-api alias, ignoring case."""
    setting = BY_NAME.get(key) or _LOOKUP.get(_norm(key))
    if setting is not None:
        return setting
    near = difflib.get_close_matches(_norm(key), _LOOKUP, n=3, cutoff=0.6)
    names = list(dict.fromkeys(_LOOKUP[k].name for k in near))  # best match first
    hint = f"; did you mean {', '.join(names)}?" if names else ""
    raise UnknownSetting(f"unknown setting {key!r}{hint}")


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_LIST_SEPARATORS = re.compile(r"[,\n]")


def parse_value(setting: Setting, raw: object) -> object:
    """Convert raw text (or an already typed value) to the setting's type, or raise InvalidSetting."""
    try:
        value = _PARSERS[setting.type](setting, raw)
        if setting.check is not None:
            setting.check(value)
        return value
    except (ValueError, TypeError) as exc:
        detail = f" ({exc})" if (setting.type == "json" or setting.check) and str(exc) else ""
        raise InvalidSetting(
            f"{setting.name} must be {_expected(setting)}{detail}, got {_shown(setting, raw)}"
        ) from None


def _parse_bool(setting: Setting, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = _text(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError


def _parse_int(setting: Setting, raw: object) -> int:
    if isinstance(raw, bool) or isinstance(raw, float):
        raise TypeError  # True is an int and 1.5 would truncate silently
    value = raw if isinstance(raw, int) else int(_text(raw).strip())
    return _in_range(setting, value)


def _parse_float(setting: Setting, raw: object) -> float:
    if isinstance(raw, bool):
        raise TypeError
    value = float(raw) if isinstance(raw, (int, float)) else float(_text(raw).strip())
    if not math.isfinite(value):
        raise ValueError
    return _in_range(setting, value)


def _parse_str(setting: Setting, raw: object) -> str:
    return _text(raw)


def _parse_json(setting: Setting, raw: object) -> object:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(exc.msg) from None
    # Round-trip typed values so the result is plain JSON and shares nothing with the caller.
    return json.loads(json.dumps(raw))


def _parse_choice(setting: Setting, raw: object) -> str:
    text = _text(raw).strip().casefold()
    for choice in setting.choices:
        if choice.casefold() == text:
            return choice
    raise ValueError


def _parse_list(setting: Setting, raw: object) -> tuple[str, ...]:
    if isinstance(raw, (list, tuple)):
        items = [_text(item) for item in raw]
    else:
        items = _LIST_SEPARATORS.split(_text(raw))
    return tuple(item.strip() for item in items if item.strip())


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise TypeError
    return raw


def _in_range(setting: Setting, value: int | float) -> int | float:
    if setting.minimum is not None and value < setting.minimum:
        raise ValueError
    if setting.maximum is not None and value > setting.maximum:
        raise ValueError
    return value


_PARSERS = {
    "bool": _parse_bool, "int": _parse_int, "float": _parse_float, "str": _parse_str,
    "json": _parse_json, "choice": _parse_choice, "list": _parse_list,
}


def _expected(setting: Setting) -> str:
    base = {
        "bool": "true or false", "int": "an integer", "float": "a number", "str": "text",
        "json": "valid JSON", "list": "a comma- or newline-separated list",
        "choice": "one of " + ", ".join(setting.choices),
    }[setting.type]
    low, high = setting.minimum, setting.maximum
    if low is not None and high is not None:
        return f"{base} between {low:g} and {high:g}"
    if low is not None:
        return f"{base} >= {low:g}"
    if high is not None:
        return f"{base} <= {high:g}"
    return base


def _shown(setting: Setting, raw: object) -> str:
    if setting.secret:
        return "a hidden value"
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


def format_value(setting: Setting, value: object) -> str:
    """Render a value as text for the options table (the inverse of parse_value)."""
    value = parse_value(setting, value)
    if setting.type == "bool":
        return "true" if value else "false"
    if setting.type == "json":
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if setting.type == "list":
        return ",".join(value)
    return str(value)


def mask_secret(text: str) -> str:
    """Mask a secret value for lists: DSNs lose their password, other secrets all but 4+4 characters."""
    if "://" in text or "@tcp(" in text or "@unix(" in text:
        return redact_dsn(text)
    return mask_key(text)


class Settings:
    """Typed, immutable settings; `settings["PORT"]` is a plain dict lookup."""

    __slots__ = ("_values", "_sources", "_base", "_base_sources", "_overrides", "_ignored")

    def __init__(self, base: dict[str, object], base_sources: dict[str, str],
                 options: Mapping[str, object], overrides: dict[str, object]) -> None:
        self._base, self._base_sources, self._overrides = base, base_sources, overrides
        self._values = dict(base)
        self._sources = dict(base_sources)
        self._ignored: dict[str, str] = {}
        # Canonical names last, so "RETRY_TIMES" beats a migrated "RetryTimes" row.
        for key, raw in sorted(options.items(), key=lambda item: item[0] in BY_NAME):
            setting = _LOOKUP.get(_norm(key))
            if setting is None or setting.scope == "boot":
                continue  # new-api keys we do not model, or not ours to change at run time
            value, problem = _parse_option(setting, key, raw)
            if problem is None:
                self._set(setting, value, "option")
            else:
                self._ignored[setting.name] = problem
        for name, value in overrides.items():
            self._set(BY_NAME[name], value, "override")

    def _set(self, setting: Setting, value: object, source: str) -> None:
        self._values[setting.name] = value
        self._sources[setting.name] = source

    @classmethod
    def load(cls, env: Mapping[str, str] = os.environ, options: Mapping[str, object] = _EMPTY,
             overrides: Mapping[str, object] = _EMPTY) -> Settings:
        """Read settings: overrides > options table (runtime only) > env > defaults."""
        base: dict[str, object] = {}
        sources: dict[str, str] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is None or raw == "":  # an empty env var means unset, as in new-api
                base[setting.name], sources[setting.name] = setting.default, "default"
            else:
                base[setting.name] = _parse_from(setting, raw, f"env var {setting.env}")
                sources[setting.name] = "env"
        parsed = {}
        for key, raw in overrides.items():
            setting = find_setting(key)
            parsed[setting.name] = _parse_from(setting, raw, f"override {key}")
        return cls(base, sources, options, parsed)

    def with_options(self, options: Mapping[str, object]) -> Settings:
        """A new Settings with the options table replaced by `options`."""
        return Settings(self._base, self._base_sources, options, self._overrides)

    def __getitem__(self, name: str) -> object:
        try:
            return self._values[name]
        except KeyError:
            return self._values[find_setting(name).name]

    def ignored(self, name: str) -> str | None:
        """Why the stored option `name` was ignored at load (it failed its check), or None."""
        return self._ignored.get(find_setting(name).name)

    def source(self, name: str) -> str:
        """Where a value came from: "default", "env", "option" or "override"."""
        return self._sources[find_setting(name).name]

    def as_dict(self) -> dict[str, object]:
        """All typed values by name (a copy)."""
        return dict(self._values)

    def display(self, name: str, reveal: bool = False) -> str:
        """The value as text, with secrets masked unless revealed or OFF_SETTING_KEY_HIDE."""
        setting = find_setting(name)
        text = format_value(setting, self._values[setting.name])
        if not setting.secret or reveal or self._values["OFF_SETTING_KEY_HIDE"]:
            return text
        return mask_secret(text)

    def __repr__(self) -> str:  # never the values: some are secrets
        changed = sorted(n for n, s in self._sources.items() if s != "default")
        return f"Settings(changed={changed})"


def _parse_option(setting: Setting, key: str, raw: object) -> tuple[object, str | None]:
    """A stored option as (value, None), or (None, why) when it fails its shape check (stored before the
    check existed, or written into the table by hand): then it is ignored with a warning, the env value or
    default applies, and so every reader sees only values that pass their check. A wrong type raises."""
    value = _parse_from(replace(setting, check=None), raw, f"option {key}")
    if setting.check is None:
        return value, None
    try:
        setting.check(value)
    except (ValueError, TypeError) as exc:
        problem = str(exc) or f"not {_expected(setting)}"
        _warn_ignored(setting.name, key, problem)
        return None, problem
    return value, None


_WARNED: set[tuple[str, str]] = set()  # settings are reloaded on every change: one warning per problem


def _warn_ignored(name: str, key: str, problem: str) -> None:
    if (key, problem) not in _WARNED:
        _WARNED.add((key, problem))
        log.warning("stored option %s ignored (its default or env value applies): %s", name, problem)


def _parse_from(setting: Setting, raw: object, source: str) -> object:
    try:
        return parse_value(setting, raw)
    except InvalidSetting as exc:
        raise InvalidSetting(f"{source}: {exc}") from None


def docs_markdown() -> str:
    """The settings table as Markdown, for the README."""
    lines = ["| Setting | Type | Default | Description |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = format_value(s, s.default).replace("\n", "\\n")
        shown = f"`{default}`" if default else "*(empty)*"
        lines.append(f"| `{s.name}` | {_doc_type(s)} | {shown} | {_doc_help(s)} |")
    return "\n".join(lines) + "\n"


def _doc_type(s: Setting) -> str:
    text = _expected(s) if s.type in ("int", "float") else s.type
    if s.type == "choice":
        text = " / ".join(s.choices)
    return text.replace("an integer", "integer").replace("a number", "number")


def _doc_help(s: Setting) -> str:
    notes = [s.help.replace("|", "\\|")]
    if s.scope == "boot":
        notes.append("Env var or flag only.")
    if s.env != s.name:
        notes.append(f"Env var `{s.env}`.")
    if s.alias:
        notes.append(f"new-api option `{s.alias}`.")
    return " ".join(notes)
