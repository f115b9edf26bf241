"""E-mail over SMTP with ``aiosmtplib``: STARTTLS (or implicit TLS), then AUTH, then the message.

The certificate is always checked: against the system's CAs, plus ``QL_NOTIFY_SMTP_CA_FILE`` for a
relay with a private CA. A plain connection is allowed only where the settings allow it (never in
production). Every message is marked ``Auto-Submitted: auto-generated`` (RFC 3834) so that
out-of-office replies are not sent back to it; its Message-ID is the provider message id.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from typing import ClassVar, Literal

import aiosmtplib
import structlog

from notify.channels.base import Adapter, ChannelName, Failure, Message, SendFailed, Sent
from notify.channels.masking import mask_email

log = structlog.get_logger(__name__)


class SmtpEmail(Adapter):
    name: ClassVar[ChannelName] = ChannelName.EMAIL

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        security: Literal["starttls", "tls", "none"] = "starttls",
        username: str | None = None,
        password: str | None = None,
        ca_file: Path | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._host, self._port, self._security = host, port, security
        self._sender = sender
        self._username, self._password = username, password
        self._timeout = timeout
        self._tls: ssl.SSLContext | None = None
        if security != "none":
            self._tls = ssl.create_default_context()
            if ca_file is not None:
                self._tls.load_verify_locations(cafile=str(ca_file))
        self._domain = parseaddr(sender)[1].rpartition("@")[2] or "qingling.invalid"

    def handles(self, kind: str) -> bool:
        return True  # e-mail carries any message's own wording; no provider template

    async def send(self, message: Message) -> Sent:
        if not message.subject or not message.text:
            raise SendFailed(Failure.REJECTED, self.name, "no-text", "邮件需要标题和正文")
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message_id = make_msgid(idstring=message.reference or None, domain=self._domain)
        mail["Auto-Submitted"] = "auto-generated"
        mail.set_content(message.text)
        masked = mask_email(message.to)
        try:
            await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",  # True: refuse a server that does not offer it
                tls_context=self._tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPException as exc:
            failed = _failed(exc, message.to)
            log.warning("e-mail not sent", to=masked, kind=message.kind, code=failed.code, failure=failed.failure)
            raise failed from exc
        except ssl.SSLCertVerificationError as exc:  # not the server we meant, or a CA we do not trust
            log.warning("e-mail not sent", to=masked, kind=message.kind, error=type(exc).__name__)
            raise SendFailed(Failure.REJECTED, self.name, type(exc).__name__, "邮件服务器证书无法验证") from exc
        except OSError as exc:
            log.warning("e-mail not sent", to=masked, kind=message.kind, error=type(exc).__name__)
            raise SendFailed(Failure.RETRY, self.name, type(exc).__name__, "邮件服务器无法连接") from exc
        log.info("e-mail sent", to=masked, kind=message.kind)
        return Sent(self.name, message_id)


def _failed(exc: aiosmtplib.SMTPException, recipient: str) -> SendFailed:
    """The server's code decides: 4xx is "later", 5xx "never" — for the mailbox (the next channel)
    or for the message and the account (a person). The server's words can name the mailbox: masked."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        exc = exc.recipients[0]
    code = getattr(exc, "code", None)
    text = str(getattr(exc, "message", "") or type(exc).__name__).replace(recipient, mask_email(recipient))[:300]
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        failure = Failure.REJECTED  # e.g. no STARTTLS offered: the settings or the server need a person
    elif not isinstance(code, int) or code < 500:
        failure = Failure.RETRY  # 4xx, a timeout, a dropped connection
    elif isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        failure = Failure.REFUSED  # no such mailbox, or it takes nothing from us
    else:
        failure = Failure.REJECTED  # authentication, sender, content
    return SendFailed(failure, ChannelName.EMAIL, f"SMTP {code}" if isinstance(code, int) else type(exc).__name__, text)
