"""The colourists' choices by name, apart from their code: a command's options and help name them
without loading it."""

# Who colours a line drawing, and how the procedural colourist shades it (auto: each seed draws its
# own lighting; the others name `coloring.procedural.lighting.PRESETS`).
COLORIZE_ENGINES = ("auto", "procedural", "neural")
COLORIZE_SHADINGS = ("auto", "soft", "cel")
MAX_CANDIDATES = 16  # the most candidates one run may make

# How closely the picture follows the lines (`controlnet.CONTROL_BY_NAME` gives each its settings).
CONTROL_NAMES = ("strict", "balanced", "loose")
# How the colourist trades GPU memory for speed: fast keeps its models on the GPU, low brings each
# layer in as it runs.
COLORIST_MEMORY_MODES = ("fast", "low")


def colorist_memory_mode(engine_mode: str) -> str:
    """The colourist's memory mode for one of the neural engine's (a batch takes one --memory for
    both): low stays low; fast, balanced and auto are fast, since the colourist has one set of models
    and no stages between which to move them."""
    return engine_mode if engine_mode in COLORIST_MEMORY_MODES else "fast"
