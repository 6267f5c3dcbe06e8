"""Writers, manifest, contact sheet, provenance and atomic output through the Python API."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess

import av
import numpy as np
import pytest
from PIL import Image

from paintsundo import PaintsUndoError, Settings, draw_process, make_video
from paintsundo.outputs.writers import PngFramesWriter
from paintsundo.picture import load_picture

FAST = Settings(frames=24, fps=4, size="96x128", hold=0.5)


def gif_durations(animation: Image.Image) -> list[int]:
    durations = []
    for index in range(animation.n_frames):
        animation.seek(index)
        durations.append(animation.info["duration"])
    return durations


def webp_durations(path) -> list[int]:
    """Frame durations from the ANMF chunks of an animated WebP (Pillow does not report them)."""
    data = path.read_bytes()
    durations, offset = [], 12
    while offset + 8 <= len(data):
        kind, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        if kind == b"ANMF":
            durations.append(int.from_bytes(data[offset + 8 + 12 : offset + 8 + 15], "little"))
        offset += 8 + size + (size & 1)
    return durations


def decode_mp4(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
        return container.metadata, stream.codec_context.name, stream.format.name, frames


def test_mp4_is_h264_yuv420p_with_hold_and_provenance(small_png, tmp_path):
    result = make_video(small_png, tmp_path / "out.mp4", FAST)
    metadata, codec, pixel_format, frames = decode_mp4(result.output)
    assert (codec, pixel_format) == ("h264", "yuv420p")
    assert len(frames) == FAST.frames + FAST.hold_frames == 26
    assert frames[0].shape == (128, 96, 3)
    assert frames[0].mean() > 250, "the video opens on a blank canvas"
    finished = load_picture(small_png, "96x128").pixels
    assert np.abs(frames[-1].astype(np.int16) - finished).mean() < 8  # lossy, chroma halved
    assert "not a recording of an artist" in metadata["comment"]


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_animations_have_every_frame_and_provenance(small_png, tmp_path, suffix):
    result = make_video(small_png, tmp_path / f"out{suffix}", FAST)
    with Image.open(result.output) as animation:
        # Pillow merges repeated frames into longer ones, so count time rather than frames.
        durations = webp_durations(result.output) if suffix == ".webp" else gif_durations(animation)
        assert animation.n_frames >= FAST.frames - 4
        if suffix == ".gif":
            assert b"synthetic drawing process" in animation.info["comment"].lower()
        else:
            assert "not a recording" in animation.getexif()[0x010E]
    assert sum(durations) == FAST.frames * 250 + 500
    assert durations[-1] >= 250 + 500


def test_png_frames_folder_holds_exact_frames(small_png, tmp_path):
    result = make_video(small_png, tmp_path / "frames", FAST, format="frames")
    files = sorted(result.output.glob("frame_*.png"))
    assert len(files) == FAST.frames
    process = draw_process(small_png, FAST)
    for index, file in enumerate(files):  # written on several threads: each in its place
        with Image.open(file) as frame:
            np.testing.assert_array_equal(np.asarray(frame), process.frame(index))
            assert "synthetic" in frame.text["Description"].lower()


def test_a_frame_that_cannot_be_written_fails_the_png_writer(tmp_path):
    writer = PngFramesWriter(tmp_path / "missing", "provenance", threads=2)
    frame = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(OSError):  # the writer runs a few frames ahead: from `add` or `close`
        try:
            for _ in range(10):
                writer.add(frame)
        finally:
            writer.close()


def test_one_rule_for_output_paths(small_png, tmp_path):
    with Image.open(make_video(small_png, tmp_path / "clip.gif", FAST).output) as image:
        assert image.format == "GIF"
    assert make_video(small_png, tmp_path, FAST).output == tmp_path / "picture.mp4"
    assert make_video(small_png, f"{tmp_path}/new/", FAST).output == tmp_path / "new" / "picture.mp4"
    frames = make_video(small_png, tmp_path / "frames", FAST, format="frames").output
    assert frames == tmp_path / "frames" / "picture_frames" and len(list(frames.glob("*.png"))) == 24
    assert make_video(small_png, None, FAST).output == small_png.with_suffix(".mp4")
    assert make_video(small_png, tmp_path / "named", FAST, format="webp").output == tmp_path / "named"


@pytest.mark.parametrize(
    ("name", "format", "message"),
    [
        ("x.mp4", "gif", "ends in '.mp4' but the format asked for is gif"),
        ("x.avi", None, "cannot tell the format"),
        ("x.avi", "mp4", "ends in '.avi'"),
        ("name", None, "end it with .mp4, .gif or .webp for a video, or with / for a folder"),
    ],
)
def test_suffixes_that_disagree_or_say_nothing_are_refused(small_png, tmp_path, name, format, message):
    with pytest.raises(PaintsUndoError, match=re.escape(message)):
        make_video(small_png, tmp_path / name, FAST, format=format)
    assert list(tmp_path.iterdir()) == [small_png]


def test_no_run_writes_over_its_input(small_png, tmp_path):
    original = small_png.read_bytes()
    with pytest.raises(PaintsUndoError):
        make_video(small_png, small_png, FAST, format="mp4")
    animated = tmp_path / "drawing.gif"
    Image.open(small_png).save(animated)
    gif = animated.read_bytes()
    for format in ("gif", None):
        with pytest.raises(PaintsUndoError, match="would overwrite the input"):
            make_video(animated, animated, FAST, format=format)
    assert small_png.read_bytes() == original and animated.read_bytes() == gif
    inside = tmp_path / "picture_frames" / "frame_00000.png"
    inside.parent.mkdir()
    inside.write_bytes(original)
    with pytest.raises(PaintsUndoError, match="would overwrite the input"):
        make_video(inside, tmp_path, FAST, format="frames", name="picture")
    assert inside.read_bytes() == original, "a frames folder holding the input is never replaced"


def test_killed_runs_partial_files_are_removed_by_the_next_run_of_that_output(small_png, tmp_path):
    dead = subprocess.Popen(["true"])  # its process id no longer runs once it has been waited for
    dead.wait()
    stale = tmp_path / f".out.mp4.{dead.pid}.k1ll3d.partial.mp4"
    live = tmp_path / f".out.mp4.{os.getpid()}.st1ll.partial.mp4"
    other = tmp_path / f".other.mp4.{dead.pid}.k1ll3d.partial.mp4"
    for path in (stale, live, other):
        path.write_bytes(b"half a video")
    make_video(small_png, tmp_path / "out.mp4", FAST)
    assert not stale.exists(), "a killed writer's partial file is removed"
    assert live.exists(), "a running writer's partial file is left alone"
    assert other.exists(), "another output's partial file is that output's business"


def test_manifest_records_the_run(small_png, tmp_path):
    result = make_video(small_png, tmp_path / "out.mp4", FAST, with_contact_sheet=True)
    manifest = json.loads(result.manifest_path.read_text())
    assert result.manifest_path.name == "out.mp4.json"
    assert manifest["engine"] == "procedural" and manifest["seed"] == FAST.seed
    assert manifest["settings"]["frames"] == 24 and manifest["settings"]["fps"] == 4
    assert set(manifest["settings"]["behaviours"]) == set(FAST.behaviours)
    import hashlib

    assert manifest["input"]["sha256"] == hashlib.sha256(small_png.read_bytes()).hexdigest()
    assert [stage["name"] for stage in manifest["stages"]] == [
        "sketch",
        "lineart",
        "flat",
        "shading",
        "detail",
    ]
    assert manifest["stages"][0]["start"] == 1 and manifest["stages"][-1]["end"] == 24
    process = draw_process(small_png, FAST)
    assert manifest["events"] == [event.to_json() for event in process.events]
    assert {"load", "engine", "render_and_write", "total"} <= set(manifest["timings"])
    assert "not a recording" in manifest["provenance"]


def test_contact_sheet_shows_labelled_frames(small_png, tmp_path):
    result = make_video(
        small_png, tmp_path / "out.mp4", Settings(frames=40, size="240x320"), with_contact_sheet=True
    )
    assert result.contact_sheet == tmp_path / "out.mp4.contact.png"
    with Image.open(result.contact_sheet) as sheet:
        pixels = np.asarray(sheet.convert("RGB"))
    # Twelve thumbnails of 180x240 on four columns: three rows.
    assert sheet.width > 4 * 180 and sheet.height > 3 * 240
    assert (pixels < 100).any() and (pixels == 255).all(axis=-1).mean() > 0.1
    assert "synthetic drawing process" in sheet.text["Description"].lower()
    assert sheet.text["Software"] == "paintsundo"


def test_settings_validate_their_values():
    with pytest.raises(PaintsUndoError, match="frames"):
        Settings(frames=1)
    with pytest.raises(PaintsUndoError, match="behaviour"):
        Settings(behaviours=frozenset({"dance"}))
    with pytest.raises(PaintsUndoError, match="stage weight sketch=-1 is out of range"):
        Settings(stage_weights=(("sketch", -1.0),))
    with pytest.raises(PaintsUndoError, match="unknown workflow"):
        Settings(workflow="sculpture")
    assert Settings.from_json(Settings(seed=9, frames=30).to_json()) == Settings(seed=9, frames=30)


def test_settings_read_manifests_that_used_the_earlier_names():
    """Before 0.2.0 a manifest named the neural stages' settings "keyframes" and "video"; batch runs
    resume from such manifests."""
    from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings

    written = Settings(
        keyframe_settings=KeyframeSettings(steps=7, operation_steps=(500,)),
        video_settings=VideoSettings(cfg=4.0),
    ).to_json()
    assert "keyframe_settings" in written and "keyframes" not in written
    written["keyframes"] = written.pop("keyframe_settings")
    written["video"] = written.pop("video_settings")
    read = Settings.from_json(written)
    assert read.keyframe_settings == KeyframeSettings(steps=7, operation_steps=(500,))
    assert read.video_settings.cfg == 4.0


def test_interrupted_runs_leave_nothing_behind(small_png, tmp_path):
    calls = []

    def interrupt(stage, done, total):
        calls.append(stage)
        if len(calls) == 10:
            raise KeyboardInterrupt

    target = tmp_path / "out"
    target.mkdir()
    for name, format in (("a.mp4", None), ("b.gif", None), ("c", "frames"), ("new/d.webp", None)):
        calls.clear()
        with pytest.raises(KeyboardInterrupt):
            make_video(
                small_png, target / name, FAST, format=format, with_contact_sheet=True, progress=interrupt
            )
    assert list(target.iterdir()) == [], "no output, no partial file, no folder made for them"


def test_progress_names_each_stage_as_it_is_drawn_then_the_encoding(small_png, tmp_path):
    seen: list[tuple[str, int, int]] = []
    make_video(small_png, tmp_path / "out.gif", FAST, progress=lambda *call: seen.append(call))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["blank", "sketch", "lineart", "flat", "shading", "detail", "encoding"]
    process = draw_process(small_png, FAST)
    for stage in process.stages:
        counts = [(done, total) for name, done, total in seen if name == stage.name]
        assert counts == [(done, stage.frames) for done in range(1, stage.frames + 1)]
    assert seen[-1] == ("encoding", 24, 24)


def test_accepts_arrays_and_pil_images(small_png):
    with Image.open(small_png) as image:
        from_image = draw_process(image, FAST)
        from_array = draw_process(np.asarray(image.convert("RGB")), FAST)
    np.testing.assert_array_equal(from_image.frame(23), from_array.frame(23))
