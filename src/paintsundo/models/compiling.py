"""Regional compilation, declared by each model: which blocks are compiled one at a time, by
torch.compile in the process or ahead of time (the pipeline's prepared work)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import torch
from torch import nn

# What a routed call is handed to: (module, method name, args, kwargs) -> the method's result.
CallRoute = Callable[[nn.Module, str, tuple, dict], Any]


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

    def declared_calls(self) -> Iterator[tuple[nn.Module, str]]:
        """(module, method) of each declared block ("forward") and method, outermost blocks only: a
        block inside another runs as part of it."""
        assert isinstance(self, nn.Module)
        inside: set[int] = set()
        for module in self.modules():  # parents come before their children
            if id(module) in inside:
                continue
            if isinstance(module, self.compiled_blocks):
                inside.update(id(child) for child in module.modules())
                yield module, "forward"
                continue
            for name in getattr(type(module), "compiled_methods", ()):
                yield module, name

    def route_calls(self, route: CallRoute) -> None:
        """Hand every call of the declared blocks and methods to `route` (prepared compiled work)."""
        for module, method in self.declared_calls():
            if method == "forward":
                send_calls(module, route)
            else:  # an instance attribute shadows the class's method, as compile_blocks does
                setattr(module, method, _routed(route, module, method))


def send_calls(module: nn.Module, route: CallRoute) -> None:
    """Hand a module's calls to `route`, through the slot that `nn.Module.compile` fills (its forward
    hooks are then not run: the models that are routed have none); `run_eager` runs the module."""
    module._compiled_call_impl = _routed(route, module, "forward")


def _routed(route: CallRoute, module: nn.Module, method: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return route(module, method, args, kwargs)

    return call


def run_eager(module: nn.Module, method: str, args: tuple, kwargs: dict) -> Any:
    """The method as the module's class defines it, bypassing any routing of its calls."""
    return getattr(type(module), method)(module, *args, **kwargs)
