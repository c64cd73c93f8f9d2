"""Light and dark palettes on the Fusion style, following the system unless told otherwise; an accent color."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

LIGHT = {"window": "#f5f6f8", "base": "#ffffff", "alt": "#f0f2f5", "text": "#1d2129", "muted": "#86909c",
         "button": "#ffffff", "border": "#dcdfe6", "sidebar": "#eceef2", "tooltip": "#ffffff"}
DARK = {"window": "#1e1f22", "base": "#26282c", "alt": "#2b2d31", "text": "#e6e6e6", "muted": "#8b8f97",
        "button": "#2f3136", "border": "#3a3d43", "sidebar": "#191a1c", "tooltip": "#2b2d31"}
STATUS_COLORS = {"ok": "#2e9d5b", "warn": "#d48806", "error": "#d9363e", "muted": "#86909c"}


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark


def is_dark(mode: str) -> bool:
    return mode == "dark" or (mode == "system" and system_is_dark())


def palette(dark: bool, accent: str) -> QPalette:
    c = {k: QColor(v) for k, v in (DARK if dark else LIGHT).items()}
    accent_color = QColor(accent) if QColor(accent).isValid() else QColor("#3b6ef5")
    p = QPalette()
    roles = {QPalette.Window: c["window"], QPalette.WindowText: c["text"], QPalette.Base: c["base"],
             QPalette.AlternateBase: c["alt"], QPalette.Text: c["text"], QPalette.Button: c["button"],
             QPalette.ButtonText: c["text"], QPalette.ToolTipBase: c["tooltip"], QPalette.ToolTipText: c["text"],
             QPalette.PlaceholderText: c["muted"], QPalette.Highlight: accent_color,
             QPalette.HighlightedText: QColor("#ffffff"), QPalette.Link: accent_color,
             QPalette.Mid: c["border"], QPalette.Midlight: c["alt"], QPalette.Light: c["base"],
             QPalette.Dark: c["border"], QPalette.Shadow: c["border"]}
    for role, color in roles.items():
        p.setColor(role, color)
    if hasattr(QPalette, "Accent"):
        p.setColor(QPalette.Accent, accent_color)
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, c["muted"])
    return p


def stylesheet(dark: bool, accent: str) -> str:
    c = DARK if dark else LIGHT
    return f"""
    QListWidget#sidebar {{ background: {c['sidebar']}; border: none; padding: 8px 6px; outline: 0; }}
    QListWidget#sidebar::item {{ padding: 8px 12px; border-radius: 6px; margin: 1px 0; }}
    QListWidget#sidebar::item:selected {{ background: {accent}; color: white; }}
    QListWidget#sidebar::item:hover:!selected {{ background: {c['alt']}; }}
    QWidget#sidebarPanel {{ background: {c['sidebar']}; }}
    QLabel#brand {{ font-size: 15px; font-weight: 600; padding: 14px 16px 6px 16px; }}
    QLabel#pageTitle {{ font-size: 18px; font-weight: 600; }}
    QLabel#muted {{ color: {c['muted']}; }}
    QFrame#card {{ background: {c['base']}; border: 1px solid {c['border']}; border-radius: 8px; }}
    QLabel#cardValue {{ font-size: 20px; font-weight: 600; }}
    QLabel#cardTitle {{ color: {c['muted']}; }}
    QLabel#errorText {{ color: {STATUS_COLORS['error']}; }}
    QTableView {{ gridline-color: {c['border']}; border: 1px solid {c['border']}; border-radius: 6px; }}
    QHeaderView::section {{ background: {c['alt']}; padding: 5px 8px; border: none;
                            border-bottom: 1px solid {c['border']}; font-weight: 600; }}
    QPushButton {{ padding: 4px 12px; border: 1px solid {c['border']}; border-radius: 5px;
                   background: {c['button']}; }}
    QToolButton {{ padding: 4px 18px 4px 10px; border: 1px solid {c['border']}; border-radius: 5px;
                   background: {c['button']}; }}
    QToolButton::menu-indicator {{ subcontrol-origin: padding; subcontrol-position: right center; right: 5px; }}
    QPushButton:hover, QToolButton:hover {{ border-color: {accent}; }}
    QPushButton:disabled {{ color: {c['muted']}; }}
    QPushButton#primary {{ background: {accent}; color: white; border: none; border-radius: 5px;
                           padding: 5px 14px; }}
    QPushButton#primary:disabled {{ background: {c['border']}; color: {c['muted']}; }}
    """


def apply_theme(app: QApplication, mode: str, accent: str) -> bool:
    """Style the whole application; returns whether the dark palette was chosen."""
    dark = is_dark(mode)
    app.setStyle("Fusion")
    app.setPalette(palette(dark, accent))
    app.setStyleSheet(stylesheet(dark, accent))
    return dark
