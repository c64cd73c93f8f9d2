"""The periodic housekeeping round (gateway/background.py)."""

from __future__ import annotations

from voapi_desktop.core import clock
from voapi_desktop.gateway.background import housekeeping
from voapi_desktop.store import verification
from voapi_desktop.store.tables import VerificationCode


def test_housekeeping_deletes_expired_mail_codes(store):
    verification.issue_code(b"secret", "register", "old@example.com")
    verification.issue_code(b"secret", "register", "new@example.com")
    VerificationCode.update(expires_at=clock.now() - 1).where(
        VerificationCode.address == "old@example.com").execute()
    housekeeping(store.settings)
    assert [row.address for row in VerificationCode.select()] == ["new@example.com"]
