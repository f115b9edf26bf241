"""``qingling``: run the system, its parts, and its housekeeping.

qingling run                 everything in one process on SQLite: the demo, or an install (--data-dir)
qingling init                make a directory a real install: secrets, databases, the first admin;
                             --secrets-only: a compose deployment's .env; no --data-dir: its first admin
qingling stack up            the distributed topology as local processes (PostgreSQL + nginx)
qingling serve <service>     run one service's API (distributed deployments)
qingling migrate <service>   bring a service's database to the latest schema
qingling worker <service>    run a service's background workers (outbox relay, …)
qingling generate [--check]  regenerate (or only compare) openapi/ and deploy/gateway/
qingling bench [--smoke|--full] every benchmark under bench/ against its bare baselines (a checkout only)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from qlstack.services import SERVICE_NAMES, service_module

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp

    from qingling.runtime import Runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qingling", description="清零 Qingling")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="单进程运行（SQLite）：已初始化的数据目录为正式运行，否则为演示")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8350)
    run.add_argument("--data-dir", type=Path, default=Path("var/demo"))

    init = commands.add_parser(
        "init",
        help="初始化正式安装：单机（--data-dir）生成密钥、建库并创建首个管理员；"
        "分布式部署先以 --secrets-only 生成设置文件，再不带 --data-dir 在 identity 的数据库中创建首个管理员",
    )
    init.add_argument("--data-dir", type=Path, help="单机安装的数据目录")
    init.add_argument("--region", help="本安装的行政区划代码，如 330521（国家级为 000000）")
    init.add_argument("--admin", help="首个系统管理员的登录名")
    init.add_argument(
        "--secrets-only",
        action="store_true",
        help="只把 docker-compose 部署的设置文件（全部密钥新生成）写到标准输出：./ql init --secrets-only > .env",
    )

    stack = commands.add_parser("stack", help="以本地进程运行分布式拓扑（PostgreSQL + nginx）")
    stack.add_argument("action", choices=["up"])
    stack.add_argument("--replicas", type=int, default=1, help="每个服务的 API 副本数")
    stack.add_argument("--workers", type=int, default=1, help="每个服务的后台任务进程数")

    for name, help_text in (
        ("serve", "运行单个服务的 API（分布式部署）"),
        ("migrate", "迁移服务数据库到最新结构"),
        ("worker", "运行服务的后台任务"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("service", choices=SERVICE_NAMES)
        if name == "worker":
            sub.add_argument(
                "--check", action="store_true", help="健康检查：该服务的后台任务近期未完成任何一轮时以非零状态退出"
            )
        if name == "serve":
            sub.add_argument("--host", default="0.0.0.0")
            sub.add_argument("--port", type=int, default=8000)

    generate = commands.add_parser("generate", help="重新生成 openapi/ 与 deploy/gateway/（--check 只比较不写入）")
    generate.add_argument("--check", action="store_true")

    # Its options are bench/run.py's own (--smoke, --full, --only …): passed through as they are.
    commands.add_parser("bench", help="运行 bench/ 下全部性能基准（与同次测得的基线对比），汇总并写入 bench/results/")

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        return _bench(argv[1:])
    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def _run(args: argparse.Namespace) -> int:
    import structlog

    from qingling.docs import DEMO_NOTICE
    from qingling.logs import configure_logging
    from qlstack import install
    from qlstack.embedded import build_embedded

    configure_logging()
    installed = install.is_installed(args.data_dir)
    try:
        dispatcher = install.production(args.data_dir) if installed else build_embedded(args.data_dir)
    except (install.InstallError, ValueError) as exc:  # settings refuse demo secrets in production
        print(f"无法启动：{exc}", file=sys.stderr)
        return 1
    base = f"http://{args.host}:{args.port}"

    def banner() -> None:
        kind = "正式运行" if installed else "演示"
        lines = [f"清零 Qingling 已启动（{kind}，单进程，数据目录 {args.data_dir}）", f"  首页      {base}/"]
        lines += [f"  {app.title:<8}{base}{prefix}/docs" for prefix, app in dispatcher.apps.items()]
        if demo := dispatcher.demo_lines():
            lines += ["演示账号：", *(f"  {line}" for line in demo)]
        print("\n".join(lines), flush=True)
        if not installed:
            structlog.get_logger().warning(
                DEMO_NOTICE, hint="正式使用请先运行 ./ql init --data-dir 目录 --region 代码 --admin 登录名"
            )

    dispatcher.on_started = banner
    return _serve_until_stopped(dispatcher, list(dispatcher.apps.values()), args.host, args.port)


def _init(args: argparse.Namespace) -> int:
    from identity.install import FirstAdminRefused
    from qingling.logs import configure_logging
    from qlstack import install

    if args.secrets_only:
        if args.data_dir or args.region or args.admin:
            print("--secrets-only 不与 --data-dir、--region、--admin 同用", file=sys.stderr)
            return 2
        from qlstack.envfile import with_fresh_secrets

        print(with_fresh_secrets(), end="", flush=True)
        return 0
    if not (args.region and args.admin):
        print("请给出 --region 与 --admin（或用 --secrets-only 只生成设置文件）", file=sys.stderr)
        return 2
    os.environ.setdefault("QL_LOG_LEVEL", "WARNING")  # migrations' chatter is not for this screen
    configure_logging(level="WARNING")
    try:
        if args.data_dir is None:  # a distributed deployment: identity's database, as configured
            place, password = install.first_admin(args.region, args.admin)
        else:
            password = install.initialise(args.data_dir, args.region, args.admin)
    except (install.InstallError, FirstAdminRefused) as exc:
        print(f"初始化失败：{exc}", file=sys.stderr)
        return 1
    if args.data_dir is None:
        print(
            f"已创建首个管理员 {args.admin}（{place}，行政区划 {args.region}），一次性密码：{password}\n"
            "  该密码只显示这一次；首次登录须先修改密码。",
            flush=True,
        )
        return 0
    print(
        f"已初始化 {args.data_dir}（行政区划 {args.region}）。\n"
        f"  密钥文件  {args.data_dir / install.SECRETS_FILE}（仅所有者可读，请与数据目录一起备份）\n"
        f"  首个管理员 {args.admin}，一次性密码：{password}\n"
        "  该密码只显示这一次；首次登录须先修改密码。\n"
        f"启动：./ql run --data-dir {args.data_dir}",
        flush=True,
    )
    return 0


def _stack(args: argparse.Namespace) -> int:
    from qlstack.stack import Stack

    with Stack(replicas=dict.fromkeys(SERVICE_NAMES, args.replicas), workers=args.workers) as running:
        print(f"网关 {running.gateway_url}/ · 日志 {running.root / 'logs'} · Ctrl-C 停止", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


def _serve(args: argparse.Namespace) -> int:
    app = service_module(args.service).create_app()
    return _serve_until_stopped(app, [app], args.host, args.port)


def _serve_until_stopped(app: ASGIApp, services: list[FastAPI], host: str, port: int) -> int:
    """uvicorn, stopped as a deployment expects: on SIGTERM (or Ctrl-C) it stops accepting
    connections and lets the requests in flight finish, for at most the services'
    ``shutdown_grace_seconds`` (then cancels them: their transactions roll back). The services'
    background workers begin to stop at the same moment, against the same deadline, and the
    lifespans end once the requests are done — no request loses its runtime under it."""
    import uvicorn

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for service in services:
                if (runtime := getattr(service.state, "runtime", None)) is not None:
                    runtime.stop()
            await super().shutdown(sockets)

    grace = max(service.state.settings.shutdown_grace_seconds for service in services)
    # X-Forwarded-For is read by each service itself, from its trusted_proxies only; no access log
    # (it would keep every reporter's address).
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, access_log=False, proxy_headers=False,
        timeout_graceful_shutdown=grace,
    )  # fmt: skip
    server = Server(config)
    server.run()
    return 0 if server.started else 3  # as uvicorn.run: 3 when the app did not start


def _migrate(args: argparse.Namespace) -> int:
    from qingling.migrations import prepare_database

    async def migrate(runtime: Runtime) -> None:
        for line in await prepare_database(runtime):
            print(line)

    return _with_runtime(args.service, migrate)


def _worker(args: argparse.Namespace) -> int:
    if args.check:
        return _check_worker(args.service)
    from qingling.app import background_workers, settled_startup_heap
    from qingling.heartbeat import Heartbeat, heartbeat_path

    async def work_until_stopped(runtime: Runtime) -> None:
        runtime.heartbeat = Heartbeat(heartbeat_path(runtime.settings))
        for sig in (signal.SIGTERM, signal.SIGINT):  # the pass in hand finishes, the other leases go back
            asyncio.get_running_loop().add_signal_handler(sig, runtime.stop)
        with settled_startup_heap():
            async with background_workers(runtime):
                await runtime.stopping.wait()

    return _with_runtime(args.service, work_until_stopped)


def _check_worker(service_name: str) -> int:
    """The worker container's health check: its heartbeat is recent (``qingling.heartbeat``)."""
    import importlib

    from qingling.heartbeat import STALE_SECONDS, heartbeat_path, seconds_since_beat

    settings = importlib.import_module(f"{service_name}.config").Settings()  # not the whole service
    seconds = seconds_since_beat(heartbeat_path(settings))
    if seconds is None or seconds > STALE_SECONDS:
        since = "尚未完成任何一轮" if seconds is None else f"已 {seconds:.0f} 秒未完成任何一轮"
        print(f"{service_name} 的后台任务{since}（超过 {STALE_SECONDS:.0f} 秒即为不健康）", file=sys.stderr)
        return 1
    return 0


def _with_runtime(service_name: str, work: Callable[[Runtime], Awaitable[None]]) -> int:
    """Run ``work`` with a service's runtime (database, HTTP client, clock) but no HTTP server."""
    from qingling.logs import configure_logging
    from qingling.runtime import open_runtime

    service = service_module(service_name).service
    settings = service.settings_class()
    configure_logging(settings.log_format, settings.log_level)

    async def main() -> None:
        async with open_runtime(service, settings) as runtime:
            await work(runtime)

    asyncio.run(main())
    return 0


def _generate(args: argparse.Namespace) -> int:
    from qlstack import generated

    if not args.check:
        print(*generated.write(), sep="\n")
        return 0
    if drifted := generated.drift():
        print("以下文件与代码不一致，请运行 `./ql generate` 后提交：", *drifted, sep="\n  ", file=sys.stderr)
        return 1
    return 0


def _bench(options: list[str]) -> int:
    """``bench/run.py`` of the checkout this command runs from (benchmarks are not installed)."""
    run = Path(__file__).resolve().parents[2] / "bench" / "run.py"
    if not run.exists():
        print("基准测试只在源码目录中提供（bench/run.py）", file=sys.stderr)
        return 2
    import subprocess

    return subprocess.run([sys.executable, str(run), *options]).returncode


COMMANDS = {
    "run": _run,
    "init": _init,
    "stack": _stack,
    "serve": _serve,
    "migrate": _migrate,
    "worker": _worker,
    "generate": _generate,
}

if __name__ == "__main__":
    sys.exit(main())
