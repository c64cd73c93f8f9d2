"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import pytest

from tests.e2e import helpers


@pytest.fixture
def sdk(gateway):
    """`sdk(key)`: an official openai client for the live gateway, closed after the test."""
    made = []

    def make(key: str, **options):
        client = helpers.sdk(gateway, key, **options)
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()
