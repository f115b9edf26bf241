"""Small local servers that speak the protocols of outside services Qingling cannot reach here
(WeChat, SMS providers, enterprise webhook receivers). The adapters under test make real HTTP
calls to them over loopback — never a mock object in place of the call."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serving(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, lifespan: str = "off", start_timeout: float = 10
) -> Iterator[str]:
    """Runs ``app`` under uvicorn on a loopback address, on ``port`` or a free one, in a thread;
    yields its base URL. A whole Qingling needs ``lifespan="on"`` (its services' start-up) and
    more time to start than a stand-in."""
    if not port:
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_config=None, lifespan=lifespan))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise TimeoutError("the server did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
