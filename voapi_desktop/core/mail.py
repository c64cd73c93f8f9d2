"""Outgoing mail behind one function, `send_mail`, with two providers chosen by MAIL_PROVIDER.

smtp: smtplib. SMTP_SSL_ENABLED means implicit TLS from the first byte (usually port 465);
otherwise plain SMTP upgraded with STARTTLS whenever the server offers it (port 587). The
account's password is sent only over TLS, or to a server on this machine.

http: a Resend-like JSON API. One request per mail:

    POST MAIL_API_URL
    Authorization: Bearer MAIL_API_KEY
    Content-Type: application/json
    {"from": "Name <sender@example.com>", "to": ["user@example.com"],
     "subject": "...", "html": "...", "text": "..."}

Any 2xx answer is success; redirects are not followed.

Both block (call them with asyncio.to_thread from a loop), use short timeouts, and raise
MailError with a message an operator can act on that never contains the password or key.
Standard library only: this is core.
"""

from __future__ import annotations

import ipaddress
import json
import re
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from html import unescape
from urllib.parse import urlsplit

TIMEOUT = 10.0  # seconds for connecting and for each reply
_ADDRESS = re.compile(r"^[^@\s<>\"',;:()\[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,251}[A-Za-z0-9])?$")


class MailError(Exception):
    """Mail could not be sent; the message says why (without secrets)."""


class MailNotConfigured(MailError):
    """The settings name no way to send mail."""


def valid_address(address: str) -> bool:
    """A plausible single mail address (no display name, no header tricks)."""
    return bool(address) and len(address) <= 254 and bool(_ADDRESS.match(address))


def sender(settings) -> str:
    """The From address: SMTP_FROM, else SMTP_ACCOUNT."""
    return (settings["SMTP_FROM"] or settings["SMTP_ACCOUNT"]).strip()


def configuration_problem(settings) -> str | None:
    """Why mail cannot be sent with these settings, or None when it can."""
    if settings["MAIL_PROVIDER"] == "http":
        if not settings["MAIL_API_URL"].strip():
            return "mail is not configured on this gateway (MAIL_API_URL is empty)"
        if urlsplit(settings["MAIL_API_URL"].strip()).scheme not in ("http", "https"):
            return "MAIL_API_URL must start with http:// or https://"
    elif not settings["SMTP_SERVER"].strip():
        return "mail is not configured on this gateway (SMTP_SERVER is empty)"
    if not valid_address(sender(settings)):
        return "mail is not configured on this gateway (SMTP_FROM is not a mail address)"
    return None


def send_mail(settings, to: str, subject: str, html: str, text: str = "", *,
              timeout: float = TIMEOUT, ssl_context: ssl.SSLContext | None = None) -> None:
    """Send one mail to `to` with the provider MAIL_PROVIDER names; MailError when it fails."""
    problem = configuration_problem(settings)
    if problem:
        raise MailNotConfigured(problem)
    if not valid_address(to):
        raise MailError(f"{to!r} is not a mail address")
    if "\n" in subject or "\r" in subject:
        raise MailError("the subject must be one line")
    if settings["MAIL_PROVIDER"] == "http":
        _send_http(settings, to, subject, html, text, timeout)
    else:
        _send_smtp(settings, _message(settings, to, subject, html, text), timeout, ssl_context)


def _message(settings, to: str, subject: str, html: str, text: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings["SYSTEM_NAME"], sender(settings)))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender(settings).rpartition("@")[2])
    message.set_content(text or _plain(html))
    message.add_alternative(html, subtype="html")
    return message


def _plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html)).strip()


def _scrub(text: str, *secrets: str) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


# --- SMTP -------------------------------------------------------------------------------------

def _send_smtp(settings, message: EmailMessage, timeout: float, context: ssl.SSLContext | None) -> None:
    host, port, implicit = settings["SMTP_SERVER"].strip(), settings["SMTP_PORT"], settings["SMTP_SSL_ENABLED"]
    where = f"the SMTP server {host}:{port}"
    context = context or ssl.create_default_context()
    try:
        if implicit:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            _secure_and_login(client, settings, host, implicit, context)
            client.send_message(message)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"{where} refused the account {settings['SMTP_ACCOUNT']!r} "
                        f"({exc.smtp_code}); check SMTP_ACCOUNT and SMTP_TOKEN") from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError(f"{where} refused the recipient address") from None
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(f"{where} refused the sender {sender(settings)!r} ({exc.smtp_code}); "
                        "check SMTP_FROM") from None
    except smtplib.SMTPResponseException as exc:
        detail = _scrub(_decode(exc.smtp_error), settings["SMTP_TOKEN"])
        raise MailError(f"{where} answered {exc.smtp_code}: {detail}") from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise MailError(_tls_problem(where, implicit, exc)) from None
    except smtplib.SMTPServerDisconnected:
        hint = " (does it speak implicit TLS on this port? SMTP_SSL_ENABLED is on)" if implicit else ""
        raise MailError(f"{where} closed the connection{hint}") from None
    except smtplib.SMTPException as exc:
        raise MailError(f"{where} failed: {_scrub(str(exc), settings['SMTP_TOKEN'])}") from None
    except TimeoutError:
        raise MailError(f"{where} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise MailError(f"could not connect to {where}: {exc.strerror or exc}") from None


def _secure_and_login(client: smtplib.SMTP, settings, host: str, implicit: bool,
                      context: ssl.SSLContext) -> None:
    client.ehlo()
    secure = implicit
    if not implicit and client.has_extn("starttls"):
        client.starttls(context=context)
        client.ehlo()
        secure = True
    account = settings["SMTP_ACCOUNT"].strip()
    if not account:
        return
    if not secure and not _is_local(host):
        raise MailError(f"the SMTP server {host} offers no STARTTLS, so the password would travel in "
                        "clear text; turn SMTP_SSL_ENABLED on (usually port 465) or use another server")
    client.login(account, settings["SMTP_TOKEN"])


def _tls_problem(where: str, implicit: bool, exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "verify_message", None) or type(exc).__name__
    if implicit and "WRONG_VERSION" in str(reason).upper():
        return (f"{where} does not speak TLS on this port ({reason}); turn SMTP_SSL_ENABLED off to use "
                "STARTTLS (usually port 587), or use the server's TLS port (usually 465)")
    return f"TLS with {where} failed: {reason}"


def _is_local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _decode(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


# --- HTTP mail API ----------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx then surfaces as an HTTPError


def _send_http(settings, to: str, subject: str, html: str, text: str, timeout: float) -> None:
    url, key = settings["MAIL_API_URL"].strip(), settings["MAIL_API_KEY"]
    parts = urlsplit(url)
    where = f"the mail API at {parts.hostname}{f':{parts.port}' if parts.port else ''}"
    body = json.dumps({"from": formataddr((settings["SYSTEM_NAME"], sender(settings))), "to": [to],
                       "subject": subject, "html": html, "text": text or _plain(html)}).encode()
    headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "voapi-desktop"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as answer:
            answer.read(65536)
    except urllib.error.HTTPError as exc:
        detail = _scrub(exc.read(300).decode("utf-8", "replace").strip(), key)
        raise MailError(f"{where} answered HTTP {exc.code}" + (f": {detail}" if detail else "")) from None
    except urllib.error.URLError as exc:
        raise MailError(f"could not reach {where}: {exc.reason}") from None
    except TimeoutError:
        raise MailError(f"{where} did not answer within {timeout:g} s") from None
    except OSError as exc:
        raise MailError(f"could not reach {where}: {exc.strerror or exc}") from None
