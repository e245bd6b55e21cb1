"""Demucs (htdemucs) separation through the demucs package's own loading and ``apply_model``.

Where the weights come from, in order:
1. ``BANDMATE_DEMUCS`` (``Settings.demucs``): a checkpoint file (``.th`` as demucs saves them, or a
   ``.safetensors`` export) or a directory holding one (a demucs "repo": ``.th`` files, optionally a bag
   ``.yaml``); loaded with ``demucs.states.load_model`` / ``demucs.pretrained.get_model(repo=...)``.
2. The standard caches, read without any network: the HuggingFace cache (``adefossez/HTDemucs``) and
   the torch hub cache (``$TORCH_HOME/hub/checkpoints/955717e8-8726e21a.th``).
3. Only when the machine is online: demucs' standard download (``get_model('htdemucs')``).
A missing model raises ``BackendUnavailable`` naming BANDMATE_DEMUCS.

Separation resamples explicitly to the model's rate (44.1 kHz) and back, normalises like the demucs
CLI, and runs with CPU-friendly settings: the model's own segment, 10 % overlap, no shift averaging.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import numpy as np

from bandmate.core.audio_io import resample
from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable
from bandmate.core.settings import Settings

MODEL_NAME = "htdemucs"
HF_REPO = "adefossez/HTDemucs"
SOURCES = ["drums", "bass", "other", "vocals"]
STEM_ORDER = ("drums", "bass", "vocals", "other")
MISSING_HINT = ("set BANDMATE_DEMUCS to an htdemucs checkpoint (a .th file saved by demucs, or a directory "
                "holding one), or put htdemucs in the demucs cache; or use the 'dsp' separator")


class DemucsSeparator:
    """A loaded Demucs model (or bag of models) with the verb ``separate``."""

    def __init__(self, model: Any, *, overlap: float = 0.1, shifts: int = 0, segment_s: float | None = None,
                 origin: str = "?"):
        self.model = model.eval()
        self.overlap = overlap
        self.shifts = shifts
        self.segment_s = segment_s  # None: the model's training segment (7.8 s for htdemucs), the longest
        self.origin = origin

    @property
    def sources(self) -> list[str]:
        return list(self.model.sources)

    @property
    def sample_rate(self) -> int:
        return int(self.model.samplerate)

    def separate(self, clip: Clip) -> dict[str, Clip]:
        """Stems of ``clip`` by source name, at the clip's rate, channel count and length."""
        import torch
        from demucs.apply import apply_model

        channels = int(self.model.audio_channels)
        x = resample(clip.with_channels(channels), self.sample_rate) if clip.sample_rate != self.sample_rate \
            else clip.with_channels(channels)
        wav = torch.from_numpy(np.array(x.samples))
        ref = wav.mean(0)
        mean, std = ref.mean(), ref.std()
        std = std if float(std) > 1e-8 else torch.tensor(1.0)  # silence: nothing to normalise
        with torch.inference_mode():
            out = apply_model(self.model, ((wav - mean) / std)[None], shifts=self.shifts, split=True,
                              overlap=self.overlap, progress=False, device="cpu", segment=self.segment_s)
        out = (out[0] * std + mean).numpy()
        stems = {}
        for i, name in enumerate(self.sources):
            stem = Clip(out[i], self.sample_rate, (*clip.provenance, f"demucs {name}"))
            if stem.sample_rate != clip.sample_rate:
                stem = resample(stem, clip.sample_rate)
            stem = stem.with_channels(clip.channels)
            stems[name] = stem.replace(stem.padded(clip.frames), "fit length")
        order = [n for n in STEM_ORDER if n in stems] + [n for n in stems if n not in STEM_ORDER]
        return {n: stems[n] for n in order}


def load_demucs(settings: Settings, *, online: bool | None = None) -> DemucsSeparator:
    """Load htdemucs from BANDMATE_DEMUCS, the caches, or (online only) the standard download."""
    try:
        import demucs.apply  # noqa: F401
        import torch  # noqa: F401
    except ImportError as err:
        raise BackendUnavailable(f"the demucs separator needs torch and demucs ({err}); install them with "
                                 "`pip install torch==2.13.0 demucs`, or use the 'dsp' separator") from None
    if settings.demucs:
        path = Path(settings.demucs).expanduser()
        return DemucsSeparator(_from_path(path), origin=str(path))
    found = _from_cache()
    if found is not None:
        return DemucsSeparator(found[0], origin=found[1])
    if online is None:
        online = _online()
    if not online:
        raise BackendUnavailable(f"no Demucs weights found: BANDMATE_DEMUCS is not set, htdemucs is not in the "
                                 f"HuggingFace or torch hub cache ({_torch_hub_file()}), and this machine is "
                                 f"offline so nothing was downloaded; {MISSING_HINT}")
    return DemucsSeparator(_download(), origin="download")


# ---- BANDMATE_DEMUCS ------------------------------------------------------------------------------

def _from_path(path: Path) -> Any:
    if not path.exists():
        raise BackendUnavailable(f"BANDMATE_DEMUCS={str(path)!r} does not exist; {MISSING_HINT}")
    try:
        if path.is_dir():
            return _from_dir(path)
        if path.suffix == ".th":
            from demucs.states import load_model

            return load_model(path)
        if path.suffix == ".safetensors":
            from demucs.hf import load_safetensors_model

            return load_safetensors_model(path)
    except BackendUnavailable:
        raise
    except Exception as err:  # a corrupt or foreign file: say which and why
        raise BackendUnavailable(f"BANDMATE_DEMUCS={str(path)!r} could not be loaded as a Demucs model "
                                 f"({type(err).__name__}: {err}); {MISSING_HINT}") from err
    raise BackendUnavailable(f"BANDMATE_DEMUCS={str(path)!r} is a {path.suffix or 'suffix-less'} file; expected "
                             f"a .th or .safetensors checkpoint or a directory; {MISSING_HINT}")


def _from_dir(path: Path) -> Any:
    """A demucs repo directory: a bag .yaml (htdemucs first) or a single .th / .safetensors model."""
    from demucs.pretrained import get_model

    bags = sorted(path.glob("*.yaml"), key=lambda p: (p.stem != MODEL_NAME, p.name))
    checkpoints = sorted(path.glob("*.th"))
    exports = sorted(path.glob("*.safetensors"))
    if bags and checkpoints:
        return get_model(bags[0].stem, repo=path)
    if bags and exports:
        return _bag_from_files(bags[0], lambda sig: path / f"{sig}.safetensors")
    if len(checkpoints) == 1:
        # LocalRepo verifies the "-<sha256 prefix>" that demucs' save_with_checksum puts in the name
        return get_model(checkpoints[0].stem.rsplit("-", 1)[0], repo=path)
    if len(exports) == 1:
        from demucs.hf import load_safetensors_model

        return load_safetensors_model(exports[0])
    found = ", ".join(p.name for p in checkpoints + exports) or "no .th or .safetensors file"
    raise BackendUnavailable(f"BANDMATE_DEMUCS={str(path)!r} holds {found}; expected exactly one checkpoint "
                             f"or a bag .yaml naming them; {MISSING_HINT}")


# ---- caches and download ----------------------------------------------------------------------------

def _from_cache() -> tuple[Any, str] | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # demucs can still use the torch hub cache without it
        try_to_load_from_cache = None
    cache = _hf_cache_dir()
    bag = try_to_load_from_cache(HF_REPO, f"{MODEL_NAME}.yaml", cache_dir=cache) if try_to_load_from_cache else None
    if isinstance(bag, str):
        def locate(sig: str) -> Path | None:
            hit = try_to_load_from_cache(HF_REPO, f"{sig}.safetensors", cache_dir=cache)
            return Path(hit) if isinstance(hit, str) else None

        model = _bag_from_files(Path(bag), locate, required=False)
        if model is not None:
            return model, f"HuggingFace cache {cache}"
    hub = _torch_hub_file()
    if hub.is_file():
        from demucs.states import load_model

        return load_model(hub), f"torch hub cache {hub}"
    return None


def _bag_from_files(yaml_path: Path, locate, required: bool = True) -> Any:
    import yaml
    from demucs.apply import BagOfModels
    from demucs.hf import load_safetensors_model

    spec = yaml.safe_load(yaml_path.read_text())
    files = [locate(sig) for sig in spec["models"]]
    missing = [sig for sig, f in zip(spec["models"], files, strict=True) if f is None or not Path(f).is_file()]
    if missing:
        if not required:
            return None
        raise BackendUnavailable(f"{yaml_path} names models {missing} that are not beside it; {MISSING_HINT}")
    return BagOfModels([load_safetensors_model(f) for f in files], spec.get("weights"), spec.get("segment"))


def _torch_hub_file() -> Path:
    """Where demucs' legacy download of htdemucs lands (torch.hub reads TORCH_HOME on every call)."""
    import torch
    import yaml
    from demucs.pretrained import REMOTE_ROOT, _parse_remote_files

    sig = yaml.safe_load((REMOTE_ROOT / f"{MODEL_NAME}.yaml").read_text())["models"][0]
    url = _parse_remote_files(REMOTE_ROOT / "files.txt")[sig]
    return Path(torch.hub.get_dir()) / "checkpoints" / url.rsplit("/", 1)[1]


def _hf_cache_dir() -> Path:
    # read at call time (huggingface_hub fixes its constant at import, before tests can redirect it)
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "huggingface" / "hub"


def _online(timeout_s: float = 2.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout_s).close()
        return True
    except OSError:
        return False


def _download() -> Any:
    from demucs.pretrained import get_model

    try:
        return get_model(MODEL_NAME)
    except (Exception, SystemExit) as err:  # demucs calls sys.exit via `fatal` on some failures
        raise BackendUnavailable(f"downloading {MODEL_NAME} failed ({type(err).__name__}: {err}); "
                                 f"{MISSING_HINT}") from err


# ---- random-weight models of the real architecture (tests and benchmarks) --------------------------

def random_htdemucs(size: str = "tiny", seed: int = 0) -> Any:
    """An untrained HTDemucs: 'tiny' (~0.4 M parameters, for tests) or 'full' (the released size)."""
    from fractions import Fraction

    import torch
    from demucs.htdemucs import HTDemucs

    torch.manual_seed(seed)
    if size == "full":
        return HTDemucs(sources=SOURCES, dconv_mode=3, bottom_channels=512, segment=Fraction(39, 5)).eval()
    if size != "tiny":
        raise ValueError(f"size must be 'tiny' or 'full', got {size!r}")
    return HTDemucs(sources=SOURCES, channels=8, dconv_comp=4, depth=4, t_layers=1, t_heads=2,
                    segment=Fraction(2, 1)).eval()


def save_checkpoint(model: Any, directory: Path, name: str = MODEL_NAME) -> Path:
    """Save ``model`` the way demucs does (class, init args, state; sha256 prefix in the file name)."""
    from demucs.states import get_state, save_with_checksum

    args, kwargs = model._init_args_kwargs
    directory.mkdir(parents=True, exist_ok=True)
    package = {"klass": model.__class__, "args": args, "kwargs": kwargs,
               "state": get_state(model, None, half=False)}
    save_with_checksum(package, directory / f"{name}.th")
    return next(directory.glob(f"{name}-*.th"))
