"""`paintsundo app` and the address it listens on: a port it cannot have is one line, none taken
by default but a free one."""

from __future__ import annotations

import socket
import subprocess

import pytest


@pytest.mark.parametrize("port", ["taken", "99999"])
def test_a_port_the_app_cannot_listen_on_is_one_line(port):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        given = str(holder.getsockname()[1]) if port == "taken" else port
        result = subprocess.run(
            ["paintsundo", "app", "--port", given], capture_output=True, text=True, timeout=60
        )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and given in lines[0] and lines[0].endswith("(--port)")
    expected = "choose another port, or leave the port out" if port == "taken" else "from 1 to 65535"
    assert expected in lines[0], lines[0]


def test_without_a_port_the_app_takes_a_free_one():
    with socket.socket() as holder:
        try:  # 7860, Gradio's first, is taken: by this test, or already by another program
            holder.bind(("127.0.0.1", 7860))
            holder.listen()
        except OSError:
            pass
        server = subprocess.Popen(
            ["paintsundo", "app"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            announced = server.stdout.readline()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "paintsundo app running at http://127.0.0.1:" in announced, announced
    assert ":7860/" not in announced
