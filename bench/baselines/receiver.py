"""A webhook receiver for the deadline benchmark: takes every POST, answers 200 at once, and counts
what arrives by ``webhook-id``. ``GET /arrivals`` answers how many came, how many distinct ids and
when the latest came (``time.time()``); ``DELETE /arrivals`` forgets them. Plain ASGI under uvicorn
(httptools) in a process of its own, so the receiver — a thread per connection in the benchmark's
own process before — is not what the benchmark measures.

    uvicorn receiver:app --app-dir bench/baselines --lifespan off --no-access-log
"""

from __future__ import annotations

import json
import time
from typing import Any

ids: list[str] = []
latest = 0.0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global latest
    if scope["type"] != "http":
        return
    more = True
    while more:  # the body, read and dropped
        more = (await receive()).get("more_body", False)
    body = b""
    if scope["method"] == "POST":
        ids.append(dict(scope["headers"]).get(b"webhook-id", b"").decode())
        latest = time.time()
    elif scope["method"] == "GET":
        body = json.dumps({"count": len(ids), "unique": len(set(ids)), "latest": latest}).encode()
    elif scope["method"] == "DELETE":
        ids.clear()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
