"""A mail submission server on loopback (``aiosmtpd``) as a relay would run one: STARTTLS with a
throwaway self-signed certificate made when it starts (``cryptography``), AUTH (PLAIN/LOGIN) only
after STARTTLS and required before MAIL, and the messages it accepted recorded with the envelope,
the parsed message and whether the session was encrypted and authenticated. It can refuse a
mailbox for good (550) and fail the next messages for now (451).

Run it for a demo: ``python -m standins.smtp --port 8703`` (from tests/support); it prints the
certificate's path to trust (QL_NOTIFY_SMTP_CA_FILE) and the account.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None  # the account that authenticated
    encrypted: bool  # the session ran STARTTLS before the message


@dataclass
class FakeSmtp:
    username: str = "notify@qingling.test"
    password: str = "smtp-test-password"
    received: list[ReceivedMail] = field(default_factory=list)
    failed_logins: int = 0
    unknown_mailboxes: set[str] = field(default_factory=set)  # RCPT answered 550
    failures_left: int = 0  # DATA answered 451 this many times

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list) -> str:
        if address in self.unknown_mailboxes:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        encrypted = session.ssl is not None
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message, login, encrypted))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.username
            and auth_data.password.decode() == self.password
        )
        if not ok:
            self.failed_logins += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    ca_file: Path  # the self-signed certificate, to trust


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate and key for ``host`` (and localhost), valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "qingling smtp stand-in")])
    now = datetime.now(UTC)
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        names.append(x509.DNSName(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@contextmanager
def serving_smtp(fake: FakeSmtp, host: str = "127.0.0.1", port: int = 0) -> Iterator[SmtpServer]:
    """Runs the server in its own thread on ``port`` or a free one; STARTTLS and AUTH required."""
    if not port:
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="smtp-standin-") as directory:
        cert_file, key_file = self_signed_certificate(Path(directory), host)
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(cert_file, key_file)
        controller = Controller(
            fake,
            hostname=host,
            port=port,
            server_hostname="qingling-smtp-standin",
            tls_context=tls,
            require_starttls=True,
            authenticator=fake.authenticate,
            auth_required=True,
            auth_require_tls=True,
        )
        controller.start()
        try:
            yield SmtpServer(host, port, cert_file)
        finally:
            controller.stop()


def main() -> None:
    import argparse
    import time

    parser = argparse.ArgumentParser(description="SMTP stand-in (STARTTLS, AUTH) printing what it receives")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8703)
    args = parser.parse_args()
    fake = FakeSmtp()
    with serving_smtp(fake, args.host, args.port) as server:
        print(f"SMTP on {server.host}:{server.port}, STARTTLS; trust {server.ca_file}")
        print(f"account {fake.username} / {fake.password}")
        seen = 0
        while True:
            time.sleep(1)
            for mail in fake.received[seen:]:
                print(f"--- from {mail.mail_from} to {', '.join(mail.rcpt_tos)}: {mail.message['Subject']}")
                print(mail.message.get_content())
            seen = len(fake.received)


if __name__ == "__main__":
    main()
