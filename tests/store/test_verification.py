"""Mail verification codes in the database: keyed hashes, expiry, single use, a limit on guesses."""

from __future__ import annotations

import threading

import pytest

from voapi_desktop.core import clock
from voapi_desktop.store import verification
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.tables import VerificationCode, database

SECRET = b"session-secret-1"
SIGN_UP = "register"


@pytest.fixture(autouse=True)
def _store(store):
    return store


def issue(address: str = "new@example.com") -> str:
    return verification.issue_code(SECRET, SIGN_UP, address)


def redeem(code: str, address: str = "new@example.com", secret: bytes = SECRET) -> None:
    verification.redeem_code(secret, SIGN_UP, address, code)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def refusal(code: str, **kwargs) -> str:
    with pytest.raises(InvalidInput) as caught:
        redeem(code, **kwargs)
    return str(caught.value)


def test_a_code_works_once_for_its_address_in_any_case():
    code = issue("New@Example.com")
    assert len(code) == 6 and code.isdigit()
    redeem(f" {code} ", address="NEW@example.COM")
    assert "request one first" in refusal(code)
    assert VerificationCode.select().count() == 0


def test_only_a_keyed_hash_of_the_code_is_stored():
    code = issue()
    row = VerificationCode.get()
    assert (row.purpose, row.address, row.attempts) == (SIGN_UP, "new@example.com", 0)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert refusal(code, secret=b"another-secret") == "wrong verification code"
    redeem(code)


def test_a_new_code_replaces_the_earlier_one():
    first = issue()
    second = issue()
    assert VerificationCode.select().count() == 1
    if first != second:
        assert refusal(first) == "wrong verification code"
    redeem(second)


def test_a_code_for_another_address_or_purpose_is_refused():
    code = issue("a@example.com")
    assert "request one first" in refusal(code, address="b@example.com")
    with pytest.raises(InvalidInput, match="request one first"):
        verification.redeem_code(SECRET, "other-purpose", "a@example.com", code)
    redeem(code, address="a@example.com")


def test_an_expired_code_is_refused_and_forgotten(monkeypatch):
    code = issue()
    later = clock.now() + verification.CODE_TTL
    monkeypatch.setattr(clock, "now", lambda: later)
    assert refusal(code) == "the verification code has expired; request a new one"
    assert "request one first" in refusal(code)


def test_five_wrong_guesses_burn_the_code_and_the_fifth_guess_may_be_right():
    code = issue()
    assert [refusal(wrong(code)) for _ in range(4)] == ["wrong verification code"] * 4
    assert refusal(wrong(code)) == "wrong verification code, too many times; request a new one"
    assert "request one first" in refusal(code)
    code = issue()  # a new code starts counting again
    for _ in range(4):
        refusal(wrong(code))
    redeem(code)


def run_together(attempts: list, count: int) -> list[object]:
    """Run attempts[i] in `count` threads released at once; each result is None or the refusal."""
    start = threading.Barrier(count)
    results: list[object] = []

    def attempt(call) -> None:
        start.wait()
        try:
            call()
            results.append(None)
        except InvalidInput as exc:
            results.append(str(exc))
        finally:
            database.close()

    threads = [threading.Thread(target=attempt, args=(call,)) for call in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_eight_concurrent_uses_of_one_code_let_exactly_one_through():
    code = issue()
    results = run_together([lambda: redeem(code)] * 8, 8)
    assert results.count(None) == 1
    assert all("request one first" in r for r in results if r is not None)


def test_concurrent_guesses_get_no_more_comparisons_than_the_limit():
    code = issue()
    results = run_together([lambda: redeem(wrong(code))] * 9 + [lambda: redeem(code)], 10)
    burnt = "wrong verification code, too many times; request a new one"
    assert results.count(burnt) + results.count(None) == 1  # burnt, or the right code came in time
    assert len([r for r in results if r == "wrong verification code"]) <= 4
    assert VerificationCode.select().count() == 0


def test_housekeeping_deletes_only_expired_codes():
    issue("a@example.com")
    now = clock.now()
    VerificationCode.update(expires_at=now).where(VerificationCode.address == "a@example.com").execute()
    issue("b@example.com")
    assert verification.delete_expired_codes(now) == 1
    assert [row.address for row in VerificationCode.select()] == ["b@example.com"]

