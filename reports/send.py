"""Sending a report: by SMTP (SMTP_HOST, SMTP_PORT, SMTP_STARTTLS, SMTP_USER, SMTP_PASSWORD,
SMTP_FROM) to e-mail addresses, or as JSON to a webhook from the admins' list
(REPORT_WEBHOOKS). A failure says what failed in words ("connection refused by
smtp.example:587"); whether to try again is the caller's (reports/runs.py)."""

from __future__ import annotations

import base64
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import requests

from reports.render import DeliveryError, ReportFile, Undeliverable
from settings import Settings

SMTP_TIMEOUT = 30.0
WEBHOOK_TIMEOUT = 30.0


def mail(
    settings: Settings,
    to: tuple[str, ...],
    subject: str,
    text: str,
    attachment: ReportFile | None = None,
) -> str:
    """Sends one message to `to`; its Message-ID."""
    if not settings.smtp_host:
        raise Undeliverable("no mail server is configured (set SMTP_HOST); nothing was sent")
    message = EmailMessage()
    try:
        message["From"] = settings.smtp_from
        message["To"] = ", ".join(to)
        message["Subject"] = subject
    except ValueError as exc:  # a line break in a header: the email library refuses it
        raise Undeliverable(f"the message's headers cannot be written: {exc}") from None
    message["Date"] = formatdate(localtime=False)
    domain = settings.smtp_from.rpartition("@")[2] or "teamdash.local"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text)
    if attachment is not None:
        main, _, sub = attachment.media_type.partition("/")
        message.add_attachment(
            attachment.body, maintype=main, subtype=sub, filename=attachment.filename
        )
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except ConnectionRefusedError:
        raise DeliveryError(f"connection refused by {where}") from None
    except TimeoutError:
        raise DeliveryError(f"no answer from {where} within {SMTP_TIMEOUT:g} s") from None
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(sorted(exc.recipients))
        raise Undeliverable(f"{where} refused the recipients {refused}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"{where} refused the login of SMTP_USER: {exc.smtp_error!r}") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"sending through {where} failed: {exc}") from None
    return message["Message-ID"]


def webhook(url: str, payload: dict, attachment: ReportFile | None = None) -> str:
    """Posts `payload` (Slack-style: a `text` field) as JSON, the file base64-encoded under
    `attachment`; what the hook answered."""
    body = dict(payload)
    if attachment is not None:
        body["attachment"] = {
            "filename": attachment.filename,
            "content_type": attachment.media_type,
            "base64": base64.b64encode(attachment.body).decode(),
        }
    try:
        response = requests.post(url, json=body, timeout=WEBHOOK_TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        raise DeliveryError(
            f"webhook {url} could not be reached: {exc.__class__.__name__}"
        ) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {url} answered HTTP {response.status_code}")
    return f"webhook HTTP {response.status_code}"
