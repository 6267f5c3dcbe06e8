"""A Hugging Face hub made of local folders, for running `paintsundo` in a subprocess that must fetch
from the hub: the listing and download calls huggingface_hub offers, answered from `repos`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path


def install(repos: dict[str, str]) -> None:
    """Answer huggingface_hub's listing and snapshot calls from local folders (repo id -> folder);
    nothing is cached, so every lookup of the cache finds nothing."""
    import httpx
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError, RepositoryNotFoundError
    from huggingface_hub.utils import filter_repo_objects

    def folder_of(repo: str) -> Path:
        if repo not in repos:
            url = f"https://huggingface.co/api/models/{repo}"
            response = httpx.Response(404, request=httpx.Request("GET", url))
            raise RepositoryNotFoundError(f"404: {repo}", response=response)
        return Path(repos[repo])

    def files(repo: str) -> list[str]:
        root = folder_of(repo)
        return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())

    def list_repo_files(self, repo_id: str, **_) -> list[str]:
        return files(repo_id)

    def snapshot_download(repo_id: str, *, local_dir=None, allow_patterns=None, ignore_patterns=None,
                          local_files_only=False, **_) -> str:  # fmt: skip
        if local_files_only:
            raise LocalEntryNotFoundError(f"{repo_id} is not in the cache")
        if local_dir is None:
            raise AssertionError("the fake hub serves downloads into a folder only")
        wanted = filter_repo_objects(
            files(repo_id), allow_patterns=allow_patterns, ignore_patterns=ignore_patterns
        )
        for name in wanted:
            target = Path(local_dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder_of(repo_id) / name, target)
        return str(local_dir)

    huggingface_hub.HfApi.list_repo_files = list_repo_files
    huggingface_hub.snapshot_download = snapshot_download
    import paintsundo.hub

    paintsundo.hub.check_hub_reachable = lambda instead, setting: None  # this hub always answers


def command_script(repos: dict[str, str], argv: list[str]) -> str:
    """A `python -c` script that runs the paintsundo command with `argv` against the fake hub."""
    here = str(Path(__file__).parent)
    return "\n".join(
        [
            "import sys",
            f"sys.path.insert(0, {here!r})",
            "import fake_hub",
            f"fake_hub.install({json.dumps(repos)})",
            f"sys.argv = ['paintsundo', *{argv!r}]",
            "from paintsundo.cli import main",
            "main()",
        ]
    )
