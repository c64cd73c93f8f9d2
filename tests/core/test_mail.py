"""send_mail over real sockets: an aiosmtpd sink and a local HTTP mail API on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.fakes.mail import MailApiSink, SmtpSink
from voapi_desktop.core.mail import MailError, MailNotConfigured, configuration_problem, send_mail
from voapi_desktop.core.settings import Settings

SECRET = "s3cret-password-value"


def smtp_settings(sink: SmtpSink, **extra: str) -> Settings:
    return Settings.load(env={**sink.settings(), "SYSTEM_NAME": "Test Gateway", **extra})


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def auth_sink():
    server = SmtpSink(account=("mailer", SECRET)).start()
    yield server
    server.stop()


@pytest.fixture
def api_sink():
    server = MailApiSink().start()
    yield server
    server.stop()


def test_plain_smtp_delivers_html_and_text_parts(sink):
    send_mail(smtp_settings(sink), "alice@example.com", "Hello", "<p>Hi &amp; welcome</p>")
    mail = sink.receive()
    assert mail.recipients == ["alice@example.com"] and mail.sender == "noreply@example.com"
    assert mail.message["Subject"] == "Hello"
    assert mail.message["From"] == "Test Gateway <noreply@example.com>"
    assert "<p>Hi &amp; welcome</p>" in mail.html
    assert mail.text.strip() == "Hi & welcome"


def test_smtp_login_over_loopback_delivers(auth_sink):
    settings = smtp_settings(auth_sink, SMTP_ACCOUNT="mailer", SMTP_TOKEN=SECRET)
    send_mail(settings, "bob@example.com", "Code", "<b>123456</b>", "123456")
    assert auth_sink.receive().text.strip() == "123456"


def test_wrong_smtp_password_is_a_clear_error_without_the_password(auth_sink):
    settings = smtp_settings(auth_sink, SMTP_ACCOUNT="mailer", SMTP_TOKEN=SECRET + "-wrong")
    with pytest.raises(MailError) as caught:
        send_mail(settings, "bob@example.com", "Code", "<b>1</b>")
    message = str(caught.value)
    assert "refused the account 'mailer'" in message and "SMTP_TOKEN" in message
    assert SECRET not in message


def test_implicit_tls_against_a_plain_server_says_to_turn_it_off(sink):
    settings = smtp_settings(sink, SMTP_SSL_ENABLED="true")
    with pytest.raises(MailError) as caught:
        send_mail(settings, "alice@example.com", "Hello", "<p>x</p>", timeout=3)
    message = str(caught.value)
    assert f"127.0.0.1:{sink.port}" in message and "SMTP_SSL_ENABLED" in message
    assert sink.inbox.empty()


def test_nothing_listening_is_a_connection_error():
    settings = Settings.load(env={"SMTP_SERVER": "127.0.0.1", "SMTP_PORT": "1", "SMTP_FROM": "a@example.com"})
    with pytest.raises(MailError, match="could not connect to the SMTP server 127.0.0.1:1"):
        send_mail(settings, "alice@example.com", "Hello", "<p>x</p>", timeout=3)


def test_unconfigured_mail_and_bad_addresses_are_refused_before_connecting(sink):
    assert configuration_problem(Settings.load(env={})) == \
        "mail is not configured on this gateway (SMTP_SERVER is empty)"
    with pytest.raises(MailNotConfigured):
        send_mail(Settings.load(env={}), "alice@example.com", "Hello", "x")
    with pytest.raises(MailError, match="not a mail address"):
        send_mail(smtp_settings(sink), "alice@example.com\r\nBcc: eve@example.com", "Hello", "x")
    with pytest.raises(MailError, match="one line"):
        send_mail(smtp_settings(sink), "alice@example.com", "Hello\nBcc: eve@example.com", "x")
    assert sink.inbox.empty()


def http_settings(url: str, **extra: str) -> Settings:
    return Settings.load(env={"MAIL_PROVIDER": "http", "MAIL_API_URL": url, "MAIL_API_KEY": "re_key_123",
                              "SMTP_FROM": "noreply@example.com", "SYSTEM_NAME": "Test Gateway", **extra})


def test_http_provider_posts_the_documented_json_with_a_bearer_key(api_sink):
    send_mail(http_settings(api_sink.url), "alice@example.com", "Hello", "<p>Hi</p>", "Hi")
    headers, body = api_sink.requests.get(timeout=5)
    assert headers["Authorization"] == "Bearer re_key_123"
    assert headers["Content-Type"] == "application/json"
    assert body == {"from": "Test Gateway <noreply@example.com>", "to": ["alice@example.com"],
                    "subject": "Hello", "html": "<p>Hi</p>", "text": "Hi"}


def test_http_provider_error_names_the_status_and_hides_the_key():
    api = MailApiSink(status=401, reply=b'{"message": "invalid key re_key_123"}').start()
    try:
        with pytest.raises(MailError) as caught:
            send_mail(http_settings(api.url), "alice@example.com", "Hello", "<p>Hi</p>")
    finally:
        api.stop()
    message = str(caught.value)
    assert message.startswith("the mail API at 127.0.0.1:") and "HTTP 401" in message
    assert "re_key_123" not in message


def test_http_provider_unreachable_and_unconfigured():
    with pytest.raises(MailError, match="could not reach the mail API at 127.0.0.1:1"):
        send_mail(http_settings("http://127.0.0.1:1/emails"), "alice@example.com", "Hello", "x", timeout=3)
    assert "MAIL_API_URL is empty" in configuration_problem(http_settings(""))
    assert "must start with http" in configuration_problem(http_settings("ftp://mail.example.com"))
