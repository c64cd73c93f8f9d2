"""Channel service functions: validate, create, update, status, abilities index."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..core import clock
from ..core.channel_types import BY_ID, find_type
from ..core.routing import check_model_mapping
from .changes import publish
from .errors import InvalidInput, NotFound
from .tables import Ability, Channel
from .transactions import write_transaction

ENABLED, MANUALLY_DISABLED, AUTO_DISABLED = 1, 2, 3
STATUS_NAMES = {ENABLED: "enabled", MANUALLY_DISABLED: "disabled", AUTO_DISABLED: "auto-disabled"}
KEY_MODES = ("random", "round-robin")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_base_url(base_url) -> str:
    """A channel's base URL as stored: trimmed, no trailing slash; "" or an http(s) URL with a host and
    nothing an HTTP client would choke on (control characters, spaces)."""
    url = str(base_url or "").strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not url.isprintable() or " " in url:
        raise InvalidInput(f"base URL must be an http(s) URL, got {url!r}")
    return url


@dataclass(frozen=True)
class ChannelInfo:
    id: int
    type: int
    name: str
    keys: tuple[str, ...]
    base_url: str
    models: tuple[str, ...]
    groups: tuple[str, ...]
    model_mapping: dict = field(default_factory=dict)
    priority: int = 0
    weight: int = 0
    status: int = ENABLED
    auto_ban: bool = True
    test_model: str = ""
    param_override: dict = field(default_factory=dict)
    header_override: dict = field(default_factory=dict)
    status_code_mapping: dict = field(default_factory=dict)
    tag: str = ""
    remark: str = ""
    other: str = ""
    openai_organization: str = ""
    key_mode: str = "random"
    disabled_keys: dict = field(default_factory=dict)  # key index -> {"reason", "time"}
    setting: dict = field(default_factory=dict)  # drop_fields, system_prompt(_mode), replicate_input
    status_reason: str = ""
    status_time: int = 0
    response_time: int = 0
    test_time: int = 0
    used_quota: int = 0
    balance: float = 0.0
    balance_updated_time: int = 0
    created_time: int = 0

    @property
    def type_name(self) -> str:
        known = BY_ID.get(self.type)
        return known.name if known else f"type {self.type}"

    @property
    def usable_key_indexes(self) -> list[int]:
        return [i for i in range(len(self.keys)) if str(i) not in self.disabled_keys]

    @property
    def effective_base_url(self) -> str:
        known = BY_ID.get(self.type)
        return (self.base_url or (known.default_base_url if known else "")).rstrip("/")


def _split(text: str, seps: str = ",") -> tuple[str, ...]:
    for sep in seps[1:]:
        text = text.replace(sep, seps[0])
    return tuple(dict.fromkeys(part.strip() for part in text.split(seps[0]) if part.strip()))


def _json_object(text: str | dict | None, what: str) -> dict:
    if text in (None, ""):
        return {}
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def to_info(row: Channel) -> ChannelInfo:
    info = _json_object(row.channel_info, "channel_info")
    other_info = _json_object(row.other_info, "other_info")
    return ChannelInfo(
        id=row.id, type=row.type, name=row.name, keys=_split(row.key, "\n"), base_url=row.base_url,
        models=_split(row.models), groups=_split(row.group), model_mapping=_json_object(row.model_mapping, "mapping"),
        priority=row.priority, weight=row.weight, status=row.status, auto_ban=bool(row.auto_ban),
        test_model=row.test_model or "", param_override=_json_object(row.param_override, "param override"),
        header_override=_json_object(row.header_override, "header override"),
        status_code_mapping=_json_object(row.status_code_mapping, "status code mapping"), tag=row.tag,
        remark=row.remark, other=row.other, openai_organization=row.openai_organization or "",
        key_mode=info.get("multi_key_mode", "random"), disabled_keys=info.get("disabled_keys", {}),
        setting=_json_object(row.setting, "setting"), status_reason=other_info.get("status_reason", ""),
        status_time=other_info.get("status_time", 0),
        response_time=row.response_time, test_time=row.test_time, used_quota=row.used_quota,
        balance=row.balance, balance_updated_time=row.balance_updated_time, created_time=row.created_time)


def _validated(fields: dict) -> dict:
    """Check and normalise channel fields given as user input; returns column values."""
    out: dict = {}
    if "type" in fields:
        try:
            out["type"] = find_type(fields["type"]).id
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
    if "name" in fields:
        if not str(fields["name"]).strip():
            raise InvalidInput("channel name must not be empty")
        out["name"] = str(fields["name"]).strip()
    if "key" in fields:
        keys = _split(str(fields["key"]), "\n\r")
        if not keys:
            raise InvalidInput("channel key must not be empty")
        if any(_CONTROL.search(key) for key in keys):  # it could not be sent in a header: every call would fail
            raise InvalidInput("a channel key must not contain control characters")
        out["key"] = "\n".join(keys)
    if "base_url" in fields:
        out["base_url"] = check_base_url(fields["base_url"])
    for name in ("models", "group"):
        if name in fields:
            value = fields[name]
            items = _split(value if isinstance(value, str) else ",".join(value))
            if not items:
                raise InvalidInput(f"channel {'models' if name == 'models' else 'groups'} must not be empty")
            out[name] = ",".join(items)
    for name in ("priority", "weight"):
        if name in fields:
            try:
                out[name] = int(fields[name])
            except (TypeError, ValueError) as exc:
                raise InvalidInput(f"{name} must be an integer") from exc
            if name == "weight" and out[name] < 0:
                raise InvalidInput("weight must be >= 0")
    if "model_mapping" in fields:
        mapping = _json_object(fields["model_mapping"], "model mapping")
        try:
            check_model_mapping(mapping)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from exc
        out["model_mapping"] = json.dumps(mapping) if mapping else ""
    for name, what in (("param_override", "param override"), ("header_override", "header override")):
        if name in fields:
            value = _json_object(fields[name], what)
            if name == "header_override" and not all(isinstance(v, str) for v in value.values()):
                raise InvalidInput("header override values must be strings")
            if name == "header_override" and any(_CONTROL.search(k + v) for k, v in value.items()):
                raise InvalidInput("header override names and values must not contain control characters")
            out[name] = json.dumps(value) if value else ""
    if "status_code_mapping" in fields:
        value = _json_object(fields["status_code_mapping"], "status code mapping")
        for source, target in value.items():
            if not (str(source).isdigit() and str(target).isdigit() and 100 <= int(target) <= 599):
                raise InvalidInput('status code mapping must look like {"429": "500"}')
        out["status_code_mapping"] = json.dumps(value) if value else ""
    if "setting" in fields:
        out["setting"] = json.dumps(_checked_setting(_json_object(fields["setting"], "channel setting")))
    if "key_mode" in fields:
        if fields["key_mode"] not in KEY_MODES:
            raise InvalidInput(f"key mode must be one of {', '.join(KEY_MODES)}")
    for name in ("tag", "remark", "test_model", "other", "openai_organization"):
        if name in fields:
            out[name] = str(fields[name] or "").strip()
    if "auto_ban" in fields:
        out["auto_ban"] = 1 if fields["auto_ban"] else 0
    return out


def _checked_setting(setting: dict) -> dict:
    """drop_fields: list of request fields to remove; system_prompt + system_prompt_mode (prepend|override);
    replicate_input (Replicate chat models): prompt (a transcript, the default) or messages."""
    unknown = set(setting) - {"drop_fields", "system_prompt", "system_prompt_mode", "replicate_input"}
    if unknown:
        raise InvalidInput(f"unknown channel setting(s): {', '.join(sorted(unknown))}")
    fields = setting.get("drop_fields", [])
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    if not isinstance(fields, list) or not all(isinstance(f, str) and f for f in fields):
        raise InvalidInput("drop_fields must be a list of field names")
    if fields and {"model", "messages"} & set(fields):
        raise InvalidInput("drop_fields cannot drop 'model' or 'messages'")
    mode = setting.get("system_prompt_mode", "prepend")
    if mode not in ("prepend", "override"):
        raise InvalidInput("system_prompt_mode must be prepend or override")
    prompt = setting.get("system_prompt", "")
    if not isinstance(prompt, str):
        raise InvalidInput("system_prompt must be text")
    checked = {"drop_fields": fields, "system_prompt": prompt, "system_prompt_mode": mode}
    if "replicate_input" in setting:
        if setting["replicate_input"] not in ("prompt", "messages"):
            raise InvalidInput("replicate_input must be prompt or messages")
        checked["replicate_input"] = setting["replicate_input"]
    return checked


def _rebuild_abilities(row: Channel) -> None:
    Ability.delete().where(Ability.channel_id == row.id).execute()
    rows = [{"group": g, "model": m, "channel_id": row.id, "enabled": row.status == ENABLED,
             "priority": row.priority, "weight": row.weight, "tag": row.tag}
            for g in _split(row.group) for m in _split(row.models)]
    if rows:
        Ability.insert_many(rows).execute()


def create_channel(**fields) -> ChannelInfo:
    """Create a channel from user input (type, name, key, models required)."""
    missing = [name for name in ("type", "name", "key", "models") if not fields.get(name)]
    if missing:
        raise InvalidInput("missing " + ", ".join(missing))
    fields.setdefault("group", "default")
    values = _validated(fields)
    kind = BY_ID[values["type"]]
    if kind.needs_base_url and not values.get("base_url"):
        raise InvalidInput(f"a {kind.name} channel needs a base URL")
    values["channel_info"] = json.dumps({"multi_key_mode": fields.get("key_mode", "random")})
    with write_transaction():
        row = Channel.create(created_time=clock.now(), **values)
        _rebuild_abilities(row)
    publish("channel")
    return to_info(row)


def update_channel(channel_id: int, **fields) -> ChannelInfo:
    """Change some fields of a channel; abilities follow."""
    values = _validated(fields)
    with write_transaction():
        row = _row(channel_id)
        for name, value in values.items():
            setattr(row, name, value)
        if "key_mode" in fields:
            info = _json_object(row.channel_info, "channel_info")
            info["multi_key_mode"] = fields["key_mode"]
            row.channel_info = json.dumps(info)
        row.save_changes()
        _rebuild_abilities(row)
    publish("channel")
    return to_info(row)


COPIED = ("type", "key", "base_url", "models", "group", "model_mapping", "priority", "weight", "auto_ban",
          "test_model", "param_override", "header_override", "status_code_mapping", "tag", "remark", "other",
          "openai_organization", "setting")


def copy_channel(channel_id: int) -> ChannelInfo:
    """A new channel with the same settings and keys, named "<name> (copy)", as a new channel starts
    (enabled, no usage, test or balance; every key usable)."""
    source = _row(channel_id)
    values = {name: getattr(source, name) for name in COPIED}
    mode = _json_object(source.channel_info, "channel_info").get("multi_key_mode", "random")
    with write_transaction():
        row = Channel.create(name=f"{source.name} (copy)"[:128], created_time=clock.now(),
                             channel_info=json.dumps({"multi_key_mode": mode}), **values)
        _rebuild_abilities(row)
    publish("channel")
    return to_info(row)


def set_tag_status(tag: str, status: int, reason: str = "") -> int:
    """Enable or disable every channel carrying `tag` (not empty); returns how many there are."""
    if not tag.strip():
        raise InvalidInput("the tag must not be empty")
    ids = [row.id for row in Channel.select(Channel.id).where(Channel.tag == tag.strip())]
    for channel_id in ids:
        set_channel_status(channel_id, status, reason)
    return len(ids)


def _row(channel_id: int) -> Channel:
    row = Channel.get_or_none(Channel.id == channel_id)
    if row is None:
        raise NotFound(f"no channel with id {channel_id}")
    return row


def get_channel(channel_id: int) -> ChannelInfo:
    return to_info(_row(channel_id))


def list_channels() -> list[ChannelInfo]:
    return [to_info(row) for row in Channel.select().order_by(Channel.priority.desc(), Channel.id)]


def set_channel_status(channel_id: int, status: int, reason: str = "") -> ChannelInfo:
    """Enable or disable a channel, keeping why and when for disabled ones."""
    if status not in STATUS_NAMES:
        raise InvalidInput("unknown channel status")
    with write_transaction():
        row = _row(channel_id)
        row.status = status
        other_info = _json_object(row.other_info, "other_info")
        other_info.update(status_reason=reason if status != ENABLED else "", status_time=clock.now())
        row.other_info = json.dumps(other_info)
        if status == ENABLED:  # re-enabling brings every key back
            info = _json_object(row.channel_info, "channel_info")
            info.pop("disabled_keys", None)
            row.channel_info = json.dumps(info)
        row.save_changes()
        Ability.update(enabled=status == ENABLED).where(Ability.channel_id == channel_id).execute()
    publish("channel")
    return to_info(row)


def disable_key(channel_id: int, key_index: int, reason: str) -> ChannelInfo:
    """Auto-disable one key of a multi-key channel; the channel goes when no key is left."""
    with write_transaction():
        row = _row(channel_id)
        info = _json_object(row.channel_info, "channel_info")
        disabled = info.setdefault("disabled_keys", {})
        disabled[str(key_index)] = {"reason": reason, "time": clock.now()}
        row.channel_info = json.dumps(info)
        row.save_changes()
        keys_left = len(_split(row.key, "\n")) - len(disabled)
    if keys_left <= 0:
        return set_channel_status(channel_id, AUTO_DISABLED, reason)
    publish("channel")
    return to_info(row)


def record_test(channel_id: int, response_time_ms: int) -> None:
    Channel.update(response_time=response_time_ms, test_time=clock.now()).where(Channel.id == channel_id).execute()
    publish("channel")


def record_balance(channel_id: int, balance_usd: float) -> ChannelInfo:
    """Keep the upstream account's balance (USD) with the time it was read."""
    changed = Channel.update(balance=float(balance_usd), balance_updated_time=clock.now()).where(
        Channel.id == channel_id).execute()
    if not changed:
        raise NotFound(f"no channel with id {channel_id}")
    publish("channel")
    return get_channel(channel_id)


def delete_channel(channel_id: int) -> None:
    with write_transaction():
        _row(channel_id).delete_instance()
        Ability.delete().where(Ability.channel_id == channel_id).execute()
    publish("channel")
