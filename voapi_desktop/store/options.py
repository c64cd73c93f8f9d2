"""The options table: runtime settings the operator changed, validated by the settings table."""

from __future__ import annotations

from ..core.settings import InvalidSetting, find_setting, format_value, parse_value
from .changes import publish
from .errors import InvalidInput
from .tables import Option
from .transactions import write_transaction


def load_options() -> dict[str, str]:
    return {row.key: row.value for row in Option.select()}


def set_option(key: str, raw_value: str) -> tuple[str, object]:
    """Validate and store one setting; returns (canonical name, typed value)."""
    try:
        setting = find_setting(key)
        if setting.scope == "boot":
            raise InvalidInput(f"{setting.name} is read at start-up; set it with the env var "
                               f"{setting.env or setting.name} or a command-line flag")
        value = parse_value(setting, raw_value)
    except (InvalidSetting, KeyError) as exc:
        raise InvalidInput(exc.args[0] if exc.args else str(exc)) from exc
    stored = format_value(setting, value)
    with write_transaction():  # update-or-insert that every backend understands
        if not Option.update(value=stored).where(Option.key == setting.name).execute():
            Option.create(key=setting.name, value=stored)
    publish("option")
    return setting.name, value


def unset_option(key: str) -> None:
    setting = find_setting(key)
    Option.delete().where(Option.key == setting.name).execute()
    publish("option")
