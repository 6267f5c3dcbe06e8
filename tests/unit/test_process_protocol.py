"""Both engines' processes answer to one protocol, and both neural pipelines to another: the API
reads nothing of a process that the protocol does not name."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
from PIL import Image

import paintsundo.undo.api as api
from paintsundo import Settings
from paintsundo.timeline import Stage
from paintsundo.undo.api import Process, prepare_video
from paintsundo.undo.pipeline import NeuralPipeline
from paintsundo.undo.procedural import DrawingProcess

PIXELS = np.full((48, 64, 3), 200, np.uint8)
PIXELS[10:30, 20:50] = (30, 90, 160)


class TracedProcess:
    """A caller's own process, drawing through the procedural engine's: not a DrawingProcess."""

    drawn_as_written = True

    def __init__(self, drawn: DrawingProcess) -> None:
        self.drawn, self.stages, self.events = drawn, drawn.stages, drawn.events
        self.details = {}
        self.workflow_choice = {"workflow": "traced", "reason": "a caller's own"}

    def __len__(self) -> int:
        return len(self.drawn)

    def frame(self, index: int) -> np.ndarray:
        return self.drawn.frame(index)

    def stage_at(self, index: int) -> str:
        return self.drawn.stage_at(index)


def test_both_engines_give_a_process():
    from paintsundo.undo.pipeline.paints_undo import NeuralProcess

    drawing = DrawingProcess(PIXELS, frames=8, workflow="graphic")
    neural = NeuralProcess([PIXELS, PIXELS], (Stage("segment 1", 0, 2),), (), "a prompt")
    assert isinstance(drawing, Process) and isinstance(neural, Process)
    assert (drawing.details, drawing.workflow_choice["workflow"], drawing.drawn_as_written) == (
        {},
        "graphic",
        True,
    )
    assert (neural.workflow_choice, neural.drawn_as_written) == (None, False)


def test_a_process_of_ones_own_is_written_as_the_protocol_says(tmp_path):
    """One drawn as it is written reports the drawing's stages while written (not the encoding's
    frames), and its workflow choice goes to the manifest."""
    picture = tmp_path / "picture.png"
    Image.fromarray(PIXELS).save(picture)
    settings = Settings(frames=8, size="64", workflow="graphic")
    job = prepare_video(picture, tmp_path / "out.gif", settings)
    reported = []
    process = TracedProcess(DrawingProcess(PIXELS, frames=8, workflow="graphic"))
    result = job.write(progress=lambda stage, done, total: reported.append(stage), process=process)
    assert {stage.name for stage in process.stages} <= set(reported)
    assert result.manifest["workflow"] == process.workflow_choice and "neural" not in result.manifest


def test_the_api_reads_of_a_process_only_what_the_protocol_names():
    members = {*Process.__annotations__, *(name for name in vars(Process) if not name.startswith("_"))}
    tree = ast.parse(Path(api.__file__).read_text(encoding="utf-8"))
    read = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "process"
    }
    assert read and read <= members
    probed = [
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("getattr", "hasattr", "isinstance")
        and any(isinstance(arg, ast.Name) and arg.id == "process" for arg in node.args)
    ]
    assert probed == []


def test_both_neural_pipelines_have_each_of_the_protocol_s_stages():
    from paintsundo.undo.pipeline.paints_undo import PaintsUndoPipeline
    from paintsundo.undo.pipeline.spread import SpreadPipeline

    members = [name for name in vars(NeuralPipeline) if name == "__call__" or not name.startswith("_")]
    assert set(members) == {"tagger_prompt", "keyframes", "video", "details", "__call__"}
    for name in members:
        expected = inspect.signature(getattr(NeuralPipeline, name))
        assert inspect.signature(getattr(PaintsUndoPipeline, name)) == expected, name
        assert inspect.signature(getattr(SpreadPipeline, name)) == expected, name
