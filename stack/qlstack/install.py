"""A real install on one machine, apart from the demo.

``qingling init --data-dir DIR --region CODE --admin NAME`` makes DIR an install: every secret
generated into ``DIR/secrets.env`` (readable by its owner only; a secret already set in the
environment is taken from there and not written), every database migrated, no demo data, and the
first admin of region CODE with a one-time password printed once. ``qingling run --data-dir DIR``
then runs it in production: the services refuse demo secrets, demo data and the steerable clock.
A DIR without the marker runs the demo.

A distributed deployment takes the same secrets as its settings file (``qingling init
--secrets-only``, ``qlstack.envfile``) and its first admin from ``qingling init --region CODE
--admin NAME`` without a directory, run once as a job against the identity database.

One process or many is the deployment's shape; demo or production is what it is for. The two
are kept apart: this module decides the second, ``embedded``/``stack`` the first.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from dotenv import dotenv_values

from qingling.regions import NATION, validate_jurisdiction_code
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher, build_embedded
from qlstack.services import SERVICE_NAMES

MARKER = "install.json"
SECRETS_FILE = "secrets.env"


class InstallError(Exception):
    """Something a person must fix before the install can go on (said in Chinese)."""


def token() -> str:
    return secrets.token_urlsafe(32)


def _compact(mapping: dict[str, str]) -> str:
    """JSON without spaces: one word on a settings file's line, as every .env reader takes it."""
    return json.dumps(mapping, separators=(",", ":"))


def secret_generators() -> dict[str, Callable[[], str]]:
    """Every secret an install needs, by the environment variable that carries it."""
    sealing_key_id = f"k{datetime.now(UTC):%Y%m}"
    service_secrets = {name: token() for name in SERVICE_NAMES}
    contact_keys = _compact({sealing_key_id: token()})  # reports seals reporters' phones for notify: one secret
    generators: dict[str, Callable[[], str]] = {
        f"QL_{name.upper()}_SERVICE_CLIENT_SECRET": (lambda name=name: service_secrets[name]) for name in SERVICE_NAMES
    }
    generators |= {
        # identity checks each service's secret: the same values, as one mapping
        "QL_IDENTITY_SERVICE_CLIENT_SECRETS": lambda: _compact(service_secrets),
        "QL_IDENTITY_KEY_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
        "QL_REPORTS_SEALING_KEYS": lambda: _compact({sealing_key_id: token()}),
        "QL_REPORTS_SEALING_KEY_ID": lambda: sealing_key_id,
        "QL_REPORTS_RECEIPT_HASH_KEY": token,
        "QL_HAZARDS_SECRET_KEY": token,
        "QL_NOTIFY_SEALING_KEYS": lambda: _compact({sealing_key_id: token()}),
        "QL_NOTIFY_SEALING_KEY_ID": lambda: sealing_key_id,
        "QL_REPORTS_REPORTER_CONTACT_KEYS": lambda: contact_keys,
        "QL_REPORTS_REPORTER_CONTACT_KEY_ID": lambda: sealing_key_id,
        "QL_NOTIFY_REPORTER_CONTACT_KEYS": lambda: contact_keys,
        "QL_NOTIFY_REPORTER_CONTACT_KEY_ID": lambda: sealing_key_id,
        "QL_METRICS_TOKEN": token,
    }
    return generators


def is_installed(data_dir: Path) -> bool:
    return (data_dir / MARKER).is_file()


def load_secrets(data_dir: Path) -> None:
    """Puts the install's secrets into the environment, where the services' settings read them;
    a variable already set there wins (an operator's secret store, a rotation in progress)."""
    path = data_dir / SECRETS_FILE
    if not path.is_file():
        return
    if path.stat().st_mode & 0o077:
        raise InstallError(f"{path} 可被其他用户读取：请执行 chmod 600 {path}")
    for name, value in dotenv_values(path).items():
        if value is not None:
            os.environ.setdefault(name, value)


def _write_secrets(data_dir: Path) -> None:
    path = data_dir / SECRETS_FILE
    if path.exists():  # an init that stopped halfway: its databases may already use these
        return
    lines = ["# 清零 Qingling 密钥 — 仅限本机所有者读取；备份时与数据目录一起加密保存。"]
    lines += [f"{name}={generate()}" for name, generate in secret_generators().items() if name not in os.environ]
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")


def _check_region(region_code: str) -> None:
    try:
        validate_jurisdiction_code(region_code)
    except ValueError as exc:
        raise InstallError(f"--region {region_code}：{exc}") from None


def _check_empty(data_dir: Path) -> None:
    if is_installed(data_dir):
        raise InstallError(f"{data_dir} 已经初始化过，不能再次初始化")
    if data_dir.exists() and any(data_dir.glob("*.db")):
        raise InstallError(f"{data_dir} 中已有数据库文件（可能是演示数据），请换一个空目录")


def production(data_dir: Path, **overrides: object) -> EmbeddedDispatcher:
    """The install in ``data_dir``, in one process, for real use."""
    load_secrets(data_dir)
    return build_embedded(data_dir, environment=Environment.PRODUCTION, load_demo_data=False, **overrides)


def initialise(data_dir: Path, region_code: str, admin: str) -> str:
    """Makes ``data_dir`` an install; answers the first admin's one-time password."""
    _check_region(region_code)
    _check_empty(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o700)
    _write_secrets(data_dir)
    place, password = asyncio.run(_databases_and_first_admin(data_dir, region_code, admin))
    marker = {"region_code": region_code, "region_name": place, "admin": admin}
    (data_dir / MARKER).write_text(json.dumps(marker | {"initialised_at": datetime.now(UTC).isoformat()}) + "\n")
    return password


async def _databases_and_first_admin(data_dir: Path, region_code: str, admin: str) -> tuple[str, str]:
    from identity.install import create_first_admin

    dispatcher = production(data_dir, run_workers=False)
    async with dispatcher.lifespan():
        transport = httpx.ASGITransport(app=dispatcher)
        async with httpx.AsyncClient(transport=transport) as client:
            place = await _place_name(client, "http://qingling.internal", region_code)
        identity = dispatcher.apps["/api/v1/identity"].state.runtime
        async with identity.unit_of_work() as session:
            return place, await create_first_admin(session, identity, admin, region_code, place)


def first_admin(region_code: str, admin: str) -> tuple[str, str]:
    """The first admin of a distributed deployment, in the identity database the environment names
    (``QL_IDENTITY_DATABASE_URL``, migrated by ``qingling migrate identity``): the region's name
    comes from the hazards service through the gateway. Answers the place and the one-time password."""
    _check_region(region_code)
    return asyncio.run(_first_admin_of_identity(region_code, admin))


async def _first_admin_of_identity(region_code: str, admin: str) -> tuple[str, str]:
    from identity.install import create_first_admin
    from identity.main import service
    from qingling.app import NotReady, check_ready
    from qingling.runtime import open_runtime

    settings = service.settings_class()
    async with open_runtime(service, settings) as runtime:
        try:
            await check_ready(runtime)
        except NotReady as exc:
            raise InstallError(f"identity 的数据库未就绪（{exc}）：请先运行 qingling migrate identity") from None
        place = await _place_name(runtime.http, settings.peer_url, region_code)
        async with runtime.unit_of_work() as session:
            return place, await create_first_admin(session, runtime, admin, region_code, place)


async def _place_name(client: httpx.AsyncClient, base_url: str, region_code: str) -> str:
    if region_code == NATION:
        return "全国"
    try:
        response = await client.get(f"{base_url}/api/v1/hazards/regions/{region_code}")
    except httpx.HTTPError as exc:
        problem = f"无法从 {base_url} 查询行政区划名录（{type(exc).__name__}）"
        raise InstallError(f"{problem}：请待网关与 hazards 服务就绪后重试") from None
    if response.status_code == 404:
        raise InstallError(f"--region {region_code}：行政区划名录中没有这个代码")
    if response.status_code != 200:
        raise InstallError(f"行政区划名录暂不可用（HTTP {response.status_code}）：请待 hazards 服务就绪后重试")
    return response.json()["name"]
