"""The mails the gateway sends: (subject, html, text) for each, every value HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import NamedTuple


class Mail(NamedTuple):
    subject: str
    html: str
    text: str


def _html(*paragraphs: str) -> str:
    return "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)


def verification_code(system_name: str, code: str, minutes: int) -> Mail:
    """The code that proves a sign-up owns the address."""
    name = escape(system_name)
    return Mail(
        f"{system_name} email verification",
        _html(f"Your verification code for {name} is:", f"<strong style=\"font-size:1.4em\">{escape(code)}</strong>",
              f"It is valid for {minutes} minutes. If you did not ask for it, ignore this mail."),
        f"Your verification code for {system_name} is: {code}\n"
        f"It is valid for {minutes} minutes. If you did not ask for it, ignore this mail.\n")


def password_reset(system_name: str, username: str, link: str, minutes: int) -> Mail:
    """The link that lets the owner of the address choose a new password."""
    name, user, href = escape(system_name), escape(username), escape(link, quote=True)
    return Mail(
        f"{system_name} password reset",
        _html(f"Someone asked to reset the password of the account <strong>{user}</strong> on {name}.",
              f"<a href=\"{href}\">Choose a new password</a> (or open {href}).",
              f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this mail: "
              "your password stays as it is."),
        f"Someone asked to reset the password of the account {username} on {system_name}.\n"
        f"Choose a new password here: {link}\n"
        f"The link works once, for {minutes} minutes. If you did not ask for it, ignore this mail.\n")


def quota_low(system_name: str, username: str, balance: str, threshold: str, link: str) -> Mail:
    """The notice that a balance fell below the operator's threshold."""
    name, user = escape(system_name), escape(username)
    top_up = f" Top up at <a href=\"{escape(link, quote=True)}\">{escape(link)}</a>." if link else ""
    return Mail(
        f"{system_name}: your balance is low",
        _html(f"Hello {user},", f"your balance on {name} is now {escape(balance)}, below {escape(threshold)}. "
              f"Requests will be refused once it runs out.{top_up}"),
        f"Hello {username},\nyour balance on {system_name} is now {balance}, below {threshold}. "
        f"Requests will be refused once it runs out.{' Top up at ' + link + '.' if link else ''}\n")
