"""``qingling``: run the system, its parts, and its housekeeping.

qingling run                 embedded mode: everything in one process on SQLite, with demo data
qingling stack up            the distributed topology as local processes (PostgreSQL + nginx)
qingling serve <service>     run one service's API (distributed deployments)
qingling migrate <service>   bring a service's database to the latest schema
qingling worker <service>    run a service's background workers (outbox relay, …)
qingling generate [--check]  regenerate (or only compare) openapi/ and deploy/gateway/
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from qlstack.services import SERVICE_NAMES, service_module

if TYPE_CHECKING:
    from qingling.runtime import Runtime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qingling", description="清零 Qingling")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="嵌入式运行：单进程、SQLite、演示数据")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8350)
    run.add_argument("--data-dir", type=Path, default=Path("var/embedded"))

    stack = commands.add_parser("stack", help="以本地进程运行分布式拓扑（PostgreSQL + nginx）")
    stack.add_argument("action", choices=["up"])
    stack.add_argument("--replicas", type=int, default=1, help="每个服务的 API 副本数")

    for name, help_text in (
        ("serve", "运行单个服务的 API（分布式部署）"),
        ("migrate", "迁移服务数据库到最新结构"),
        ("worker", "运行服务的后台任务"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("service", choices=SERVICE_NAMES)
        if name == "serve":
            sub.add_argument("--host", default="0.0.0.0")
            sub.add_argument("--port", type=int, default=8000)

    generate = commands.add_parser("generate", help="重新生成 openapi/ 与 deploy/gateway/（--check 只比较不写入）")
    generate.add_argument("--check", action="store_true")

    args = parser.parse_args(argv)
    return COMMANDS[args.command](args)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from qingling.logs import configure_logging
    from qlstack.embedded import build_embedded

    configure_logging()
    dispatcher = build_embedded(args.data_dir)
    base = f"http://{args.host}:{args.port}"

    def banner() -> None:
        lines = [f"清零 Qingling 已启动（嵌入式，数据目录 {args.data_dir}）", f"  首页      {base}/"]
        lines += [f"  {app.title:<8}{base}{prefix}/docs" for prefix, app in dispatcher.apps.items()]
        if demo := dispatcher.demo_lines():
            lines += ["演示账号（仅限嵌入式模式）：", *(f"  {line}" for line in demo)]
        print("\n".join(lines), flush=True)

    dispatcher.on_started = banner
    uvicorn.run(dispatcher, host=args.host, port=args.port, log_config=None)
    return 0


def _stack(args: argparse.Namespace) -> int:
    from qlstack.stack import Stack

    with Stack(replicas=dict.fromkeys(SERVICE_NAMES, args.replicas)) as running:
        print(f"网关 {running.gateway_url}/ · 日志 {running.root / 'logs'} · Ctrl-C 停止", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    app = service_module(args.service).create_app()
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False, proxy_headers=True)
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from qingling.migrations import prepare_database

    async def migrate(runtime: Runtime) -> None:
        for line in await prepare_database(runtime):
            print(line)

    return _with_runtime(args.service, migrate)


def _worker(args: argparse.Namespace) -> int:
    from qingling.app import background_workers

    async def work_until_stopped(runtime: Runtime) -> None:
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        async with background_workers(runtime):
            await stop.wait()

    return _with_runtime(args.service, work_until_stopped)


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


COMMANDS = {
    "run": _run,
    "stack": _stack,
    "serve": _serve,
    "migrate": _migrate,
    "worker": _worker,
    "generate": _generate,
}

if __name__ == "__main__":
    sys.exit(main())
