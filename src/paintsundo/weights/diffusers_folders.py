"""Folders of diffusers-era models (a Stable Diffusion 1.5 pipeline, a ControlNet, an IP-Adapter): a
local folder used as it is, or a Hugging Face repo fetched with huggingface_hub; safetensors only, and
each checked to hold what its kind needs before any model code reads it. Imports no torch."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from paintsundo.errors import PaintsUndoError

PICKLES = ("*.bin", "*.ckpt", "*.pt", "*.pth")
# Variants a fetch leaves behind: the plain safetensors are what is loaded.
VARIANTS = ["*.fp16.safetensors", "*.bf16.safetensors", "*.ema.safetensors", "*.non_ema.safetensors"]


@dataclass(frozen=True)
class ModelLayout:
    """What a kind of model folder holds: files that must be there, folders that must hold
    safetensors ("" is the folder itself), and the patterns a fetch takes from a repo."""

    kind: str
    files: tuple[str, ...]
    weights: tuple[str, ...]
    fetched: tuple[str, ...]


SD15_PIPELINE = ModelLayout(
    "a Stable Diffusion 1.5 pipeline in diffusers layout",
    files=("model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json"),
    weights=("unet", "vae", "text_encoder"),
    fetched=(
        "model_index.json", "scheduler/*.json", "tokenizer/*",
        "text_encoder/*.json", "text_encoder/*.safetensors",
        "unet/*.json", "unet/*.safetensors", "vae/*.json", "vae/*.safetensors",
    ),
)  # fmt: skip
CONTROLNET = ModelLayout(
    "a ControlNet in diffusers layout",
    files=("config.json",),
    weights=("",),
    fetched=("config.json", "*.safetensors"),
)
# h94/IP-Adapter's layout: the SD1.5 adapter beside its CLIP ViT-H image encoder.
IP_ADAPTER_WEIGHTS = "models/ip-adapter_sd15.safetensors"
IP_ADAPTER = ModelLayout(
    "an SD1.5 IP-Adapter in h94/IP-Adapter's layout",
    files=(IP_ADAPTER_WEIGHTS, "models/image_encoder/config.json"),
    weights=("models/image_encoder",),
    fetched=(IP_ADAPTER_WEIGHTS, "models/image_encoder/config.json", "models/image_encoder/*.safetensors"),
)


def model_folder(spec: str | Path, layout: ModelLayout, setting: str) -> Path:
    """The folder of a model given as a local folder or a hub id ("owner/name"), checked to hold
    what `layout` needs as safetensors, so that no pickled checkpoint is ever read. A hub id is read
    from the Hugging Face cache when it is there, else fetched."""
    folder = Path(spec)
    if folder.is_dir():
        _check(_files_under(folder), layout, str(spec), setting)
        return folder
    if folder.exists() or str(spec).count("/") != 1:
        raise PaintsUndoError(f"{spec} is neither a model folder nor a hub id like owner/name", setting)
    cached = cached_model(str(spec), layout)
    return cached if cached is not None else fetch_model(str(spec), layout, setting)


def cached_model(repo: str, layout: ModelLayout) -> Path | None:
    """The repo's folder in the Hugging Face cache when it holds all `layout` needs, else None."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        folder = Path(snapshot_download(repo, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError, ValueError):
        return None
    return folder if holds(folder, layout) else None


def holds(folder: Path, layout: ModelLayout) -> bool:
    """Whether a local folder holds all `layout` needs."""
    if not folder.is_dir():
        return False
    try:
        _check(_files_under(folder), layout, str(folder), "")
    except PaintsUndoError:
        return False
    return True


def check_repo(repo: str, layout: ModelLayout, setting: str) -> None:
    """Raise in one line unless the hub repo holds what `layout` needs (its listing only)."""
    from huggingface_hub import HfApi

    with _hub_errors(repo, setting):
        listing = HfApi().list_repo_files(repo)
    _check(listing, layout, repo, setting)


def fetch_model(repo: str, layout: ModelLayout, setting: str, into: Path | None = None) -> Path:
    """Fetch what `layout` needs from a hub repo (resumable), into `into` or the cache, after checking
    the repo's listing, so that a wrong repo fails in one line before anything is downloaded."""
    check_repo(repo, layout, setting)
    return download_model(repo, layout, setting, into)


def download_model(repo: str, layout: ModelLayout, setting: str, into: Path | None = None) -> Path:
    """Download what `layout` needs from a hub repo already checked (see fetch_model)."""
    from huggingface_hub import snapshot_download

    with _hub_errors(repo, setting):
        folder = snapshot_download(
            repo,
            local_dir=str(into) if into is not None else None,
            allow_patterns=list(layout.fetched),
            ignore_patterns=VARIANTS,
        )
    return Path(folder)


@contextmanager
def _hub_errors(repo: str, setting: str) -> Iterator[None]:
    """The hub's failures as one line each."""
    from huggingface_hub.errors import RepositoryNotFoundError

    try:
        yield
    except RepositoryNotFoundError:
        raise PaintsUndoError(f"no such model on the Hugging Face hub: {repo}", setting) from None
    except PaintsUndoError:
        raise
    except Exception as error:  # the hub's, its HTTP client's (which differs by version) or the disk's
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PaintsUndoError(
            f"cannot fetch {repo} ({reason}): fetch it elsewhere and give its folder instead", setting
        ) from None


def _files_under(folder: Path) -> list[str]:
    return [path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()]


def _check(files: list[str], layout: ModelLayout, spec: str, setting: str) -> None:
    """Raise in one line unless `files` (paths relative to the model's folder) hold the layout's
    files and, in each of its weight folders, plain safetensors."""
    present = set(files)
    for name in layout.files:
        if name not in present:
            raise PaintsUndoError(f"{spec} is not {layout.kind}: it has no {name}", setting)
    for part in layout.weights:
        inside = [name for name in files if _directly_in(name, part)]
        if any(_is_plain_safetensors(name) for name in inside):
            continue
        where = f"{part}/" if part else "its folder"
        pickled = sorted(name for name in inside if any(fnmatch.fnmatch(name, p) for p in PICKLES))
        if pickled:
            raise PaintsUndoError(
                f"{spec} holds only pickled weights in {where} ({pickled[0]}), which are never loaded:"
                " use its safetensors variant, or convert it (diffusers' save_pretrained with"
                " safe_serialization)",
                setting,
            )
        variants = [name for name in inside if name.endswith(".safetensors")]
        also = f" (only {variants[0]}, a variant that is not read)" if variants else ""
        raise PaintsUndoError(
            f"{spec} is not {layout.kind}: no .safetensors weights in {where}{also}", setting
        )


def _directly_in(name: str, part: str) -> bool:
    parent = name.rpartition("/")[0]
    return parent == part


def _is_plain_safetensors(name: str) -> bool:
    return name.endswith(".safetensors") and not any(fnmatch.fnmatch(name, p) for p in VARIANTS)
