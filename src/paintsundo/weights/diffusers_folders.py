"""Folders of diffusers models (a Stable Diffusion 1.5 pipeline, a ControlNet): a local folder used as
it is, or a Hugging Face repo fetched with huggingface_hub; safetensors only."""

from __future__ import annotations

from pathlib import Path

from paintsundo.errors import PaintsUndoError

PICKLES = ("*.bin", "*.ckpt", "*.pt", "*.pth")
# What a fetch takes from a repo: configs, tokenizers and safetensors, never a pickle.
FETCHED = ["*.json", "*.txt", "*.model", "*.safetensors"]


def model_folder(spec: str | Path, setting: str) -> Path:
    """The folder of a model given as a local folder or a hub id ("owner/name"): checked to hold
    safetensors, so that no pickled checkpoint is ever read."""
    folder = Path(spec)
    if not folder.is_dir():
        if folder.exists() or str(spec).count("/") != 1:
            raise PaintsUndoError(f"{spec} is neither a model folder nor a hub id like owner/name", setting)
        folder = _fetch(str(spec), setting)
    if not any(folder.rglob("*.safetensors")):
        pickled = sorted(path.name for pattern in PICKLES for path in folder.rglob(pattern))
        if pickled:
            raise PaintsUndoError(
                f"{spec} holds only pickled weights ({pickled[0]}), which are never loaded: use its"
                " safetensors variant, or convert it (diffusers' save_pretrained with safe_serialization)",
                setting,
            )
        raise PaintsUndoError(f"{spec} holds no model weights (.safetensors)", setting)
    return folder


def _fetch(repo: str, setting: str) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError

    try:
        return Path(snapshot_download(repo, allow_patterns=FETCHED))
    except RepositoryNotFoundError:
        raise PaintsUndoError(f"no such model on the Hugging Face hub: {repo}", setting) from None
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PaintsUndoError(
            f"cannot fetch {repo} ({reason}): give a local folder instead", setting
        ) from None
