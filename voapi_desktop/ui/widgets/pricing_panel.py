"""The pricing page's side panel: display unit and exchange rate, and the group ratios table.

Only widgets and signals; the page runs the actions.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QPushButton, QTableView, QVBoxLayout, QWidget)

from ...core.settings import Settings
from ..i18n import I18n
from ..models.price_table import GroupRatioModel, group_rows
from ..models.table_model import ROW_ROLE
from .cards import Card

UNITS = ("USD", "CNY", "TOKENS")


class PricingPanel(QWidget):
    """Signals:
        unit_chosen(str): the operator picked USD, CNY or TOKENS.
        rate_chosen(str): the operator finished typing a new exchange rate.
        set_group(str): "Set ratio" pressed, with the selected group ("" for a new one).
        remove_group(str): "Remove" pressed for the selected group.
    """

    unit_chosen = Signal(str)
    rate_chosen = Signal(str)
    set_group = Signal(str)
    remove_group = Signal(str)

    def __init__(self, i18n: I18n, groups: GroupRatioModel, parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n = i18n
        self.groups = groups
        self._rate = 0.0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        layout.addWidget(self._display_card())
        layout.addWidget(self._groups_card(), 1)
        self.setMinimumWidth(260)
        self.setMaximumWidth(340)

    def _display_card(self) -> Card:
        card = Card(self._i18n, "pricing.display.title")
        form = QFormLayout()
        self.unit = QComboBox()
        for unit in UNITS:
            self.unit.addItem("", unit)
        self._i18n.bind(self.unit, lambda _: [self.unit.setItemText(i, self._i18n.tr(f"pricing.unit.{u}"))
                                              for i, u in enumerate(UNITS)], "pricing.unit.USD")
        self.unit.activated.connect(lambda i: self.unit_chosen.emit(UNITS[i]))
        self.rate = QDoubleSpinBox(decimals=4, minimum=0.0001, maximum=100000, singleStep=0.1)
        self.rate.editingFinished.connect(self._rate_finished)
        unit_label, rate_label = QLabel(), QLabel()
        self._i18n.bind(unit_label, "setText", "pricing.display.unit")
        self._i18n.bind(rate_label, "setText", "pricing.display.rate")
        form.addRow(unit_label, self.unit)
        form.addRow(rate_label, self.rate)
        card.body.addLayout(form)
        self.per_unit = QLabel(objectName="muted")
        self.per_unit.setWordWrap(True)
        self._units = ""
        self._i18n.bind(self.per_unit, lambda _: self._show_per_unit(), "pricing.display.per_unit")
        card.body.addWidget(self.per_unit)
        return card

    def _groups_card(self) -> Card:
        card = Card(self._i18n, "pricing.group.heading")
        hint = QLabel(objectName="muted")
        hint.setWordWrap(True)
        self._i18n.bind(hint, "setText", "pricing.group.hint")
        card.body.addWidget(hint)
        self.table = QTableView()
        self.table.setModel(self.groups)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.doubleClicked.connect(lambda _: self.set_group.emit(self.selected_group()))
        card.body.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.set_button, self.remove_button = QPushButton(), QPushButton()
        self._i18n.bind(self.set_button, "setText", "pricing.group.set")
        self._i18n.bind(self.remove_button, "setText", "pricing.group.remove")
        self.set_button.clicked.connect(lambda: self.set_group.emit(self.selected_group()))
        self.remove_button.clicked.connect(lambda: self.selected_group() and
                                           self.remove_group.emit(self.selected_group()))
        buttons.addWidget(self.set_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        card.body.addLayout(buttons)
        return card

    def selected_group(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE).group if rows else ""

    def show_settings(self, settings: Settings, unit: str) -> None:
        """Fill the controls from stored settings (`unit` is what amounts are shown in)."""
        self.unit.setCurrentIndex(UNITS.index(unit))
        self._rate = float(settings["USD_EXCHANGE_RATE"])
        self.rate.blockSignals(True)
        self.rate.setValue(self._rate)
        self.rate.blockSignals(False)
        self._units = f"{settings['QUOTA_PER_UNIT']:,}"
        self._show_per_unit()
        selected = self.selected_group()
        self.groups.set_rows(group_rows(settings["GROUP_RATIO"]))
        for row, group in enumerate(self.groups.rows()):
            if group.group == selected:
                self.table.selectRow(row)

    def _show_per_unit(self) -> None:
        self.per_unit.setText(self._i18n.tr("pricing.display.per_unit", units=self._units) if self._units else "")

    def _rate_finished(self) -> None:
        if abs(self.rate.value() - self._rate) > 1e-9:
            self._rate = self.rate.value()
            self.rate_chosen.emit(f"{self._rate:.4f}".rstrip("0").rstrip("."))
