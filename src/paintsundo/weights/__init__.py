"""Loading the released Paints-UNDO checkpoints: layout, strict key checks, safetensors only."""

from paintsundo.weights.loading import assign_weights, load_component, load_state_dict_file
from paintsundo.weights.release import COMPONENTS, Component, component

__all__ = ["COMPONENTS", "Component", "assign_weights", "component", "load_component", "load_state_dict_file"]
