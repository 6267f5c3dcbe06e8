"""Regional compilation, declared by each model: which blocks are compiled one at a time, by
torch.compile in the process or ahead of time (the pipeline's prepared work).

How a declared call runs is the block's own state, set through public methods: a block's forward is
compiled by torch's `nn.Module.compile`, a declared method by `DeclaredCalls.compile_method`, and
either is handed to prepared work by `DeclaredCalls.use_prepared`. Nothing replaces a method or
writes torch's private slots. Blocks of other libraries (diffusers') cannot own a route: each one
routed is put in a `RoutedBlock` of ours, which takes its place in the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

import torch
from torch import nn

# What a routed call is handed to: (module, method name, args, kwargs) -> the method's result.
CallRoute = Callable[[nn.Module, str, tuple, dict], Any]


class DeclaredCalls:
    """A mix-in for modules with declared calls: the forward of a block whose class a model lists in
    `compiled_blocks`, and the methods the class names in `compiled_methods` (per-frame work that is
    a method rather than a module). Callers of a declared method go through `declared_call`."""

    compiled_methods: ClassVar[tuple[str, ...]] = ()
    # Class defaults, shadowed per instance once set: what runs compiled, what is routed, and where.
    _compiled: Mapping[str, Callable[..., Any]] = MappingProxyType({})
    _routed: frozenset[str] = frozenset()
    _route: CallRoute | None = None

    def compile_method(self, name: str, **options: Any) -> None:
        """torch.compile the declared method `name` for this module; `options` go to torch.compile."""
        plain = getattr(type(self), name).__get__(self)
        self._compiled = {**self._compiled, name: torch.compile(plain, **options)}

    def use_prepared(self, route: CallRoute | None, methods: tuple[str, ...]) -> None:
        """Hand the calls of `methods` ("forward" and/or declared methods) to `route` (prepared
        compiled work), which runs them eager through `run_eager` where it has nothing prepared;
        None takes them back."""
        self._route, self._routed = route, frozenset(methods if route is not None else ())

    def declared_call(self, name: str) -> Callable[..., Any]:
        """The declared method `name` as it runs now: routed, compiled, or as the class defines it."""
        if name in self._routed:
            route, module = self._route, self

            def routed(*args: Any, **kwargs: Any) -> Any:
                return route(module, name, args, kwargs)

            return routed
        return self._compiled.get(name) or getattr(self, name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if "forward" in self._routed:
            return self._route(self, "forward", args, kwargs)
        return super().__call__(*args, **kwargs)


class RoutedBlock(nn.Module):
    """A block of another library whose calls go to a route: it holds the block (its weights keep
    their place among the model's parameters) and takes the block's place in the model."""

    def __init__(self, block: nn.Module, route: CallRoute) -> None:
        super().__init__()
        self.block, self.route = block, route

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.route(self.block, "forward", args, kwargs)


class CompiledBlocks:
    """A model mix-in. `compiled_blocks` (classes) are compiled one by one: blocks of one shape share
    their generated code, and the loops and chunking around them stay eager, so memory is freed as it
    was. `compiled_methods` (names) of any submodule's class are compiled the same way."""

    compiled_blocks: ClassVar[tuple[type[nn.Module], ...]] = ()

    def compile_blocks(self, **options: Any) -> None:
        """torch.compile each declared block and method in place; `options` go to torch.compile."""
        assert isinstance(self, nn.Module)
        for module in self.modules():
            if isinstance(module, self.compiled_blocks):
                module.compile(**options)
            if isinstance(module, DeclaredCalls):
                for name in module.compiled_methods:
                    module.compile_method(name, **options)

    def declared_calls(self) -> Iterator[tuple[str, nn.Module, str]]:
        """(name in the model, module, method) of each declared block ("forward") and method,
        outermost blocks only: a block inside another runs as part of it."""
        assert isinstance(self, nn.Module)
        inside: set[int] = set()
        for name, module in self.named_modules():  # parents come before their children
            if id(module) in inside:
                continue
            if isinstance(module, self.compiled_blocks):
                inside.update(id(child) for child in module.modules())
                yield name, module, "forward"
                continue
            for method in getattr(type(module), "compiled_methods", ()):
                yield name, module, method

    def route_calls(self, route: CallRoute) -> None:
        """Hand every call of the declared blocks and methods to `route` (prepared compiled work)."""
        assert isinstance(self, nn.Module)
        methods: dict[str, tuple[nn.Module, list[str]]] = {}
        for name, module, method in list(self.declared_calls()):
            methods.setdefault(name, (module, []))[1].append(method)
        for name, (module, names) in methods.items():
            route_module_calls(self, name, module, tuple(names), route)


def route_module_calls(
    model: nn.Module, name: str, module: nn.Module, methods: tuple[str, ...], route: CallRoute
) -> None:
    """Hand the calls of `methods` of `model`'s submodule `name` to `route`: through the module's
    own route if it has one, else (a block of another library's forward) through a RoutedBlock put
    in its place."""
    if isinstance(module, DeclaredCalls):
        module.use_prepared(route, methods)
    elif methods == ("forward",):
        model.set_submodule(name, RoutedBlock(module, route))
    else:
        raise TypeError(f"{type(module).__qualname__} declares methods but is not DeclaredCalls")


def run_eager(module: nn.Module, method: str, args: tuple, kwargs: dict) -> Any:
    """The method as the module's class defines it, bypassing any routing of its calls."""
    return getattr(type(module), method)(module, *args, **kwargs)
