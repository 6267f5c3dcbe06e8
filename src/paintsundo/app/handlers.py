"""What the web app's buttons do: each calls the library and turns its errors into page messages.

Nothing here builds the page; `layout` does. Handlers take plain values, so the same functions
serve the browser and gradio_client alike.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from paintsundo.app.scratch import Scratch
from paintsundo.errors import PaintsUndoError
from paintsundo.outputs.provenance import provenance_text
from paintsundo.outputs.writers import png_provenance
from paintsundo.timeline import Progress
from paintsundo.undo.api import Process, draw_process, prepare_video
from paintsundo.undo.pipeline.settings import KeyframeSettings, VideoSettings
from paintsundo.undo.settings import Settings, parse_buckets

Downloads = tuple[str, str | None, list[str]]


def gradio_progress(progress: gr.Progress) -> Progress:
    """The library's progress(stage, done, total) as a Gradio progress bar."""

    def report(stage: str, done: int, total: int) -> None:
        progress((done, total), desc=stage)

    return report


def page_error(message: str, *uploads: str | None) -> gr.Error:
    """A user's mistake as a message in the page, with each upload named as the user named it
    rather than where Gradio keeps it; the server's log gets it as one line, not a traceback."""
    for upload in filter(None, uploads):
        for kept in {upload, str(Path(upload))}:
            message = message.replace(kept, Path(upload).name)
    print(f"error shown in the page: {message}", file=sys.stderr, flush=True)
    return gr.Error(message, print_exception=False)


def require_upload(upload: str | None) -> str:
    if not upload:
        raise page_error("Upload a picture first (PNG, JPEG or WebP).")
    return upload


def write_outputs(
    process: Process,
    source: str,
    settings: Settings,
    scratch: Scratch,
    models: str | None,
    progress: Progress,
    keep_frames: bool = False,
) -> tuple[Downloads, list[str]]:
    """The video with its contact sheet and manifest, plus a zip of PNG frames, from one process;
    and the frames' files if `keep_frames` (else only the zip keeps them)."""
    folder = scratch.job_folder("draw-")
    name = Path(source).stem
    video = prepare_video(source, folder / f"{name}.mp4", settings, models=models)
    result = video.write(with_contact_sheet=True, progress=progress, process=process)
    frames = prepare_video(source, folder, settings, format="frames", models=models)
    frames_folder = frames.write(process=process).output
    archive = shutil.make_archive(str(frames_folder), "zip", frames_folder)
    frame_files = sorted(str(path) for path in frames_folder.glob("frame_*.png"))
    if not keep_frames:
        shutil.rmtree(frames_folder)
        frame_files = []
    downloads = [str(result.output), archive, str(result.contact_sheet), str(result.manifest_path)]
    return (str(result.output), str(result.contact_sheet), downloads), frame_files


def draw_procedural(
    upload: str | None,
    frames: float,
    fps: float,
    seed: float,
    behaviours: list[str],
    long_side: float,
    workflow: str,
    scratch: Scratch,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 - how Gradio injects its progress bar
) -> Downloads:
    """One click from a picture to a drawing-process video with the procedural engine."""
    source = require_upload(upload)
    try:
        settings = Settings(
            engine="procedural",
            frames=int(frames),
            fps=float(fps),
            seed=int(seed),
            size=str(int(long_side)),
            workflow=workflow or "auto",
            behaviours=frozenset(behaviours or ()),
        )
        process = draw_process(source, settings)
        downloads, _ = write_outputs(process, source, settings, scratch, None, gradio_progress(progress))
        return downloads
    except PaintsUndoError as error:
        raise page_error(str(error), source) from None


def prompt_for_upload(upload: str | None, models: str | None) -> str:
    from paintsundo.undo.neural import picture_prompt

    try:
        return picture_prompt(require_upload(upload), models=models)
    except PaintsUndoError as error:
        raise page_error(str(error), upload) from None


def keyframes_for_upload(
    upload: str | None,
    prompt: str,
    steps_text: str,
    seed: float,
    width: float,
    height: float,
    steps: float,
    cfg: float,
    negative: str,
    scratch: Scratch,
    models: str | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> tuple[list[tuple[str, str]], list[str], str]:
    """Keyframes for the gallery, their files (the editable list) and the order to use them in."""
    from PIL import Image

    from paintsundo.undo.neural import keyframe_list

    source = require_upload(upload)
    try:
        operation_steps = tuple(int(part) for part in steps_text.replace(" ", "").split(",") if part)
        keyframe_settings = KeyframeSettings(
            width=int(width),
            height=int(height),
            operation_steps=operation_steps,
            steps=int(steps),
            cfg=float(cfg),
            negative_prompt=negative,
        )
        settings = Settings(
            engine="neural",
            prompt=prompt or None,
            keyframe_seed=int(seed),
            keyframe_settings=keyframe_settings,
        )
        _, made = keyframe_list(source, settings, models=models, progress=gradio_progress(progress))
    except ValueError:
        raise page_error("Operation steps are whole numbers separated by commas, like 400,600,800.") from None
    except PaintsUndoError as error:
        raise page_error(str(error), source) from None
    folder = scratch.job_folder("keyframes-")
    info = png_provenance(provenance_text("neural"))
    files = []
    for index, key in enumerate(made):
        path = folder / f"keyframe_{index:02d}_step{key.step:04d}.png"
        Image.fromarray(key.picture).save(path, pnginfo=info)
        files.append(str(path))
    return gallery(files), files, order_text(files)


def gallery(files: list[str]) -> list[tuple[str, str]]:
    return [(path, f"{index}: {Path(path).stem}") for index, path in enumerate(files)]


def order_text(files: list[str]) -> str:
    return " ".join(str(index) for index in range(len(files)))


def add_keyframes(
    uploads: list[str] | None, files: list[str]
) -> tuple[list[tuple[str, str]], list[str], str]:
    """Append the user's own keyframes; place them by editing the order."""
    files = list(files or []) + [str(path) for path in uploads or []]
    return gallery(files), files, order_text(files)


def chosen_keyframes(files: list[str], order: str) -> list[str]:
    """The keyframes in the order typed (indexes into the gallery); left out ones are removed."""
    try:
        picked = [files[int(part)] for part in order.replace(",", " ").split()]
    except (ValueError, IndexError):
        raise page_error(
            f"Keyframe order: use the numbers 0 to {len(files) - 1} shown under the keyframes."
        ) from None
    if len(picked) < 2:
        raise page_error("Keep at least two keyframes: the video runs from one to the next.")
    return picked


def generate_video(
    files: list[str],
    order: str,
    prompt: str,
    seed: float,
    cfg: float,
    steps: float,
    fps: float,
    buckets: str,
    scratch: Scratch,
    models: str | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> tuple[str, str | None, list[str], list[str]]:
    """Step 3: the video through the chosen keyframes, its frames for the gallery, and downloads."""
    from paintsundo.undo.neural import keyframes_video_process

    picked = chosen_keyframes(files or [], order)
    try:
        video_settings = dataclasses.replace(
            VideoSettings(),
            prompt=prompt,
            cfg=float(cfg),
            steps=int(steps),
            buckets=parse_buckets(buckets),
        )
        settings = Settings(
            engine="neural", fps=float(fps), video_seed=int(seed), video_settings=video_settings
        )
        report = gradio_progress(progress)
        process = keyframes_video_process(picked, settings, models=models, progress=report)
        outputs, frames = write_outputs(
            process, picked[0], settings, scratch, models, report, keep_frames=True
        )
    except PaintsUndoError as error:
        raise page_error(str(error), *picked) from None
    return outputs[0], outputs[1], outputs[2], frames


def editor_pictures(editor: dict | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The sketch (RGB) and the scribbles painted over it (RGBA, None if none) from an ImageEditor's
    value: its background, and its layers laid over one another."""
    background = (editor or {}).get("background")
    if background is None:
        raise page_error(
            "No line drawing arrived: upload one (PNG, JPEG or WebP). If one shows in the editor,"
            " reload the page and upload it again."
        )
    sketch = np.asarray(Image.fromarray(background).convert("RGB"))
    hints = None
    for layer in (editor or {}).get("layers") or []:
        rgba = np.asarray(Image.fromarray(layer).convert("RGBA"))
        if rgba.shape[:2] != sketch.shape[:2] or not rgba[..., 3].any():
            continue
        hints = (
            rgba
            if hints is None
            else np.asarray(Image.alpha_composite(*(Image.fromarray(h) for h in (hints, rgba))))
        )
    return sketch, hints


def color_sketch(
    editor: dict | None,
    reference: str | None,
    seed: float,
    count: float,
    frames: float,
    fps: float,
    film: bool,
    engine: str,
    base: str,
    controlnet: str,
    ip_adapter: str,
    prompt: str,
    control: str,
    steps: float,
    memory: str,
    compile: bool,
    shading: str,
    scratch: Scratch,
    progress: gr.Progress = gr.Progress(),  # noqa: B008
) -> tuple[str, list[str], str | None, list[str]]:
    """The coloured picture, its candidates, the video (if asked) and the downloads (PNGs, the
    OpenRaster layers, the manifest, the video); the neural colourist's models as given, where a box
    is empty the downloaded ones; `shading` is the procedural colourist's."""
    from paintsundo.coloring.api import make_colorized
    from paintsundo.coloring.neural import NeuralColorize

    sketch, hints = editor_pictures(editor)
    folder = scratch.job_folder("colour-")
    try:
        neural = NeuralColorize(
            base=(base or "").strip() or None,
            controlnet=(controlnet or "").strip() or None,
            ip_adapter=(ip_adapter or "").strip() or None,
            prompt=(prompt or "").strip() or None,
            control=control or "balanced",
            steps=int(steps or 20),
            memory=memory or "fast",
            compile=bool(compile),
        )
        result = make_colorized(
            sketch,
            folder / "coloured.png",
            hints=hints,
            reference=reference or None,
            seed=int(seed),
            count=int(count),
            layers=True,
            video=folder / "coloured.mp4" if film else None,
            video_settings=Settings(frames=int(frames), fps=float(fps)),
            engine=engine or "auto",
            shading=shading or "auto",
            neural=neural,
            progress=gradio_progress(progress),
        )
    except PaintsUndoError as error:
        raise page_error(str(error), reference) from None
    video = str(result.video.output) if result.video else None
    downloads = [str(path) for path in (*result.candidates, result.layers, result.manifest_path)]
    return (
        str(result.output),
        [str(path) for path in result.candidates],
        video,
        downloads + ([video] if video else []),
    )
