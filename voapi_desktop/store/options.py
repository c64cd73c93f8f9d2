"""The options table: runtime settings the operator changed, validated by the settings table."""

from __future__ import annotations

from typing import Mapping

from ..core.settings import InvalidSetting, Setting, UnknownSetting, find_setting, format_value, parse_value
from .changes import publish
from .errors import InvalidInput
from .tables import Option
from .transactions import write_transaction


def load_options() -> dict[str, str]:
    return {row.key: row.value for row in Option.select()}


class InvalidOption(InvalidInput):
    """A value refused by its setting's rules; `name` says which setting."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def set_option(key: str, raw_value: str) -> tuple[str, object]:
    """Validate and store one setting; returns (canonical name, typed value)."""
    setting, value = _checked(key, raw_value)
    with write_transaction():
        _store(setting, value)
    publish("option")
    return setting.name, value


def set_options(values: Mapping[str, str]) -> dict[str, object]:
    """Validate every value first, then store them in one transaction: all or nothing."""
    checked = [_checked(key, raw) for key, raw in values.items()]
    with write_transaction():
        for setting, value in checked:
            _store(setting, value)
    if checked:
        publish("option")
    return {setting.name: value for setting, value in checked}


def _checked(key: str, raw_value: str) -> tuple[Setting, object]:
    try:
        setting = find_setting(key)
    except UnknownSetting as exc:
        raise InvalidOption(key, str(exc)) from exc
    if setting.scope == "boot":
        raise InvalidOption(setting.name, f"{setting.name} is read at start-up; set it with the env var "
                                          f"{setting.env or setting.name} or a command-line flag")
    try:
        return setting, parse_value(setting, raw_value)
    except InvalidSetting as exc:
        raise InvalidOption(setting.name, str(exc)) from exc


def _store(setting: Setting, value: object) -> None:
    stored = format_value(setting, value)  # update-or-insert that every backend understands
    if not Option.update(value=stored).where(Option.key == setting.name).execute():
        Option.create(key=setting.name, value=stored)


def unset_option(key: str) -> None:
    setting = find_setting(key)
    Option.delete().where(Option.key == setting.name).execute()
    publish("option")
