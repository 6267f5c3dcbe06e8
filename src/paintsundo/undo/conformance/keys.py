"""`keys OUT_DIR`: the tensor names and shapes of every full-size component, built on the meta device."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from paintsundo.weights.release import COMPONENTS


def write_key_listings(out_dir: Path) -> list[Path]:
    """One `<repo>__<component>.tsv` per component: a header, then name<TAB>[shape] per tensor."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for component in COMPONENTS:
        with torch.device("meta"):
            model = component.build(component.released_config)
        rows = [f"{name}\t{json.dumps(list(tensor.shape))}" for name, tensor in model.state_dict().items()]
        path = out_dir / f"{component.key}.tsv"
        path.write_text("name\tshape\n" + "\n".join(rows) + "\n", encoding="utf-8")
        written.append(path)
    return written
