"""Fixtures of the fake upstream's own tests: one fake per module, reset around every test."""

from __future__ import annotations

import pytest

from tests.fakes.upstream import FakeUpstream


@pytest.fixture(scope="module")
def up():
    with FakeUpstream() as fake:
        yield fake


@pytest.fixture(autouse=True)
def _fresh(up):
    up.reset()
    yield
    up.reset()
