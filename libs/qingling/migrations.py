"""Alembic, one history per service, driven from code.

Each service's ``migrations/env.py`` calls ``run_migrations(service)``. The application runs
them on start-up in embedded mode (sharing its engine's connection, the documented
programmatic recipe), and ``qingling migrate <service>`` runs them in distributed deployments.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import structlog
from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from qingling.db import create_engine
from qingling.runtime import Runtime, Service
from qingling.settings import ServiceSettings


def alembic_config(service: Service, settings: ServiceSettings | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(service.migrations))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d_%%(slug)s")
    config.attributes["service"] = service
    config.attributes["settings"] = settings
    return config


async def prepare_database(runtime: Runtime) -> list[str]:
    """Everything a service's database needs before the service can serve: the newest schema,
    the service's bootstrap data, and — where asked for — the demo data. Runs once per
    deployment (on start in embedded mode, as the migration job in distributed mode); returns
    what the demo wants printed (credentials)."""
    await upgrade_to_head(runtime)
    service = runtime.service
    async with runtime.unit_of_work() as session:
        if service.bootstrap is not None:
            await service.bootstrap(session, runtime)
        if runtime.settings.load_demo_data and service.demo is not None:
            return await service.demo(session, runtime)
    return []


async def upgrade_to_head(runtime: Runtime) -> None:
    config = alembic_config(runtime.service, runtime.settings)

    def upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    with structlog.contextvars.bound_contextvars(service=runtime.service.name):
        async with runtime.engine.begin() as connection:
            await connection.run_sync(upgrade)


async def is_at_head(runtime: Runtime) -> bool:
    async with runtime.engine.connect() as connection:
        current = {row[0] for row in await connection.execute(text("SELECT version_num FROM alembic_version"))}
    return current == _script_heads(runtime.service.migrations)


@functools.cache
def _script_heads(migrations_dir: Path) -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return set(ScriptDirectory.from_config(config).get_heads())


def run_migrations(service: Service) -> None:
    """Body of every service's ``migrations/env.py``."""
    config = context.config
    service = config.attributes.get("service", service)
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, service)
        return
    # Invoked by the alembic command line (e.g. ``alembic revision --autogenerate``).
    settings = config.attributes.get("settings") or service.settings_class()
    asyncio.run(_migrate_with_engine(service, settings))


async def _migrate_with_engine(service: Service, settings: ServiceSettings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate, service)
    finally:
        await engine.dispose()


def _migrate(connection: Connection, service: Service) -> None:
    if connection.dialect.name == "postgresql":  # a backfill may outrun the limit set for requests
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(
        connection=connection,
        target_metadata=service.metadata,
        render_as_batch=True,  # SQLite can only ALTER by copying the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
