"""What every page and dialog needs, passed in explicitly (no global app object)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from ..core import periods
from ..core.pricing import to_display
from ..core.settings import Settings
from ..store.options import load_options
from ..store.runtime import StoreRuntime
from .bridge import Bridge
from .gateway_ctl import GatewayController
from .i18n import I18n
from .ops import Ops
from .prefs import Preferences


@dataclass
class Context:
    runtime: StoreRuntime
    ops: Ops
    i18n: I18n
    prefs: Preferences
    bridge: Bridge
    gateway: GatewayController
    settings: Settings = field(default=None)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = self.runtime.settings
        self.ops.data_changed.connect(self._on_change)

    def tr(self, key: str, **fields) -> str:
        return self.i18n.tr(key, **fields)

    def _on_change(self, kind: str) -> None:
        if kind == "option":
            env, overrides = self.runtime.env, self.runtime.overrides
            self.ops.run(lambda: Settings.load(env=env, options=load_options(), overrides=overrides),
                         success=self._set_settings)

    def _set_settings(self, settings: Settings) -> None:
        self.settings = settings

    # display helpers -------------------------------------------------------------------------

    def money(self, quota: int) -> str:
        """Quota units in the display currency (USD, CNY or raw tokens)."""
        s = self.settings
        shown = s["QUOTA_DISPLAY_TYPE"] if s["DISPLAY_IN_CURRENCY"] else "TOKENS"
        return to_display(int(quota), shown, s["QUOTA_PER_UNIT"], s["USD_EXCHANGE_RATE"])

    def money_unit(self) -> str:
        s = self.settings
        return s["QUOTA_DISPLAY_TYPE"] if s["DISPLAY_IN_CURRENCY"] else "TOKENS"

    def to_quota(self, amount: float) -> int:
        """An amount typed in the display currency, as quota units (display only; rounds to a unit)."""
        s, unit = self.settings, self.money_unit()
        if unit == "TOKENS":
            return int(round(amount))
        usd = Fraction(str(amount)) / (Fraction(str(s["USD_EXCHANGE_RATE"])) if unit == "CNY" else 1)
        return int(round(usd * s["QUOTA_PER_UNIT"]))

    def from_quota(self, quota: int) -> float:
        """Quota units as a number in the display currency (to_quota's inverse, for an input field)."""
        s, unit = self.settings, self.money_unit()
        if unit == "TOKENS":
            return float(quota)
        usd = Fraction(int(quota), s["QUOTA_PER_UNIT"])
        return float(usd * Fraction(str(s["USD_EXCHANGE_RATE"])) if unit == "CNY" else usd)

    def time(self, ts: int, seconds: bool = False) -> str:
        """Unix seconds on the operator's wall clock (TZ setting); "" for 0."""
        if not ts or ts < 0:
            return ""
        moment = periods.local(datetime.fromtimestamp(ts).astimezone(), self.tz())
        return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")

    def tz(self):
        try:
            return periods.zone(self.settings["TZ"])
        except ValueError:
            return None
