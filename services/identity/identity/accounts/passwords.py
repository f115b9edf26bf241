"""Password hashing (argon2 through pwdlib) and the password policy."""

from __future__ import annotations

import asyncio
import re

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from qingling.errors import ValidationFailed

MIN_LENGTH = 10
_CLASSES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")


class Passwords:
    def __init__(self, *, fast: bool = False, hasher: Argon2Hasher | None = None) -> None:
        # Tests use a cheap argon2 profile; the hashes stay real argon2id.
        if hasher is None:
            hasher = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else Argon2Hasher()
        self._hash = PasswordHash((hasher,))
        self._dummy = self._hash.hash("timing-equaliser")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hash.hash, password)

    async def verify(self, password: str, hashed: str | None) -> bool:
        """Checks against a dummy hash when there is no account: the same work, so neither the
        answer nor its timing tells whether the user name exists."""
        return await asyncio.to_thread(self._hash.verify, password, hashed or self._dummy) and hashed is not None


def check_policy(password: str, username: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.for_field(field, f"密码至少 {MIN_LENGTH} 位")
    if sum(bool(re.search(pattern, password)) for pattern in _CLASSES) < 3:
        raise ValidationFailed.for_field(field, "密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        raise ValidationFailed.for_field(field, "密码不能包含用户名")
