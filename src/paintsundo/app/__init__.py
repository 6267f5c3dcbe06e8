"""The Gradio web app: the procedural engine in one click, and the Paints-UNDO three-step workflow.

It only calls the library (see `handlers`); `paintsundo app` starts it through `launch`.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from pathlib import Path

from paintsundo.app.scratch import Scratch
from paintsundo.errors import PaintsUndoError


def launch(
    host: str = "127.0.0.1",
    port: int | None = None,
    share: bool = False,
    models: str | Path | None = None,
    on_ready: Callable[[str, str | None], None] | None = None,
) -> None:
    """Serve the app until Ctrl-C; `on_ready(local_url, share_url)` is called once it is up. Without
    a port, it takes the first free one from 7860.

    Every file the app writes, Gradio's included, is in one temporary folder removed when it stops.
    """
    check_address(host, port)  # in a moment, before Gradio loads
    scratch = Scratch()
    try:
        with scratch.gradio_files():
            from paintsundo.app.server import serve  # Gradio reads where its cache is as it is imported

            with serve(host, port, share, models, scratch) as page:
                if on_ready is not None:
                    on_ready(page.local_url, page.share_url)
                page.block_thread()
    finally:
        scratch.remove()


def check_address(host: str, port: int | None) -> None:
    """Refuse an address the app could not listen on, in one line, before anything starts: a port
    out of range (Gradio would overflow), taken (Gradio says only that it found no empty port), or
    a host that is not this machine's."""
    if port is not None and not 1 <= port <= 65535:
        raise PaintsUndoError(f"port {port} is out of range: choose one from 1 to 65535", "port")
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise PaintsUndoError(
            f"unknown host {host!r}: give an address of this machine, like 127.0.0.1 or 0.0.0.0", "host"
        ) from None
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRNOTAVAIL:
                raise PaintsUndoError(
                    f"{host} is not an address of this machine: give one of its own, like 127.0.0.1"
                    " or 0.0.0.0",
                    "host",
                ) from None
            reason = "another program is using it" if error.errno == errno.EADDRINUSE else error.strerror
            raise PaintsUndoError(
                f"cannot serve on port {port} ({reason}): choose another port, or leave the port out"
                " to take the first free one from 7860",
                "port",
            ) from None
