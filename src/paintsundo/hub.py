"""Where the released weights are: a models folder given, then $PAINTSUNDO_MODELS, then the Hugging
Face cache; and fetching them with huggingface_hub. Imports no torch."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from paintsundo.errors import PaintsUndoError
from paintsundo.extras import NEURAL_PACKAGES, require_extra
from paintsundo.weights.release import MULTI_FRAME, SINGLE_FRAME, model_set_folders

# Each model set's repo is named as its folder is.
SINGLE_FRAME_REPO = f"lllyasviel/{SINGLE_FRAME}"
MULTI_FRAME_REPO = f"lllyasviel/{MULTI_FRAME}"
TAGGER_REPO = "lllyasviel/misc"
TAGGER_FOLDER = "misc"
TAGGER_FILES = ("wd-v1-4-moat-tagger-v2.onnx", "wd-v1-4-moat-tagger-v2.csv")
ENVIRONMENT_VARIABLE = "PAINTSUNDO_MODELS"


@dataclass(frozen=True)
class ModelPaths:
    single_frame: Path
    multi_frame: Path
    tagger: Path  # the folder holding the tagger's .onnx and .csv
    source: str  # how they were found, for the user

    def missing(self) -> list[str]:
        """What is absent, as paths the user can act on; empty when everything is there."""
        absent = [
            str(folder / part)
            for folder, repo in ((self.single_frame, SINGLE_FRAME), (self.multi_frame, MULTI_FRAME))
            for part in model_set_folders(repo)
            if not (folder / part).is_dir()
        ]
        absent += [str(self.tagger / name) for name in TAGGER_FILES if not (self.tagger / name).is_file()]
        return absent


def layout(root: Path, source: str) -> ModelPaths:
    """The layout a download into a folder writes and a given models folder is read in."""
    return ModelPaths(root / SINGLE_FRAME, root / MULTI_FRAME, root / TAGGER_FOLDER, source)


def find_models(models_dir: str | Path | None = None) -> ModelPaths | None:
    """The first complete set of weights in lookup order, or None."""
    if models_dir is not None:
        paths = layout(Path(models_dir), "the models folder given")
        if not Path(models_dir).is_dir():
            raise PaintsUndoError(f"models folder not found: {models_dir}", "models")
        missing = paths.missing()
        if missing:
            raise PaintsUndoError(
                f"{models_dir} lacks {missing[0]}: download the weights into that folder", "models"
            )
        return paths
    if os.environ.get(ENVIRONMENT_VARIABLE):
        paths = layout(Path(os.environ[ENVIRONMENT_VARIABLE]), f"${ENVIRONMENT_VARIABLE}")
        if not paths.missing():
            return paths
    return _from_hub_cache()


def _from_hub_cache() -> ModelPaths | None:
    from huggingface_hub import hf_hub_download, snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        single = Path(snapshot_download(SINGLE_FRAME_REPO, local_files_only=True))
        multi = Path(snapshot_download(MULTI_FRAME_REPO, local_files_only=True))
        tagger = Path(hf_hub_download(TAGGER_REPO, TAGGER_FILES[0], local_files_only=True)).parent
        hf_hub_download(TAGGER_REPO, TAGGER_FILES[1], local_files_only=True)
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        return None
    paths = ModelPaths(single, multi, tagger, "the Hugging Face cache")
    return None if paths.missing() else paths


def missing_weights_message() -> str:
    return (
        "the neural engine's weights were not found: run `paintsundo download` on a machine with internet"
        f" (it fetches {SINGLE_FRAME_REPO}, {MULTI_FRAME_REPO} and the WD14 tagger from {TAGGER_REPO}),"
        f" or put them in a folder as {SINGLE_FRAME}/, {MULTI_FRAME}/ and {TAGGER_FOLDER}/ and give"
        f" that folder as the models folder or in {ENVIRONMENT_VARIABLE}"
    )


# What to do where the hub cannot be reached.
FETCH_ELSEWHERE = (
    f"fetch {SINGLE_FRAME_REPO}, {MULTI_FRAME_REPO} and {', '.join(TAGGER_FILES)} from {TAGGER_REPO}"
    f" elsewhere, put them in DIR/{SINGLE_FRAME}, DIR/{MULTI_FRAME} and DIR/{TAGGER_FOLDER},"
    " and give DIR as the models folder"
)
HUB_TIMEOUT = 5.0  # seconds for the hub to answer one request before it counts as unreachable


def require_download_extras(user: str) -> None:
    """Before any fetch, in one line: fetching needs huggingface_hub, and the gigabytes fetched are
    of use only to `user`, which needs the rest of the neural extra."""
    require_extra("neural", ("huggingface_hub",), "downloading the weights")
    require_extra("neural", NEURAL_PACKAGES, f"{user}, which the weights are for,")


def check_hub_reachable(instead: str, setting: str) -> None:
    """Before any fetch: whether the hub answers at all, found in seconds (each of huggingface_hub's
    requests retries for half a minute); where it does not, one line saying so and to do `instead`."""
    from huggingface_hub import constants
    from huggingface_hub.utils import get_session

    if constants.HF_HUB_OFFLINE:
        raise PaintsUndoError(
            f"HF_HUB_OFFLINE is set, so the Hugging Face Hub is not asked: unset it, or {instead}", setting
        )
    try:
        status = get_session().head(constants.ENDPOINT, timeout=HUB_TIMEOUT).status_code
        reason = f"HTTP {status}" if status >= 500 else None  # a proxy's answer for an unreachable hub
    except Exception as error:  # the HTTP client's, which differs by huggingface_hub version
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if reason is not None:
        raise PaintsUndoError(
            f"cannot reach the Hugging Face Hub at {constants.ENDPOINT} ({reason}): check this machine's"
            f" connection, or {instead}",
            setting,
        )


def download(to: str | Path | None = None) -> ModelPaths:
    """Fetch everything (resumable; huggingface_hub shows progress). Into `to` if given, else the cache."""
    require_download_extras("the neural engine")
    check_hub_reachable(FETCH_ELSEWHERE, "models")
    from huggingface_hub import hf_hub_download, snapshot_download

    root = Path(to) if to is not None else None
    try:
        folders = []
        for repo in (SINGLE_FRAME_REPO, MULTI_FRAME_REPO):
            target = str(root / repo.split("/")[1]) if root else None
            folders.append(
                Path(
                    snapshot_download(
                        repo, local_dir=target, allow_patterns=["*.json", "*.txt", "*.safetensors"]
                    )
                )
            )
        tagger_dir = str(root / TAGGER_FOLDER) if root else None
        for name in TAGGER_FILES:
            tagger = Path(hf_hub_download(TAGGER_REPO, name, local_dir=tagger_dir)).parent
    except Exception as error:  # the hub's, its HTTP client's (which differs by version) or the disk's
        raise PaintsUndoError(
            f"download failed ({type(error).__name__}): without access to the Hugging Face Hub,"
            f" {FETCH_ELSEWHERE}",
            "models",
        ) from None
    return ModelPaths(folders[0], folders[1], tagger, str(root) if root else "the Hugging Face cache")


# The neural colourist's weights: the base lineart_anime was trained on (Anything V3, converted to
# diffusers layout with safetensors), the ControlNet itself, and the SD1.5 IP-Adapter for references.
COLORIST_BASE_REPO = "ckpt/anything-v3.0"
COLORIST_CONTROLNET_REPO = "lllyasviel/control_v11p_sd15s2_lineart_anime"
COLORIST_IP_ADAPTER_REPO = "h94/IP-Adapter"


@dataclass(frozen=True)
class ColoristPaths:
    """The colourist's model folders; None where a model was not found."""

    base: Path | None
    controlnet: Path | None
    ip_adapter: Path | None


def _colorist_layouts():
    from paintsundo.weights.diffusers_folders import CONTROLNET, IP_ADAPTER, SD15_PIPELINE

    return {
        "base": (COLORIST_BASE_REPO, SD15_PIPELINE),
        "controlnet": (COLORIST_CONTROLNET_REPO, CONTROLNET),
        "ip_adapter": (COLORIST_IP_ADAPTER_REPO, IP_ADAPTER),
    }


def find_colorist_models(models_dir: str | Path | None = None) -> ColoristPaths:
    """The downloaded colourist models, each looked for in the models folder given, then
    $PAINTSUNDO_MODELS, then the Hugging Face cache (in the layout `download_colorist` writes)."""
    from paintsundo.weights.diffusers_folders import cached_model, holds

    roots = [Path(models_dir)] if models_dir is not None else []
    if os.environ.get(ENVIRONMENT_VARIABLE):
        roots.append(Path(os.environ[ENVIRONMENT_VARIABLE]))
    found = {}
    for setting, (repo, layout) in _colorist_layouts().items():
        folders = [root / repo.split("/")[1] for root in roots]
        found[setting] = next((each for each in folders if holds(each, layout)), None)
        if found[setting] is None:
            found[setting] = cached_model(repo, layout)
    return ColoristPaths(**found)


def download_colorist(to: str | Path | None = None) -> ColoristPaths:
    """Fetch the colourist's base, ControlNet and IP-Adapter (resumable), into `to` or the cache."""
    require_download_extras("the neural colourist")
    check_hub_reachable(
        "run `paintsundo download --colorize --to DIR` on a machine with internet and give DIR as the"
        " models folder",
        "models",
    )
    from paintsundo.weights.diffusers_folders import check_repo, download_model

    for setting, (repo, layout) in _colorist_layouts().items():  # every repo sound before any download
        check_repo(repo, layout, setting)
    root = Path(to) if to is not None else None
    folders = {
        setting: download_model(repo, layout, setting, root / repo.split("/")[1] if root else None)
        for setting, (repo, layout) in _colorist_layouts().items()
    }
    return ColoristPaths(**folders)
