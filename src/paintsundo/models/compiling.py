"""Regional compilation, declared by each model: which blocks torch.compile takes one at a time."""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class CompiledBlocks:
    """A model mix-in. `compiled_blocks` (classes) are compiled one by one: blocks of one shape share
    their generated code, and the loops and chunking around them stay eager, so memory is freed as it
    was. `compiled_methods` (names) of any submodule's class are compiled the same way, for per-frame
    work that is a method rather than a module."""

    compiled_blocks: ClassVar[tuple[type[nn.Module], ...]] = ()

    def compile_blocks(self, **options: Any) -> None:
        """torch.compile each declared block and method in place; `options` go to torch.compile."""
        assert isinstance(self, nn.Module)
        for module in self.modules():
            if isinstance(module, self.compiled_blocks):
                module.compile(**options)
            for name in getattr(type(module), "compiled_methods", ()):
                # An instance attribute shadows the class's method: the model compiles its own work.
                setattr(module, name, torch.compile(getattr(module, name), **options))
