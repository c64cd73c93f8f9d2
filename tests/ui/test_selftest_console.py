"""`voapi-desktop --selftest-console PNG` (what scripts/ci-binary runs on the executable), installed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from voapi_desktop.core.settings import SETTINGS


@pytest.mark.slow
def test_the_console_self_test_opens_the_console_serves_and_saves_the_window(tmp_path):
    names = {s.env for s in SETTINGS} | {"DATA_DIR", "SQL_DSN"}
    env = {k: v for k, v in os.environ.items() if k not in names} | {"QT_QPA_PLATFORM": "offscreen",
                                                                     "HOME": str(tmp_path)}
    png = tmp_path / "console.png"
    done = subprocess.run([sys.executable, "-m", "voapi_desktop", "--selftest-console", str(png)], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "selftest-console: gateway serving, window" in done.stdout and "passed" in done.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "Traceback" not in done.stderr


def test_without_qt_it_fails_with_a_message_not_a_traceback(tmp_path):
    code = ("import sys; sys.modules['PySide6'] = None; from voapi_desktop.cli import main; "
            f"sys.exit(main(['--selftest-console', {str(tmp_path / 'x.png')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "selftest-console: FAILED: no Qt" in done.stderr
    assert "Traceback" not in done.stderr
