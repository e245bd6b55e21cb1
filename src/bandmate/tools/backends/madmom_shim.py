"""Importing madmom 0.16.1 on Python 3.11 and numpy 2.

madmom's last release predates two removals it still relies on: the ABC aliases in ``collections``
(``collections.MutableSequence`` and friends, moved to ``collections.abc`` in Python 3.10) and the
numpy scalar aliases ``np.float``/``np.int``/``np.complex`` (removed in numpy 1.24). ``import_madmom``
restores each alias only where it is missing, then imports madmom. ``np.bool`` is left alone: numpy 2
defines it again as the real boolean type, and overwriting it with Python's ``bool`` would change
numpy's own behaviour.

madmom itself is BSD-licensed, but the models it ships (the chord, beat, downbeat and key networks
used here) are licensed CC BY-NC-SA 4.0: non-commercial use only.
"""

from __future__ import annotations

import importlib.util
import warnings
from types import ModuleType

from bandmate.core.errors import BackendUnavailable

_COLLECTION_ALIASES = ("MutableSequence", "MutableMapping", "MutableSet", "Sequence", "Mapping", "Set",
                       "Iterable", "Iterator", "Callable", "Hashable", "Sized", "Container")
_NUMPY_ALIASES = (("float", float), ("int", int), ("complex", complex))

INSTALL_HINT = ("install it with `pip install cython 'setuptools<81'` then "
                "`pip install --no-build-isolation madmom`, or use backend='librosa'")


def apply_shim() -> None:
    """Restore the aliases madmom 0.16.1 expects, only where absent (idempotent)."""
    import collections
    import collections.abc

    import numpy as np

    for name in _COLLECTION_ALIASES:
        if not hasattr(collections, name):
            setattr(collections, name, getattr(collections.abc, name))
    for name, value in _NUMPY_ALIASES:
        # np.__dict__ rather than hasattr: numpy 2 raises a helpful AttributeError from __getattr__
        if name not in np.__dict__:
            setattr(np, name, value)


def madmom_installed() -> bool:
    """True when a madmom distribution is on the path (cheap: nothing is imported)."""
    return importlib.util.find_spec("madmom") is not None


def import_madmom() -> ModuleType:
    """Apply the shim and import madmom with its feature processors, or raise BackendUnavailable."""
    if not madmom_installed():
        raise BackendUnavailable(f"the madmom analysis backend is not installed; {INSTALL_HINT}")
    apply_shim()
    try:
        with warnings.catch_warnings():
            # madmom imports pkg_resources, which warns about its own deprecation on every import
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            import madmom
            import madmom.features  # noqa: F401  (loads the chord/beat/key processors)
    except Exception as err:  # a broken build raises anything from ImportError to AttributeError
        raise BackendUnavailable(f"madmom is installed but failed to import ({type(err).__name__}: {err}); "
                                 f"{INSTALL_HINT}") from err
    return madmom


def madmom_importable() -> bool:
    """True when madmom imports with the shim applied (used by analyzer='auto')."""
    try:
        import_madmom()
    except BackendUnavailable:
        return False
    return True


def fix_downbeat_tracker(processor):
    """Make a ``DBNDownBeatTrackingProcessor`` work on numpy >= 1.24; returns the same processor.

    madmom 0.16.1 decodes each bar length with its own HMM, collects ``(path, log_prob)`` tuples and
    stacks them with ``np.asarray``, which modern numpy refuses for such ragged input. The processor
    maps its decoder through a ``map`` attribute; this one wraps each result in a 2-element object
    array, which stacks to the (n, 2) table madmom expects and still unpacks as ``path, log_prob``.
    """
    import numpy as np

    def _map(fn, items):
        results = []
        for item in items:
            path, log_prob = fn(item)
            pair = np.empty(2, dtype=object)
            pair[0], pair[1] = path, log_prob
            results.append(pair)
        return results

    processor.map = _map
    return processor
