"""The WD14 tagger's preprocessing, thresholds and formatting, on a tiny ONNX model built here."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from paintsundo.errors import PaintsUndoError
from paintsundo.tagger import TAGGER_NAME, Tagger, prepare

SIZE = 16
# name, category, bias: a fixed logit, plus a weight on input channel 0 for blue_theme.
TAGS = [
    ("general", "9", 5.0),  # a rating tag: always dropped
    ("1girl", "0", 2.0),  # p = 0.88 > 0.35: kept
    ("long_hair", "0", -0.3),  # p = 0.43 > 0.35: kept
    ("hat", "0", -1.0),  # p = 0.27: dropped
    ("(ghost)", "0", 0.5),  # kept, parentheses escaped
    ("blue_theme", "0", -12.8),  # follows channel 0 of the BGR input: the picture's blue
    ("hatsune_miku", "4", 2.0),  # p = 0.88 > 0.85: kept, listed first
    ("megumin", "4", 1.0),  # p = 0.73 < 0.85: dropped
]
BLUE_TAG = 5


def build_tagger(folder: Path) -> Path:
    """input 1 S S 3 -> mean over pixels -> 1 3 -> linear -> sigmoid -> 1 tags."""
    weights = np.zeros((3, len(TAGS)), np.float32)
    weights[0, BLUE_TAG] = 0.1  # (mean of channel 0 - 128) / 10
    bias = np.array([b for _, _, b in TAGS], np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("ReduceMean", ["input_1:0", "axes"], ["mean"], keepdims=0),
            helper.make_node("MatMul", ["mean", "weights"], ["logits"]),
            helper.make_node("Add", ["logits", "bias"], ["shifted"]),
            helper.make_node("Sigmoid", ["shifted"], ["predictions_sigmoid"]),
        ],
        "tiny_wd14",
        [helper.make_tensor_value_info("input_1:0", TensorProto.FLOAT, [1, SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("predictions_sigmoid", TensorProto.FLOAT, [1, len(TAGS)])],
        [
            helper.make_tensor("axes", TensorProto.INT64, [2], [1, 2]),
            helper.make_tensor("weights", TensorProto.FLOAT, weights.shape, weights.flatten()),
            helper.make_tensor("bias", TensorProto.FLOAT, bias.shape, bias),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / f"{TAGGER_NAME}.onnx")
    with (folder / f"{TAGGER_NAME}.csv").open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["tag_id", "name", "category", "count"])
        writer.writerows([index, name, category, 1] for index, (name, category, _) in enumerate(TAGS))
    return folder


def test_tags_are_thresholded_ordered_and_formatted(tmp_path):
    tagger = Tagger(build_tagger(tmp_path / "misc"))
    red = np.zeros((40, 40, 3), np.uint8)
    red[..., 0] = 255
    assert tagger(red) == "hatsune miku, 1girl, long hair, \\(ghost\\)"
    blue = np.zeros((40, 40, 3), np.uint8)
    blue[..., 2] = 255
    assert tagger(blue) == "hatsune miku, 1girl, long hair, \\(ghost\\), blue theme", "BGR: blue is channel 0"


def test_preprocessing_pastes_the_long_side_on_a_white_square():
    wide = np.zeros((10, 40, 3), np.uint8)
    wide[..., 0] = 200  # red
    batch = prepare(wide, SIZE)
    assert batch.shape == (1, SIZE, SIZE, 3) and batch.dtype == np.float32
    assert (batch[0, 0] == 255).all(), "the top rows are the white padding"
    middle = batch[0, SIZE // 2, SIZE // 2]
    assert middle[2] == pytest.approx(200, abs=2) and middle[0] == pytest.approx(0, abs=2), "BGR order"


def test_missing_tagger_files_fail_clearly(tmp_path):
    with pytest.raises(PaintsUndoError, match="tagger file not found"):
        Tagger(tmp_path)
