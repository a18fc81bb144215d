"""Run an ASGI app on a free loopback port in a background thread, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

__all__ = ["free_port", "serve_app"]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve_app(
    app: Any, *, host: str = "127.0.0.1", port: int | None = None, startup_timeout: float = 20.0
) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread; yield its base URL; stop it on exit.

    Args:
        app: An ASGI application.
        host: Loopback address to bind.
        port: Port to bind; a free one when ``None``.
        startup_timeout: Seconds to wait for the server to start.

    Yields:
        The base URL, e.g. ``http://127.0.0.1:54321``.
    """
    bound = port or free_port(host)
    config = uvicorn.Config(
        app, host=host, port=bound, log_level="warning", lifespan="auto", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{bound}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{bound} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
