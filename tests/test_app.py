"""The web app in a real browser (Debian's Chromium through Playwright) and through gradio_client."""

from __future__ import annotations

import os
import socket
import urllib.request
from pathlib import Path

import av
import pytest
from gradio_client import Client, handle_file
from playwright.sync_api import sync_playwright

from conftest import EXAMPLES, ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MODELS = ROOT / "tests" / "data" / "tiny-release"
SCREENSHOTS = ROOT / "test-output"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(models: Path | None, monkeypatch_env: dict) -> tuple[object, str]:
    from paintsundo.app import MAX_UPLOAD, build_app

    for key, value in monkeypatch_env.items():
        os.environ[key] = value
    page = build_app(models)
    port = free_port()
    page.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, max_file_size=MAX_UPLOAD)
    return page, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def offline_app(tmp_path_factory):
    """The app on a machine without weights: only the procedural engine can run."""
    saved = {k: os.environ.get(k) for k in ("HF_HOME", "HF_HUB_OFFLINE", "PAINTSUNDO_MODELS")}
    os.environ.pop("PAINTSUNDO_MODELS", None)
    page, url = serve(None, {"HF_HOME": str(tmp_path_factory.mktemp("hf")), "HF_HUB_OFFLINE": "1"})
    yield url
    page.close()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def frame_count(source: str | Path) -> int:
    with av.open(str(source)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_browser_uploads_draws_and_plays_the_video(offline_app, tmp_path):
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(offline_app)
        page.locator("#procedural-upload input[type=file]").set_input_files(str(EXAMPLES / "3.jpg"))
        page.wait_for_timeout(500)
        page.locator("#procedural-draw").click()
        video = page.locator("#procedural-video video")
        video.wait_for(state="attached", timeout=120_000)
        source = video.get_attribute("src")
        assert source
        page.screenshot(path=str(SCREENSHOTS / "app-procedural.png"), full_page=True)
        page.screenshot(path=str(tmp_path / "app-procedural.png"), full_page=True)
        page.get_by_role("tab", name="Paints-UNDO (neural)").click()
        page.get_by_text("Neural engine unavailable").wait_for(timeout=10_000)
        assert page.get_by_text("paintsundo download").count() >= 1
        assert page.get_by_role("button", name="Generate keyframes").is_disabled()
        page.screenshot(path=str(SCREENSHOTS / "app-neural-without-weights.png"), full_page=True)
        browser.close()
    url = source if source.startswith("http") else offline_app.rstrip("/") + source
    downloaded = tmp_path / "played.mp4"
    urllib.request.urlretrieve(url, downloaded)
    assert frame_count(downloaded) == 105 + 4, "105 frames plus one second held at 4 fps"


@pytest.mark.parametrize(
    ("name", "content"), [("notes.png", b"not a picture\n" * 40), ("empty.png", b"")], ids=["text", "empty"]
)
def test_bad_uploads_show_an_error_and_the_app_keeps_serving(offline_app, tmp_path, name, content):
    bad = tmp_path / name
    bad.write_bytes(content)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(offline_app)
        page.locator("#procedural-upload input[type=file]").set_input_files(str(bad))
        page.wait_for_timeout(500)
        page.locator("#procedural-draw").click()
        error = page.get_by_text("not an image" if content else "empty file")
        error.first.wait_for(timeout=60_000)
        browser.close()
    client = Client(offline_app, verbose=False)
    result = client.predict(handle_file(str(EXAMPLES / "3.jpg")), 12, 4, 1, [], 128, api_name="/draw")
    assert frame_count(result[0]) == 12 + 4


def test_oversized_uploads_are_refused_in_the_page(offline_app, tmp_path):
    big = tmp_path / "huge.png"
    big.write_bytes(b"\0" * (26 * 1024 * 1024))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(offline_app)
        page.locator("#procedural-upload input[type=file]").set_input_files(str(big))
        page.get_by_text("maximum", exact=False).first.wait_for(timeout=30_000)
        browser.close()


def test_the_same_flow_through_gradio_client(offline_app):
    client = Client(offline_app, verbose=False)
    video, sheet, downloads = client.predict(
        handle_file(str(EXAMPLES / "1.jpg")), 30, 6, 3, ["flip", "transform"], 256, api_name="/draw"
    )
    assert frame_count(video) == 30 + 6
    assert Path(sheet).suffix == ".png"
    names = sorted(Path(path).name for path in downloads)
    assert names == ["1.mp4", "1.mp4.contact.png", "1.mp4.json", "1_frames.zip"]


def test_neural_steps_with_tiny_checkpoints():
    page, url = serve(MODELS, {})
    try:
        client = Client(url, verbose=False)
        picture = handle_file(str(EXAMPLES / "3.jpg"))
        prompt = client.predict(picture, api_name="/tag")
        assert "1girl" in prompt
        shown, order = client.predict(
            picture, prompt, "400,999", 1, 64, 80, 2, 3.0, "", api_name="/keyframes"
        )
        assert len(shown) == 4 and order == "0 1 2 3"
        shown, order = client.predict([handle_file(str(EXAMPLES / "1.jpg"))], api_name="/add_keyframes")
        assert len(shown) == 5 and order == "0 1 2 3 4", "the user's keyframe joins the gallery as number 4"
        video, sheet, downloads, frames = client.predict(
            "0 4 2 3", "1girl", 123, 7.5, 2, 4, "48x64", api_name="/video"
        )
        assert frame_count(video) == 3 * 15 + 4 and len(frames) == 45
        assert Path(sheet).suffix == ".png" and len(downloads) == 4
    finally:
        page.close()


def test_paintsundo_app_binds_to_localhost_by_default(tmp_path):
    import subprocess
    import time

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PAINTSUNDO_MODELS"}
    env.update(HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    server = subprocess.Popen(
        ["paintsundo", "app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline, answered = time.monotonic() + 90, False
        while time.monotonic() < deadline and not answered:
            try:
                answered = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).status == 200
            except OSError:
                time.sleep(0.5)
        assert answered, "the app did not come up on 127.0.0.1"
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        bound = [line for line in listening.splitlines() if f":{port} " in line]
        assert bound and all("127.0.0.1:" in line for line in bound), bound
    finally:
        server.terminate()
        server.wait(timeout=30)
