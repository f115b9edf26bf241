"""A throwaway PostgreSQL cluster in a directory of its own, on a loopback port.

``initdb`` refuses to run as root, so when we are root the server runs as the ``postgres``
user (the data directory is handed over to it).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class MissingTool(RuntimeError):
    """A program the stack needs (PostgreSQL, nginx) is not installed."""


def postgres_bindir() -> Path:
    if initdb := shutil.which("initdb"):
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not candidates:
        raise MissingTool("PostgreSQL server binaries (initdb) not found: apt-get install postgresql")
    return Path(candidates[0]).parent


@dataclass
class PostgresCluster:
    root: Path
    port: int

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def start(self) -> None:
        bindir = postgres_bindir()
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._as_owner(
            bindir / "initdb",
            "-D",
            self.datadir,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        self.restart()

    def restart(self) -> None:
        """Starts the server on the cluster already in ``root`` (one ``start`` made)."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=300"
        self._as_owner(
            postgres_bindir() / "pg_ctl", "-D", self.datadir, "-l", self.root / "postgres.log", "-o", options,
            "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.datadir / "postmaster.pid").exists():
            self._as_owner(postgres_bindir() / "pg_ctl", "-D", self.datadir, "-m", "fast", "-w", "stop")

    def create_database(self, name: str, password: str) -> str:
        """A role and a database of the same name; returns the asyncpg URL."""
        self.psql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {name} OWNER {name}")
        return f"postgresql+asyncpg://{name}:{password}@127.0.0.1:{self.port}/{name}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(
            [
                "psql",
                "-d",
                database,
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-v",
                "ON_ERROR_STOP=1",
                "-At",
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def _as_owner(self, *command: object) -> None:
        args = [str(part) for part in command]
        if os.geteuid() == 0:
            args = ["runuser", "-u", "postgres", "--", *args]
        result = subprocess.run(args, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr or result.stdout}")
