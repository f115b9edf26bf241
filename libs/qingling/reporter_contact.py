"""A reporter's phone on its way from the reports service to the notify service, which texts them
the steps of their tip-off: sealed (AES-256-GCM) under a key only those two services hold — the
same ``…_REPORTER_CONTACT_KEYS`` secret set for both — bound to the tip-off, and carried sealed in
the ``ReporterNotified`` event. Notify opens it only to send; everything else it keeps or logs is
the masked number. The key is derived for this purpose alone, so it is never a sealing key of
either service's own records."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from qingling.sealing import Sealer, derive_key

PURPOSE = "reporter-contact"
DEMO_KEYS = {"demo": "qingling-demo-reporter-contact-key"}


def contact_sealer(keys: Mapping[str, SecretStr], current: str) -> Sealer:
    return Sealer({key_id: derive_key(secret.get_secret_value(), PURPOSE) for key_id, secret in keys.items()}, current)


def contact_context(tip_off_id: int) -> str:
    """What a sealed phone is bound to: copied onto another tip-off's message, it does not open."""
    return f"reporter_contact:{tip_off_id}"
