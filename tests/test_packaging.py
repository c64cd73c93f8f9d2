"""Qt is optional: `pip install voapi-desktop` gives the headless gateway, `[gui]` adds the console."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from voapi_desktop.core.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
# Makes `import PySide6` (and shiboken6) fail in a child process, as on a server install without the extra.
NO_QT = "import sys; sys.modules['PySide6'] = None; sys.modules['shiboken6'] = None; "


def _child_env(tmp_path: Path) -> dict[str, str]:
    names = {s.env for s in SETTINGS} | {"DATA_DIR", "SQL_DSN"}
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["DATA_DIR"] = str(tmp_path / "data")
    return env


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_QT + code], env=_child_env(tmp_path), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def test_pyside6_is_an_optional_extra():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not [d for d in project["dependencies"] if d.lower().startswith("pyside6")]
    assert any(d.lower().startswith("pyside6-essentials") for d in project["optional-dependencies"]["gui"])
    test = [d.lower().replace(" ", "") for d in project["optional-dependencies"]["test"]]
    assert "voapi-desktop[gui]" in test or any(d.startswith("pyside6") for d in test), \
        "the console's tests need Qt: the test extra must bring the gui extra"
    assert any(d.startswith("pyyaml") for d in test)  # tests/test_docker_files.py


def test_the_install_scripts_install_the_gui_extra():
    assert '-e ".[gui]"' in (ROOT / "scripts" / "run").read_text()
    assert '-e ".[test,gui]"' in (ROOT / "scripts" / "test").read_text()


def test_the_console_without_pyside6_says_which_extra_to_install(tmp_path):
    done = _run("from voapi_desktop.cli import main; sys.exit(main([]))", tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("the console needs the gui extra: pip install voapi-desktop[gui]\n")
    assert "voapi-desktop serve" in done.stderr


def test_serve_and_the_admin_commands_work_without_pyside6(tmp_path):
    code = ("from voapi_desktop.cli import main; import voapi_desktop.gateway.server, voapi_desktop.gateway.state; "
            "sys.exit(main(['user', 'list', '--json']) or main(['serve', '--help']))")
    done = _run(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"username": "root"' in done.stdout and "usage: voapi-desktop serve" in done.stdout
