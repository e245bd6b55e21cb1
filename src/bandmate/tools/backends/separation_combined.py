"""Four stems from the pretrained 2-stem model plus DSP: vocals from Spleeter, the rest split by DSP.

The vocals come from Spleeter's U-Nets (spleeter_backend); the accompaniment (the exact remainder)
is split by the DSP separator's masks (separation_dsp): its percussive part (harmonic/percussive
median filtering, with the low-band transient detector for kicks) is ``drums``, its harmonic part
below the ~220 Hz crossover is ``bass``, and everything else, including what the DSP would have
called vocals in the accompaniment, is ``other``. The four stems sum to the input exactly.
"""

from __future__ import annotations

from bandmate.core.clip import Clip

BACKENDS = {"vocals": "spleeter", "drums": "dsp", "bass": "dsp", "other": "dsp"}


def separate_combined(clip: Clip, spleeter) -> dict[str, Clip]:
    """drums / bass / vocals / other of ``clip`` with a loaded SpleeterSeparator."""
    from bandmate.tools.backends.separation_dsp import separate_clip

    two = spleeter.separate(clip)
    acc = two["accompaniment"]
    dsp = separate_clip(acc)
    drums = dsp["drums"].replace(dsp["drums"].samples, "dsp drums of the spleeter accompaniment")
    bass = dsp["bass"].replace(dsp["bass"].samples, "dsp bass of the spleeter accompaniment")
    other = acc.samples - drums.samples - bass.samples
    return {"drums": drums, "bass": bass, "vocals": two["vocals"],
            "other": acc.replace(other, "spleeter accompaniment minus dsp drums and bass")}
