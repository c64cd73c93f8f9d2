"""CI smoke of the benchmark runner (bench/run.py --smoke): about 5 s of load, then the ledger check.

Benchmarks are not tests: no figure is asserted here, only that the runner works end to end
(fake upstream, gateway started with the CLI, both load paths, the table, the books reconciling).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_benchmark_runner_smoke():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--client", "python"],
                          cwd=ROOT, capture_output=True, text=True, timeout=140)
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    out = done.stdout
    assert "non-stream POST /v1/chat/completions" in out
    for concurrency in (1, 16, 64):
        assert f"\n{concurrency:>4}  direct " in out and f"\n{concurrency:>4}  gateway " in out
    assert "streaming: 64 concurrent streams" in out
    assert "[FAIL]" not in out
    assert "[ok] every completed request in the ledger (by request id)" in out
    assert "[ok] user quota == initial - sum(consume)" in out
    assert "targets:" in out
