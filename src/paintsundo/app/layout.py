"""The page: a procedural tab (one click), the three-step Paints-UNDO workflow, and colouring a
sketch from scribbles."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import gradio as gr

from paintsundo.app import handlers
from paintsundo.app.scratch import Scratch
from paintsundo.coloring.choices import COLORIZE_SHADINGS
from paintsundo.hub import COLORIST_CONTROLNET_REPO
from paintsundo.undo.pipeline.settings import (
    KEYFRAME_NEGATIVE_PROMPT,
    VIDEO_BUCKETS,
    KeyframeSettings,
    VideoSettings,
)
from paintsundo.undo.procedural import BEHAVIOURS
from paintsundo.undo.settings import WORKFLOWS

# Gradio's own schedule for the uploads it caches: every 10 minutes, those older than an hour go.
CACHE_SWEEP = (600, 3600)
# The scribble brush's colours to start from; any other is a click away in its picker.
SCRIBBLE_COLORS = ["#e8c4a8", "#6b4a32", "#2f5fb0", "#c83a3a", "#f2d35b", "#5a9a4a", "#ffffff", "#222222"]
UPLOAD_TYPES = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif"]
DOWNLOAD_HOWTO = (
    "**Neural engine unavailable:** {reason}. Run `paintsundo download` (or put the weights in a folder"
    " and start the app with `paintsundo app --models DIR`), then restart the app."
    " The procedural engine works now."
)


def build(
    examples: list[str],
    scratch: Scratch,
    models: str | None,
    neural_ready: bool,
    reason: str,
    neural_note: str = "",
) -> gr.Blocks:
    with gr.Blocks(title="paintsundo", delete_cache=CACHE_SWEEP) as page:
        gr.Markdown(
            "# paintsundo\nTurn a finished picture into a video of it being drawn. Every video says it is a"
            " synthetic drawing process, not a recording of an artist."
        )
        with gr.Tab("Procedural (no weights, CPU)"):
            _procedural_tab(examples, scratch)
        with gr.Tab("Paints-UNDO (neural)"):
            if not neural_ready:
                gr.Markdown(DOWNLOAD_HOWTO.format(reason=reason), elem_id="neural-unavailable")
            elif neural_note:
                gr.Markdown(neural_note, elem_id="neural-note")
            _neural_tab(examples, scratch, models, neural_ready)
        with gr.Tab("Sketch → colour"):
            _color_tab(scratch)
    return page


def _color_tab(scratch: Scratch) -> None:
    with gr.Row():
        with gr.Column():
            editor = gr.ImageEditor(
                label="Line drawing: upload it, then scribble colours over its regions",
                type="numpy",
                image_mode="RGBA",
                brush=gr.Brush(default_size=8, colors=SCRIBBLE_COLORS, color_mode="defaults"),
                layers=False,
                elem_id="colour-editor",
            )
            reference = gr.File(
                label="Reference (optional): its colours, through the IP-Adapter or as a palette",
                file_types=UPLOAD_TYPES,
                type="filepath",
            )
            with gr.Row():
                seed = gr.Number(value=12345, precision=0, label="Seed")
                count = gr.Slider(1, 8, value=1, step=1, label="Candidates")
            shading = gr.Radio(
                list(COLORIZE_SHADINGS),
                value="auto",
                label="Shading (auto: each candidate lit its own way; soft or cel: that edge and tone)",
            )
            with gr.Row():
                film = gr.Checkbox(value=True, label="Film it being coloured")
                frames = gr.Slider(10, 300, value=60, step=1, label="Frames")
                fps = gr.Slider(1, 30, value=6, step=1, label="FPS")
            with gr.Accordion("Neural colourist (a GPU and an SD1.5 anime base model)", open=False):
                engine = gr.Radio(
                    ["auto", "procedural", "neural"],
                    value="auto",
                    label="Colourist (auto: neural with a base and a GPU)",
                )
                downloaded = "empty: the downloaded one"
                base = gr.Textbox(label=f"Base model: a folder or hub id (diffusers layout; {downloaded})")
                controlnet = gr.Textbox(
                    label=f"ControlNet: a folder or hub id ({downloaded}, else {COLORIST_CONTROLNET_REPO})"
                )
                ip_adapter = gr.Textbox(
                    label=f"IP-Adapter for the reference: a folder or hub id ({downloaded})"
                )
                prompt = gr.Textbox(label="Prompt (empty: the tagger's tags for the sketch)")
                with gr.Row():
                    control = gr.Radio(["strict", "balanced", "loose"], value="balanced", label="Control")
                    steps = gr.Slider(1, 50, value=20, step=1, label="Steps")
                with gr.Row():
                    memory = gr.Radio(
                        ["fast", "low"], value="fast", label="Memory (low: layers come in as they run)"
                    )
                    compile = gr.Checkbox(value=False, label="Compile (faster after the first picture)")
            color = gr.Button("Colour it", variant="primary", elem_id="colour-run")
        with gr.Column():
            picture = gr.Image(label="Coloured", type="filepath", elem_id="colour-picture")
            candidates = gr.Gallery(label="Candidates", columns=4, height="auto")
            video = gr.Video(label="Being coloured", autoplay=True, elem_id="colour-video")
            files = gr.File(label="Downloads: PNGs, layers (.ora), manifest, video", file_count="multiple")
    inputs = [editor, reference, seed, count, frames, fps, film, engine, base, controlnet, ip_adapter]
    inputs += [prompt, control, steps, memory, compile, shading]
    color.click(
        partial(handlers.color_sketch, scratch=scratch),
        inputs,
        [picture, candidates, video, files],
        api_name="colorize",
    )


def _procedural_tab(examples: list[str], scratch: Scratch) -> None:
    with gr.Row():
        with gr.Column():
            upload = gr.File(
                label="Picture", file_types=UPLOAD_TYPES, type="filepath", elem_id="procedural-upload"
            )
            frames = gr.Slider(10, 600, value=105, step=1, label="Frames")
            fps = gr.Slider(1, 30, value=4, step=1, label="FPS")
            seed = gr.Number(value=12345, precision=0, label="Seed")
            size = gr.Slider(128, 1280, value=640, step=2, label="Long side (pixels)")
            behaviours = gr.CheckboxGroup(list(BEHAVIOURS), value=list(BEHAVIOURS), label="Artist's habits")
            workflow = gr.Dropdown(
                list(WORKFLOWS), value="auto", label="Workflow (auto: told from the picture)"
            )
            draw = gr.Button("Draw it", variant="primary", elem_id="procedural-draw")
            if examples:
                gr.Examples(examples=[[path] for path in examples], inputs=[upload], label="Examples")
        with gr.Column():
            video = gr.Video(label="Drawing process", elem_id="procedural-video", autoplay=True)
            sheet = gr.Image(label="Contact sheet", type="filepath")
            files = gr.File(
                label="Downloads: MP4, frames (zip), contact sheet, manifest", file_count="multiple"
            )
    draw.click(
        partial(handlers.draw_procedural, scratch=scratch),
        [upload, frames, fps, seed, behaviours, size, workflow],
        [video, sheet, files],
        api_name="draw",
    )


def _neural_tab(examples: list[str], scratch: Scratch, models: str | None, ready: bool) -> None:
    keys, video = KeyframeSettings(), VideoSettings()
    files_state = gr.State([])
    with gr.Accordion("Step 1: upload a picture and generate its prompt", open=True), gr.Row():
        upload = gr.File(label="Picture", file_types=UPLOAD_TYPES, type="filepath", elem_id="neural-upload")
        with gr.Column():
            make_prompt = gr.Button("Generate prompt", interactive=ready)
            prompt = gr.Textbox(label="Prompt (edit it if you like)")
    with gr.Accordion("Step 2: keyframes", open=True), gr.Row():
        with gr.Column():
            steps_text = gr.Textbox(",".join(map(str, keys.operation_steps)), label="Operation steps")
            seed = gr.Number(keys.seed, precision=0, label="Seed")
            width = gr.Slider(64, 1024, value=keys.width, step=8, label="Width")
            height = gr.Slider(64, 1024, value=keys.height, step=8, label="Height")
            steps = gr.Slider(1, 100, value=keys.steps, step=1, label="Steps")
            cfg = gr.Slider(1.0, 32.0, value=keys.cfg, step=0.01, label="CFG scale")
            negative = gr.Textbox(KEYFRAME_NEGATIVE_PROMPT, label="Negative prompt")
            make_keys = gr.Button("Generate keyframes", interactive=ready)
        with gr.Column():
            shown = gr.Gallery(label="Keyframes (most finished first)", columns=4, object_fit="contain")
            order = gr.Textbox(label="Keyframes to use, in order (remove or reorder numbers)")
            own = gr.File(label="Add your own keyframes", file_count="multiple", file_types=UPLOAD_TYPES)
    with gr.Accordion("Step 3: video", open=True), gr.Row():
        with gr.Column():
            video_prompt = gr.Textbox(video.prompt, label="Prompt (the reference keeps it generic)")
            video_seed = gr.Number(video.seed, precision=0, label="Seed")
            video_cfg = gr.Slider(1.0, 15.0, value=video.cfg, step=0.5, label="CFG scale")
            video_steps = gr.Slider(1, 60, value=video.steps, step=1, label="Steps")
            video_fps = gr.Slider(1, 30, value=4, step=1, label="FPS")
            buckets = gr.Textbox(",".join(f"{w}x{h}" for h, w in VIDEO_BUCKETS), label="Video sizes (WxH)")
            make_video = gr.Button("Generate video", interactive=ready, variant="primary")
        with gr.Column():
            result = gr.Video(label="Video", autoplay=True)
            sheet = gr.Image(label="Contact sheet", type="filepath")
            downloads = gr.File(
                label="Downloads: MP4, frames (zip), contact sheet, manifest", file_count="multiple"
            )
    frames = gr.Gallery(label="Frames", columns=8, object_fit="contain")
    if examples:
        gr.Examples(examples=[[path] for path in examples], inputs=[upload], label="Examples")
    make_prompt.click(partial(handlers.prompt_for_upload, models=models), [upload], [prompt], api_name="tag")
    make_keys.click(
        partial(handlers.keyframes_for_upload, scratch=scratch, models=models),
        [upload, prompt, steps_text, seed, width, height, steps, cfg, negative],
        [shown, files_state, order],
        api_name="keyframes",
    )
    own.upload(
        handlers.add_keyframes, [own, files_state], [shown, files_state, order], api_name="add_keyframes"
    )
    make_video.click(
        partial(handlers.generate_video, scratch=scratch, models=models),
        [files_state, order, video_prompt, video_seed, video_cfg, video_steps, video_fps, buckets],
        [result, sheet, downloads, frames],
        api_name="video",
    )


def bundled_examples() -> list[str]:
    """The example pictures: inside the installed package, or in the repository when run from it."""
    package = Path(__file__).resolve().parents[1]
    for folder in (package / "examples", package.parents[1] / "examples"):
        if folder.is_dir():
            return sorted(str(path) for path in folder.glob("*.jpg"))
    return []
