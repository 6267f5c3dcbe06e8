"""Reading pictures: colour modes, sizes, and one clear error for every bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import phone_portrait, png_claiming
from paintsundo import Settings, draw_process
from paintsundo.errors import PaintsUndoError
from paintsundo.picture import load_picture
from paintsundo.sizes import output_size, parse_size
from paintsundo.undo.procedural import DrawingProcess


def save(tmp_path: Path, image: Image.Image, name: str) -> Path:
    path = tmp_path / name
    image.save(path)
    return path


@pytest.mark.parametrize(
    ("source", "expected"),
    [((896, 1152), (498, 640)), ((1000, 200), (640, 128)), ((16, 16), (640, 640)), ((101, 33), (640, 210))],
)
def test_default_size_keeps_the_aspect_ratio_with_even_sides(source, expected):
    assert output_size(*source, None) == expected


def test_size_values_round_to_even():
    assert parse_size("511x301") == (512, 302)
    assert parse_size("320") == 320
    assert output_size(896, 1152, "300x300") == (300, 300)
    for bad in ("big", "0x10", "10x99999", "x"):
        with pytest.raises(PaintsUndoError):
            parse_size(bad)


def test_any_aspect_ratio_is_cropped_to_fill_an_explicit_size(tmp_path):
    wide = Image.new("RGB", (900, 300), "red")
    wide.paste((0, 0, 255), (0, 0, 300, 300))
    picture = load_picture(save(tmp_path, wide, "wide.png"), "200x200")
    assert picture.pixels.shape == (200, 200, 3)
    assert picture.source_size == (900, 300)
    # The centre third (red) is what remains.
    assert (picture.pixels[100, 100] == (255, 0, 0)).all()


def test_every_long_side_reads_a_jpeg_decoded_at_reduced_scale(example_paths):
    """JPEGs decode at 1/2, 1/4 or 1/8 first; the crop box must then stay inside the smaller image
    (at 192 it once lay a rounding error outside it and the read failed)."""
    for long_side in range(96, 700, 8):
        picture = load_picture(example_paths[0], str(long_side))
        assert max(picture.pixels.shape[:2]) == long_side


def test_grey_palette_and_sixteen_bit_pictures_become_rgb(tmp_path):
    grey = Image.linear_gradient("L").resize((64, 80))
    palette = Image.new("RGB", (64, 80), (10, 200, 30)).convert("P", palette=Image.Palette.ADAPTIVE)
    deep = Image.fromarray((np.linspace(0, 65535, 64 * 80).reshape(80, 64)).astype(np.uint16))
    assert deep.mode.startswith("I")
    for image, name in ((grey, "grey.png"), (palette, "palette.png"), (deep, "deep.png")):
        picture = load_picture(save(tmp_path, image, name), "64x80")
        assert picture.pixels.shape == (80, 64, 3) and picture.pixels.dtype == np.uint8
    deep_pixels = load_picture(tmp_path / "deep.png", "64x80").pixels
    assert deep_pixels[0, 0, 0] < 10 and deep_pixels[-1, -1, 0] > 245, "16-bit values are scaled, not clipped"
    assert (load_picture(tmp_path / "palette.png", "64x80").pixels[5, 5] == (10, 200, 30)).all()


def test_transparency_is_composited_on_white(tmp_path):
    image = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 20, 40))
    pixels = load_picture(save(tmp_path, image, "alpha.png"), "40x40").pixels
    assert (pixels[20, 35] == 255).all()
    assert (pixels[20, 5] == (200, 0, 0)).all()


@pytest.mark.parametrize(("orientation", "red_side"), [(6, "right"), (8, "left")])
def test_phone_portraits_keep_their_upright_shape(tmp_path, orientation, red_side):
    path = phone_portrait(tmp_path, orientation)
    picture = load_picture(path)
    assert picture.source_size == (480, 640)
    assert picture.pixels.shape == (640, 480, 3), "a portrait stays a portrait, uncropped"
    left, right = picture.pixels[320, 40], picture.pixels[320, 440]
    red, blue = (left, right) if red_side == "left" else (right, left)
    assert red[0] > 200 and red[2] < 60 and blue[2] > 200 and blue[0] < 60
    assert load_picture(path, "240").pixels.shape == (240, 180, 3)
    with Image.open(path) as opened:
        from_pil = draw_process(opened, Settings(frames=4, size="240"))
    assert from_pil.frame(3).shape == (240, 180, 3)


@pytest.mark.parametrize(
    ("source", "size", "message"),
    [
        ((8000, 50), None, "the picture, 8000x50, is longer than 8:1: crop it, or give an output size"),
        ((50, 8000), "400", "longer than 8:1"),
        ((100, 100), "1x1", "each side must be 32 to 8192 pixels"),
        ((100, 100), "640x40", "the size 640x40 is longer than 8:1: give one such as 640x80"),
        ((640, 480), "40", "the output would be 40x30, under 32 pixels on a side"),
    ],
)
def test_degenerate_shapes_are_refused(source, size, message):
    with pytest.raises(PaintsUndoError, match=re.escape(message)):
        output_size(*source, size)


def test_the_longest_shapes_allowed_still_draw(tmp_path):
    strip = Image.new("RGB", (800, 100), "white")
    picture = load_picture(save(tmp_path, strip, "strip.png"))
    assert picture.pixels.shape == (80, 640, 3)


def test_tiny_inputs_work_end_to_end(tmp_path):
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8))
    picture = load_picture(save(tmp_path, image, "tiny.png"), "32x32")
    process = DrawingProcess(picture.pixels, frames=20, seed=0)
    np.testing.assert_array_equal(process.frame(19), picture.pixels)
    assert load_picture(tmp_path / "tiny.png").pixels.shape == (640, 640, 3)


def test_pictures_that_show_little_say_why_and_the_others_say_nothing(tmp_path, example_paths):
    """A run goes on with them; the picture says why its video will show little."""
    from paintsundo.picture import picture_from_array

    noise = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    assert load_picture(save(tmp_path, Image.fromarray(noise), "tiny.png"), "64").warnings == ()
    enlarged = load_picture(tmp_path / "tiny.png").warnings
    assert enlarged == (
        "the picture is only 16x16 pixels, enlarged 40 times to 640x640: its video shows little;"
        " give a larger picture",
    )
    grey = picture_from_array(np.full((50, 40), 128, np.uint8), "64").warnings
    assert grey == (
        "the picture is one flat colour, rgb(128, 128, 128): its video shows nothing being drawn",
    )
    assert load_picture(example_paths[0], "64").warnings == ()


def test_large_inputs_are_downscaled_before_any_work(tmp_path):
    big = Image.new("RGB", (4000, 3000), (90, 120, 150))
    picture = load_picture(save(tmp_path, big, "big.jpg"), None)
    assert picture.pixels.shape == (480, 640, 3)
    assert picture.source_size == (4000, 3000)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.png", b"", "empty file"),
        ("notes.png", b"these are my notes, not a picture\n" * 20, "not an image"),
        ("bomb.png", png_claiming(20_000, 20_000), "decompression bomb"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PaintsUndoError, match=message) as caught:
        load_picture(path)
    assert "\n" not in str(caught.value)


def test_truncated_images_are_reported_as_such(tmp_path, example_paths):
    data = example_paths[2].read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(PaintsUndoError, match="truncated"):
        load_picture(path)
    png = tmp_path / "cut.png"
    Image.new("RGB", (300, 300), "blue").save(png)
    png.write_bytes(png.read_bytes()[:-40])
    with pytest.raises(PaintsUndoError, match=r"truncated|corrupt"):
        load_picture(png)


def test_missing_input_and_folders(tmp_path):
    with pytest.raises(PaintsUndoError, match="not found"):
        load_picture(tmp_path / "nope.png")
    with pytest.raises(PaintsUndoError, match="folder"):
        load_picture(tmp_path)
