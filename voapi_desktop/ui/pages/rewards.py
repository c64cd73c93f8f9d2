"""The rewards panel of the redemption page: daily check-in and invitation settings, with what they paid."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from ..actions import redemptions as actions
from ..context import Context
from ..widgets.outcome_line import OutcomeLine

QUOTA_MAX = 2**31 - 1


class QuotaSpin(QWidget):
    """Quota units typed exactly, with what they are worth in the display currency beside them."""

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = QSpinBox(minimum=0, maximum=QUOTA_MAX, singleStep=1000, groupSeparatorShown=True)
        self.worth = QLabel(objectName="muted")
        self.worth.setMinimumWidth(70)
        self.spin.valueChanged.connect(lambda v: self.worth.setText("≈ " + ctx.money(v)))
        row.addWidget(self.spin, 1)
        row.addWidget(self.worth)

    def value(self) -> int:
        return self.spin.value()

    def set_value(self, value: int) -> None:
        self.spin.setValue(min(int(value), QUOTA_MAX))
        self.worth.setText("≈ " + self.ctx.money(self.spin.value()))


class RewardBox(QGroupBox):
    """A titled form with a totals line, an outcome line and a Save button."""

    def __init__(self, ctx: Context, title_key: str, on_save, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        ctx.i18n.bind(self, "setTitle", title_key)
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.totals = QLabel(objectName="muted", wordWrap=True)
        layout.addWidget(self.totals)
        self.outcome = OutcomeLine()
        layout.addWidget(self.outcome)
        self.save = QPushButton()
        ctx.i18n.bind(self.save, "setText", "common.save")
        self.save.clicked.connect(lambda: on_save())
        layout.addWidget(self.save)

    def add_row(self, label_key: str, widget: QWidget) -> QWidget:
        label = QLabel()
        self.ctx.i18n.bind(label, "setText", label_key)
        self.form.addRow(label, widget)
        return widget

    def saved(self, _result=None) -> None:
        self.save.setEnabled(True)
        self.outcome.show_text(self.ctx.tr("rewards.saved"))

    def fail(self, exc: BaseException) -> None:
        self.save.setEnabled(True)
        self.outcome.show_failure(self.ctx, exc)



class RewardsPanel(QWidget):
    kinds = ("option", "user")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.rewards: actions.Rewards | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.checkin = RewardBox(ctx, "rewards.checkin.title", self.save_checkin)
        self.checkin_enabled = QCheckBox()
        ctx.i18n.bind(self.checkin_enabled, "setText", "rewards.checkin.enabled")
        self.checkin.form.addRow(self.checkin_enabled)
        self.checkin_min = self.checkin.add_row("rewards.checkin.min", QuotaSpin(ctx))
        self.checkin_max = self.checkin.add_row("rewards.checkin.max", QuotaSpin(ctx))
        layout.addWidget(self.checkin)
        self.invitation = RewardBox(ctx, "rewards.invitation.title", self.save_invitation)
        self.quota_fields = {name: self.invitation.add_row(f"rewards.{name.lower()}", QuotaSpin(ctx))
                             for name in actions.INVITATION_SETTINGS}
        layout.addWidget(self.invitation)
        layout.addStretch(1)
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.reload)
        ctx.ops.data_changed.connect(lambda kind: kind in self.kinds and self._debounce.start())
        ctx.i18n.changed.connect(lambda _: self._show_totals())

    def reload(self) -> None:
        runtime = self.ctx.runtime
        self.ctx.ops.run(lambda: actions.load_rewards(runtime), success=self._loaded,
                         failure=self.checkin.fail, owner=self)

    def _loaded(self, rewards: actions.Rewards) -> None:
        self.rewards, values = rewards, rewards.values
        self.checkin_enabled.setChecked(values["CHECKIN_ENABLED"])
        self.checkin_min.set_value(values["CHECKIN_MIN_QUOTA"])
        self.checkin_max.set_value(values["CHECKIN_MAX_QUOTA"])
        for name, field in self.quota_fields.items():
            field.set_value(values[name])
        self._show_totals()

    def _show_totals(self) -> None:
        if self.rewards is None:
            return
        c, i, money = self.rewards.checkins, self.rewards.invitations, self.ctx.money
        self.checkin.totals.setText(self.ctx.tr("rewards.checkin.totals", count=c.count, quota=money(c.quota),
                                                users=c.users, today=c.today_count, today_quota=money(c.today_quota)))
        self.invitation.totals.setText(self.ctx.tr("rewards.invitation.totals", invited=i.invited,
                                                   inviters=i.inviters, rewarded=money(i.rewarded),
                                                   pending=money(i.pending)))

    def save_checkin(self) -> None:
        self.checkin.save.setEnabled(False)
        actions.save_checkin(self.ctx, self.checkin_enabled.isChecked(), self.checkin_min.value(),
                             self.checkin_max.value(), success=self.checkin.saved, failure=self.checkin.fail)

    def save_invitation(self) -> None:
        self.invitation.save.setEnabled(False)
        actions.save_invitation(self.ctx, {name: f.value() for name, f in self.quota_fields.items()},
                                success=self.invitation.saved, failure=self.invitation.fail)
