"""The desktop console (PySide6). Nothing outside this package imports it; see ui/application.py."""
