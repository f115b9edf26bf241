"""The distributed topology as local processes: PostgreSQL, one database and role per service,
each service under uvicorn (with replicas), its background workers (one process or more), and
nginx in front.

    with Stack() as stack:
        httpx.get(f"{stack.gateway_url}/api/v1/hazards/readyz")

Everything lives under one temp directory and is torn down on exit. The same code path as a
container deployment — only the process manager differs.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from qingling.settings import Environment
from qlstack.gateway import Nginx
from qlstack.index import index_html
from qlstack.postgres import PostgresCluster
from qlstack.services import SERVICE_NAMES, service_module


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    def __init__(
        self,
        root: Path | None = None,
        *,
        replicas: Mapping[str, int] | None = None,
        workers: Mapping[str, int] | int = 1,
        environment: Environment = Environment.TEST,
        settings: Mapping[str, object] | None = None,
    ) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="qingling-stack-"))
        self.settings = dict(settings or {})  # more settings for every service (each takes its own)
        self.root.chmod(0o755)  # the postgres user must reach its data directory inside
        self.replicas = {name: (replicas or {}).get(name, 1) for name in SERVICE_NAMES}
        per_service = workers if isinstance(workers, Mapping) else dict.fromkeys(SERVICE_NAMES, workers)
        self.workers = {name: per_service.get(name, 1) for name in SERVICE_NAMES}  # worker processes each
        self.environment = environment
        self.postgres = PostgresCluster(self.root / "postgres", free_port())
        self.gateway_port = free_port()
        self.gateway_url = f"http://127.0.0.1:{self.gateway_port}"
        self.clock_file = self.root / "clock.json"
        self.nginx: Nginx | None = None
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self._processes_lock = threading.Lock()  # processes may be killed and started from several threads
        self.env: dict[str, dict[str, str]] = {}
        self.upstreams: dict[str, list[str]] = {}  # service → its API replicas' host:port
        self.service_secrets = {name: secrets.token_urlsafe(24) for name in SERVICE_NAMES}
        self.metrics_token = secrets.token_urlsafe(24)

    def __enter__(self) -> Stack:
        try:
            self.up()
        except BaseException:
            self.down()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.down()

    def up(self, timeout: float = 90.0) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        self.postgres.start()
        for name in SERVICE_NAMES:
            self.env[name] = self._service_env(name)
            self._run(name, "migrate", [sys.executable, "-m", "qlstack.cli", "migrate", name])
            self.upstreams[name] = [f"127.0.0.1:{free_port()}" for _ in range(self.replicas[name])]
            self._serve(name)
        self.nginx = Nginx(
            self.root / "nginx",
            self.gateway_port,
            self.upstreams,
            index_html([service_module(name).service for name in SERVICE_NAMES]),
        )
        self.nginx.start()
        self.wait_ready(timeout)
        for name in SERVICE_NAMES:  # once every API answers, so the workers' first deliveries find them
            for _ in range(self.workers[name]):
                self.add_worker(name)

    def _serve(self, name: str) -> None:
        for replica in range(len(self.upstreams[name])):
            self._serve_replica(name, replica)

    def _serve_replica(self, name: str, replica: int) -> subprocess.Popen:
        port = self.upstreams[name][replica].rsplit(":", 1)[1]
        command = [sys.executable, "-m", "qlstack.cli", "serve", name, "--host", "127.0.0.1", "--port", port]
        return self._spawn(name, f"api-{replica}", command)

    def replica(self, name: str, replica: int = 0) -> subprocess.Popen:
        """A service's API replica (its address: ``upstreams[name][replica]``)."""
        return dict(self.processes)[f"{name}-api-{replica}"]

    def restart_replica(self, name: str, replica: int = 0, timeout: float = 60.0) -> None:
        """Starts a replica that was stopped again, on the port the gateway knows, and waits until
        it answers itself (the gateway answers from the other replicas meanwhile)."""
        process = self._serve_replica(name, replica)
        ready = f"http://{self.upstreams[name][replica]}/api/v1/{name}/readyz"
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name}-api-{replica} exited with {process.returncode}; see {self.root / 'logs'}")
            try:
                if httpx.get(ready, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}-api-{replica} not ready after {timeout}s; see {self.root / 'logs'}")
            time.sleep(0.2)

    def terminate(self, process: subprocess.Popen, timeout: float) -> int:
        """SIGTERM, as a container runtime stops a container, and its exit within ``timeout``
        seconds (``subprocess.TimeoutExpired`` otherwise); answers the exit status."""
        process.terminate()
        try:
            return process.wait(timeout=timeout)
        finally:
            if process.poll() is not None:
                self._forget(process)

    def _forget(self, process: subprocess.Popen) -> None:
        with self._processes_lock:
            self.processes = [entry for entry in self.processes if entry[1] is not process]

    def stop(self, name: str) -> None:
        """Stops a service's API replicas: the gateway answers 503 for it until ``start``."""
        stopping = [(label, p) for label, p in self.processes if label.startswith(f"{name}-api-")]
        for _, process in stopping:
            process.terminate()
            process.wait(timeout=10)
        self.processes = [entry for entry in self.processes if entry not in stopping]

    def start(self, name: str, timeout: float = 60.0) -> None:
        """Starts a stopped service's API replicas again, on the ports the gateway knows."""
        self._serve(name)
        self.wait_ready(timeout, [name])

    def add_worker(self, name: str) -> subprocess.Popen:
        """One more worker process for a service (workers share their work through row locks),
        under the first name no running worker has: ``worker``, ``worker-2`` … (a worker started
        after one was killed takes its name, and its log)."""
        running = {label for label, _ in self.processes}
        number = next(n for n in itertools.count(1) if f"{name}-{self._worker_role(n)}" not in running)
        return self._spawn(name, self._worker_role(number), [sys.executable, "-m", "qlstack.cli", "worker", name])

    def worker(self, name: str, number: int = 1) -> subprocess.Popen:
        """A service's running worker process: the first (``worker``), the second (``worker-2``) …"""
        return dict(self.processes)[f"{name}-{self._worker_role(number)}"]

    @staticmethod
    def _worker_role(number: int) -> str:
        return "worker" if number == 1 else f"worker-{number}"

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: no shutdown, no last transaction — what a crash or an OOM kill does."""
        process.kill()
        process.wait(timeout=10)
        self._forget(process)

    def wait_ready(self, timeout: float, names: Sequence[str] = SERVICE_NAMES) -> None:
        deadline = time.monotonic() + timeout
        pending = set(names)
        while pending:
            for name, process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited with {process.returncode}; see {self.root / 'logs'}")
            for name in list(pending):
                try:
                    if httpx.get(f"{self.gateway_url}/api/v1/{name}/readyz", timeout=2).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise TimeoutError(f"not ready after {timeout}s: {sorted(pending)}; see {self.root / 'logs'}")
            time.sleep(0.2)

    def down(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        for _, process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()
        self.postgres.stop()

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _service_env(self, name: str) -> dict[str, str]:
        prefix = f"QL_{name.upper()}_"
        url = self.postgres.create_database(name, secrets.token_hex(12))
        settings = {
            "ENVIRONMENT": self.environment.value,
            "DATABASE_URL": url,
            "DATA_DIR": str(self.root / "data" / name),
            "PEER_URL": self.gateway_url,
            "MIGRATE_ON_START": "false",
            "RUN_WORKERS": "false",
            "LOG_FORMAT": "json",
            "LOAD_DEMO_DATA": "true",
            "SERVICE_CLIENT_SECRET": self.service_secrets[name],
            "METRICS_TOKEN": self.metrics_token,
            "TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),  # nginx: the only one whose X-Forwarded-For counts
            **{key.upper(): str(value).lower() if isinstance(value, bool) else str(value)
               for key, value in self.settings.items()},
        }  # fmt: skip
        if name == "identity":
            settings["SERVICE_CLIENT_SECRETS"] = json.dumps(self.service_secrets)
        if self.environment is not Environment.PRODUCTION:
            settings["CLOCK_FILE"] = str(self.clock_file)
            settings["SWEEP_INTERVAL_SECONDS"] = "1"  # a moved clock is followed within a second
        return {prefix + key: value for key, value in settings.items()}

    def _run(self, name: str, role: str, command: list[str]) -> None:
        with open(self.root / "logs" / f"{name}-{role}.log", "ab") as log:
            subprocess.run(command, env={**os.environ, **self.env[name]}, stdout=log, stderr=log, check=True)

    def _spawn(self, name: str, role: str, command: list[str]) -> subprocess.Popen:
        log = open(self.root / "logs" / f"{name}-{role}.log", "ab")  # noqa: SIM115 - lives with the process
        process = subprocess.Popen(
            command, env={**os.environ, **self.env[name]}, stdout=log, stderr=log, start_new_session=True
        )
        log.close()
        with self._processes_lock:
            self.processes.append((f"{name}-{role}", process))
        return process
