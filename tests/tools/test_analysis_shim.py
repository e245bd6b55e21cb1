"""madmom's import shim: aliases restored only where absent; the downbeat tracker's numpy fix."""

from __future__ import annotations

import collections
import collections.abc

import numpy as np
import pytest

from bandmate.tools.backends.madmom_shim import (
    apply_shim,
    fix_downbeat_tracker,
    import_madmom,
    madmom_installed,
)


def test_shim_restores_only_missing_aliases():
    bool_before = np.bool
    apply_shim()
    apply_shim()  # idempotent
    assert collections.MutableSequence is collections.abc.MutableSequence
    assert np.float is float and np.int is int and np.complex is complex
    assert np.bool is bool_before is np.bool_  # numpy 2's own np.bool is left alone


def test_fixed_downbeat_tracker_stacks_ragged_results_like_madmom_expects():
    class Tracker:
        map = map

    paths = {3: np.arange(7), 4: np.arange(9)}  # different path lengths per bar length: ragged
    tracker = fix_downbeat_tracker(Tracker())
    results = tracker.map(lambda beats: (paths[beats], -10.0 * beats), [3, 4])
    with pytest.raises(ValueError):
        np.asarray([(paths[3], -30.0), (paths[4], -40.0)])  # what madmom 0.16.1 does, failing on numpy 2
    table = np.asarray(results)
    assert table.shape == (2, 2) and np.argmax(table[:, 1]) == 0
    path, log_prob = results[1]
    assert np.array_equal(path, paths[4]) and log_prob == -40.0


def test_madmom_imports_through_the_shim():
    if not madmom_installed():
        pytest.skip("madmom is not installed")
    madmom = import_madmom()
    from madmom.features.chords import CRFChordRecognitionProcessor
    from madmom.features.key import KEY_LABELS

    from bandmate.tools.backends.analysis_librosa import spell_key

    assert madmom.__version__ and CRFChordRecognitionProcessor
    # every key name madmom can return respells into the project's 24 names
    assert len({spell_key(label) for label in KEY_LABELS}) == 24
