"""`voapi-desktop --selftest`: in-process, as `python -m voapi_desktop --selftest`, and with Qt unavailable."""

from __future__ import annotations

import os
import subprocess
import sys

from voapi_desktop import selftest, selftest_upstream

CHECKS = ["fake upstream listening", "store opened", "channel, price and key configured",
          "gateway serving on port 0", "GET /api/status", "chat completion, non-stream",
          "chat completion, stream", "ledger billed both"]


def _run_in_process() -> tuple[int, list[str]]:
    lines: list[str] = []
    return selftest.run(out=lines.append), lines


def test_selftest_passes_every_check_and_prints_one_line_each():
    code, lines = _run_in_process()
    assert code == 0, "\n".join(lines)
    assert [line.split("ok   ", 1)[1].split(" (")[0] for line in lines[:-1]] == CHECKS
    assert lines[-1] == "selftest: passed"
    assert "2 requests billed 20 quota each" in lines[-2]


def test_a_wrong_answer_fails_the_run_with_a_readable_line(monkeypatch):
    monkeypatch.setattr(selftest_upstream, "completion", lambda: selftest_upstream._plain("200 OK", {
        "id": "x", "object": "chat.completion", "model": selftest_upstream.MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "wrong"}, "finish_reason": "stop"}],
        "usage": selftest_upstream.USAGE}))
    code, lines = _run_in_process()
    assert code == 1
    assert "selftest: FAIL chat completion, non-stream: the answer was 'wrong'" in "\n".join(lines)
    assert lines[-1] == "selftest: FAILED"
    assert not any("Traceback" in line for line in lines)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_DIR", "SQL_DSN", "REDIS_CONN_STRING", "PORT")}
    env.pop("PYTHONWARNINGS", None)
    return env


def test_python_m_voapi_desktop_selftest_exits_0():
    done = subprocess.run([sys.executable, "-m", "voapi_desktop", "--selftest"], capture_output=True, text=True,
                          timeout=60, env=_env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "selftest: passed"
    assert "Traceback" not in done.stderr


def test_selftest_needs_no_qt():
    blocked = ("import runpy, sys; sys.modules['PySide6'] = None; sys.argv = ['voapi-desktop', '--selftest']; "
               "runpy.run_module('voapi_desktop', run_name='__main__')")
    done = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, timeout=60, env=_env())
    assert done.returncode == 0, done.stdout + done.stderr
