"""Compiled work prepared ahead of time and kept between runs: each compiled block's calls, per shape,
as an AOTInductor package (torch.export, then `aoti_compile_and_package`) in the user's cache.

A package takes the block's weights as inputs, so one package serves every block of that class and
shape. Packages sit in one folder per machine key (CPU, GPU, torch, CUDA, Triton, diffusers and the
source that shapes the graphs, graph_sources.py): anything that changes the compiled code changes the
folder, so a stale package is never found. A call with no package runs eager and is counted, so that
the run can say what to prepare. A call is exported and compiled into its package here too
(`export_call`, `compile_exported`; preparing.py runs them).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import os
import platform
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils import _pytree as pytree

from paintsundo.models.compiling import run_eager
from paintsundo.undo.runtime.graph_sources import graph_sources, sources_digest

FOLDER_VARIABLE = "PAINTSUNDO_COMPILED"
SUFFIX = ".pt2"
# Left in a machine's folder when this torch build crashed loading a package it had built.
UNLOADABLE = "cannot-load"


def compiled_folder() -> Path:
    """Where prepared packages live: $PAINTSUNDO_COMPILED, else the user's cache folder."""
    if os.environ.get(FOLDER_VARIABLE):
        return Path(os.environ[FOLDER_VARIABLE]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "paintsundo" / "compiled"


@functools.cache
def code_digest() -> str:
    """A digest of the source that shapes the compiled graphs (graph_sources.py): the models'
    declared blocks, how the pipeline compiles them (acceleration.py) and how a call becomes a
    package (this module), with all they import from paintsundo."""
    from paintsundo.undo.runtime import acceleration

    package = __name__.partition(".")[0]
    return sources_digest(graph_sources(package, (acceleration.__name__, __name__)))


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


@functools.cache
def cpu_identity() -> str:
    """The processor's architecture and instruction-set extensions: a package's C++ is built for them."""
    flags = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):  # x86, then Arm
                flags = " ".join(sorted(line.partition(":")[2].split()))
                break
    identity = f"{platform.machine()} {flags or platform.processor()}"
    return hashlib.sha256(identity.encode()).hexdigest()[:16]


def machine_key(device: torch.device) -> dict[str, str]:
    """Everything besides the call itself that decides a package: the GPU and the software."""
    if device.type == "cuda":
        properties = torch.cuda.get_device_properties(device)
        gpu, capability = properties.name, f"{properties.major}.{properties.minor}"
    else:
        gpu, capability = device.type, ""
    return {
        "cpu": cpu_identity(),
        "gpu": gpu,
        "capability": capability,
        "torch": torch.__version__,
        "cuda": str(torch.version.cuda),
        "triton": _version("triton"),
        "diffusers": _version("diffusers"),
        "code": code_digest(),
    }


def machine_folder(device: torch.device, root: Path | None = None) -> Path:
    """The folder of this machine key's packages (which may not exist yet)."""
    key = machine_key(device)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return (root or compiled_folder()) / digest


def _leaf_signature(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), tuple(value.stride()), str(value.dtype), value.device.type)
    if isinstance(value, (int, float, bool, str, type(None))):
        return (type(value).__name__, value)
    return ("object", type(value).__qualname__)  # modules and the like: not preparable


def call_signature(module: nn.Module, method: str, args: tuple, kwargs: dict, weights: tuple) -> tuple:
    """What decides a call's compiled code: the block's class, its weights' layout (`weights_layout`),
    and the arguments' shapes, strides and dtypes with any other values, in their structure."""
    return flat_call_signature(module, method, *pytree.tree_flatten((args, kwargs)), weights)


def flat_call_signature(
    module: nn.Module, method: str, leaves: list, structure: pytree.TreeSpec, weights: tuple
) -> tuple:
    """`call_signature` of a call whose arguments are already flattened."""
    return (
        f"{type(module).__module__}.{type(module).__qualname__}.{method}",
        weights,
        str(structure),
        tuple(_leaf_signature(leaf) for leaf in leaves),
    )


def weights_layout(tensors: dict[str, torch.Tensor]) -> tuple:
    return tuple((name, *_leaf_signature(tensor)) for name, tensor in tensors.items())


def preparable(signature: tuple) -> bool:
    """Whether a call can be exported: every argument a tensor or a plain value."""
    return all(leaf[0] != "object" for leaf in signature[3])


def package_name(signature: tuple) -> str:
    return hashlib.sha256(repr(signature).encode()).hexdigest()[:24] + SUFFIX


def module_tensors(module: nn.Module) -> dict[str, torch.Tensor]:
    """A block's weights and buffers by name, as its package takes them."""
    return {**dict(module.named_parameters()), **dict(module.named_buffers())}


@dataclass
class CallCounts:
    """How a run's calls of compiled blocks ran."""

    prepared: int = 0
    eager: int = 0
    broken: list[str] = field(default_factory=list)  # packages that would not load


class PackageRunner:
    """One loaded AOTInductor package, called with the same arguments as the block call it replaces.

    It drives torch's C++ loader itself. torch's Python loader first compares the package's CPU
    vector extensions with this machine's by building test programs with the C++ compiler, which
    took 43 s of a fresh process on the device; the machine key already keeps packages to the
    machine (CPU included) that built them.
    """

    def __init__(self, path: Path, device_index: int) -> None:
        """Load the package at `path` onto CUDA device `device_index` (-1 for a CPU package)."""
        share_cpp_runtime()
        self.loader = torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, device_index)
        inputs, outputs = self.loader.get_call_spec()
        self.input_spec = pytree.treespec_loads(inputs)
        self.output_spec = pytree.treespec_loads(outputs)
        self.checked = False  # whether a call's arguments had the exported structure

    def __call__(self, *args: Any) -> Any:
        """Run with the exported call's arguments; their structure is checked on the first call."""
        leaves, structure = pytree.tree_flatten((args, {}))
        if not self.checked:
            if structure != self.input_spec:
                raise ValueError(f"arguments shaped {structure}, the package takes {self.input_spec}")
            self.checked = True
        return self.run(leaves)

    def run(self, leaves: list) -> Any:
        """Run with the arguments already flattened, in the exported structure (unchecked): the
        tensors are passed, the other values are part of the package."""
        outputs = self.loader.boxed_run([leaf for leaf in leaves if isinstance(leaf, torch.Tensor)])
        return pytree.tree_unflatten(outputs, self.output_spec)


@functools.cache
def share_cpp_runtime() -> None:
    """Put the process's libstdc++ into the global symbol scope, for the packages' libraries."""
    # Some torch builds (2.11.0+cu130 on the device) link libstdc++ statically into each package's
    # library. A second C++ runtime in a process that already has one (torch's) crashes in
    # std::locale as the library starts. With the loaded libstdc++ global, the library's copy
    # resolves to it, as under LD_PRELOAD.
    if not hasattr(os, "RTLD_NOLOAD"):
        return  # Windows: no dlopen scopes
    with contextlib.suppress(OSError):  # libstdc++ not loaded (another C++ runtime): nothing to share
        ctypes.CDLL("libstdc++.so.6", mode=os.RTLD_GLOBAL | os.RTLD_NOLOAD)


class PreparedWork:
    """The route of a model's compiled blocks when packages are prepared: each call runs its shape's
    package if there is one, else eager. Packages load on first use and stay loaded."""

    def __init__(self, folder: Path, device: torch.device) -> None:
        self.folder, self.device = folder, device
        self.counts = CallCounts()
        self._runners: dict[tuple, PackageRunner | None] = {}
        # By block, read on its first call (once the weights are placed): its tensors and their layout.
        self._weights: dict[int, tuple[dict[str, torch.Tensor], tuple]] = {}

    def __call__(self, module: nn.Module, method: str, args: tuple, kwargs: dict) -> Any:
        if id(module) not in self._weights:
            tensors = module_tensors(module)
            self._weights[id(module)] = tensors, weights_layout(tensors)
        tensors, layout = self._weights[id(module)]
        leaves, structure = pytree.tree_flatten((args, kwargs))
        runner = self.runner(flat_call_signature(module, method, leaves, structure, layout))
        if runner is None:
            self.counts.eager += 1
            return run_eager(module, method, args, kwargs)
        self.counts.prepared += 1
        if not runner.checked:  # once a package's structure is checked, its signature keeps it
            return runner(tensors, args, kwargs)
        return runner.run([*tensors.values(), *leaves])  # a dict's leaves are its values, in order

    @classmethod
    def for_device(cls, device: torch.device) -> PreparedWork:
        """The route for this device's machine key (whether or not anything is prepared for it)."""
        return cls(machine_folder(device), device)

    def runner(self, signature: tuple) -> PackageRunner | None:
        """The loaded package of a call signature, or None if there is none (loaded once)."""
        if signature not in self._runners:
            self._runners[signature] = self._load(signature)
        return self._runners[signature]

    def _load(self, signature: tuple) -> PackageRunner | None:
        path = self.folder / package_name(signature)
        if not path.is_file():
            return None
        try:
            return PackageRunner(path, self._device_index())
        except Exception as error:  # cut short or damaged: run eager, say so, and let it be rebuilt
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.counts.broken.append(f"{path.name}: {reason}")
            path.unlink(missing_ok=True)
            return None

    def _device_index(self) -> int:
        if self.device.type != "cuda":
            return -1  # AOTInductor's "not a CUDA device"
        return self.device.index if self.device.index is not None else torch.cuda.current_device()


@dataclass
class RecordedCall:
    """A call to prepare: its block, and its arguments' shapes (as empty tensors of the layout)."""

    module: nn.Module
    method: str
    args: tuple
    kwargs: dict
    signature: tuple


class CallRecorder:
    """The route that runs every call eager and keeps one of each signature, to be prepared."""

    def __init__(self) -> None:
        self.calls: dict[tuple, RecordedCall] = {}

    def __call__(self, module: nn.Module, method: str, args: tuple, kwargs: dict) -> Any:
        signature = call_signature(module, method, args, kwargs, weights_layout(module_tensors(module)))
        if signature not in self.calls and preparable(signature):
            shaped_args, shaped_kwargs = pytree.tree_map_only(torch.Tensor, _like, (args, kwargs))
            self.calls[signature] = RecordedCall(module, method, shaped_args, shaped_kwargs, signature)
        return run_eager(module, method, args, kwargs)


def _like(tensor: torch.Tensor) -> torch.Tensor:
    """A tensor of the same shape, strides, dtype and device, holding nothing."""
    return torch.empty_strided(tensor.shape, tensor.stride(), dtype=tensor.dtype, device=tensor.device)


def packages_in(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def preparation_state(device: torch.device) -> str:
    """ "prepared", "unprepared", or "unloadable" (this torch build cannot load its packages)."""
    return _folder_state(machine_folder(device))


def _folder_state(folder: Path) -> str:
    if (folder / UNLOADABLE).is_file():
        return "unloadable"
    return "prepared" if packages_in(folder) else "unprepared"


def prepared_work(device: torch.device) -> PreparedWork | None:
    """The route for this device's compiled blocks, if any package is prepared for its machine key."""
    if device.type != "cuda":
        return None
    folder = machine_folder(device)
    return PreparedWork(folder, device) if _folder_state(folder) == "prepared" else None


@contextlib.contextmanager
def staged_file(path: Path) -> Iterator[Path]:
    """A temporary name beside `path`, renamed to it once the block succeeds, removed if it fails."""
    temporary = path.with_name(f".partial-{path.name}")  # the same suffix: AOTInductor checks it
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class _BlockCall(nn.Module):
    """One method of a block as a module of its own, whose weights `functional_call` can replace."""

    def __init__(self, block: nn.Module, method: str) -> None:
        super().__init__()
        self.block, self.method = block, method

    def forward(self, args: tuple, kwargs: dict) -> Any:
        return run_eager(self.block, self.method, args, kwargs)


class _WeightsAsInputs(nn.Module):
    """The exported form of a block call: its weights are inputs, so one package serves every block
    of the class and shape, and no weights are copied into the package."""

    def __init__(self, block: nn.Module, method: str) -> None:
        super().__init__()
        self._call = (_BlockCall(block, method),)  # in a tuple: not a submodule, so nothing is lifted

    def forward(self, weights: dict[str, torch.Tensor], args: tuple, kwargs: dict) -> Any:
        named = {f"block.{name}": tensor for name, tensor in weights.items()}
        return torch.func.functional_call(self._call[0], named, (args, kwargs))


def _filled(tensor: torch.Tensor) -> torch.Tensor:
    """An example input of the tensor's shape, strides and dtype (the values do not matter)."""
    example = torch.empty_strided(tensor.shape, tensor.stride(), dtype=tensor.dtype, device=tensor.device)
    return example.normal_() if example.is_floating_point() else example.zero_()


def export_call(call: RecordedCall) -> torch.export.ExportedProgram:
    """One recorded call as a graph that takes the block's weights as inputs (example values random)."""
    weights = {name: _filled(tensor) for name, tensor in module_tensors(call.module).items()}
    args, kwargs = pytree.tree_map_only(torch.Tensor, _filled, (call.args, call.kwargs))
    with torch.no_grad():
        return torch.export.export(
            _WeightsAsInputs(call.module, call.method), (weights, args, kwargs), strict=False
        )


def compile_exported(exported_file: str, package: str) -> None:
    """AOTInductor-compile a saved exported graph into a package, written whole or not at all."""
    with warnings.catch_warnings(), staged_file(Path(package)) as temporary:
        # torch copying its own graphs warns of a check it makes itself (2.11 to 2.13), per package.
        warnings.filterwarnings("ignore", r".*LeafSpec.* is deprecated", FutureWarning)
        exported = torch.export.load(exported_file)
        torch._inductor.aoti_compile_and_package(exported, package_path=str(temporary))
