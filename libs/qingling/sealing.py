"""Sealing personal data at rest, and keyed hashes of high-entropy secrets.

A reporter's identity and contact are sealed with AES-256-GCM (authenticated: a changed byte is
refused, not decrypted into garbage) under a key from settings; each sealed value names the key
it was sealed with, so keys can be rotated while old values stay readable; files (media at rest)
are sealed the same way, as bytes (``seal_bytes``). Receipt secrets are
random and long, so a keyed HMAC-SHA256 is the right digest — no password KDF needed — and the
key keeps a stolen table from being checked offline.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class SealBroken(ValueError):
    """The sealed value was changed, or was sealed with a key this service does not have."""


def derive_key(secret: str, purpose: str) -> bytes:
    """A 256-bit key for one purpose from a configured secret (keys for sealing and for hashing
    stay apart even when an operator sets a single secret)."""
    return hashlib.sha256(f"qingling:{purpose}:{secret}".encode()).digest()


class Sealer:
    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError(f"no sealing key {current!r}")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current

    def seal(self, plaintext: str, context: str) -> str:
        """``context`` (e.g. the record's id) is bound in: a value copied to another record fails."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def unseal(self, value: str, context: str) -> str:
        key_id, _, body = value.partition(":")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealBroken(f"unknown sealing key {key_id!r}")
        raw = base64.urlsafe_b64decode(body)
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as exc:
            raise SealBroken("sealed value does not verify") from exc

    def seal_bytes(self, plaintext: bytes, context: str) -> bytes:
        """As ``seal``, for bytes kept as bytes (a file): the key id's length and the key id, the
        nonce, then the ciphertext and its tag."""
        key_id = self._current.encode()
        if len(key_id) > 255:
            raise ValueError("a sealing key id for files is at most 255 bytes")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(nonce, plaintext, context.encode())
        return bytes([len(key_id)]) + key_id + nonce + sealed

    def unseal_bytes(self, value: bytes, context: str) -> bytes:
        length = value[0] if value else 0
        key_id = value[1 : 1 + length].decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealBroken(f"unknown sealing key {key_id!r}")
        nonce = value[1 + length : 1 + length + NONCE_BYTES]
        try:
            return cipher.decrypt(nonce, value[1 + length + NONCE_BYTES :], context.encode())
        except (InvalidTag, ValueError) as exc:  # ValueError: cut short before the nonce's end
            raise SealBroken("sealed value does not verify") from exc


def keyed_hash(key: bytes, secret: str) -> str:
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def same_secret(key: bytes, secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(keyed_hash(key, secret), stored_hash)
