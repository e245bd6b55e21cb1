"""MusicGen through transformers: text to music, melody (chroma) conditioning, continuation, streaming.

Conventions
- A checkpoint is a transformers-format directory whose ``config.json`` says ``model_type``
  ``"musicgen"`` or ``"musicgen_melody"``. It comes from ``BANDMATE_MUSICGEN`` (a local directory, or a
  hub id looked up only in the local Hugging Face cache) or, when that is unset,
  ``facebook/musicgen-small`` from the cache. Nothing is ever downloaded here.
- Generation keeps audiocraft's model-card conventions: ``duration_s`` in seconds, sampling with
  ``top_k=250``, classifier-free guidance 3. A generation (prefix included) lasts at most 30 s.
- Audio comes back as a ``Clip`` at the codec's rate (32 kHz), mono (stereo checkpoints give 2 channels).
- On CPU the decoder's ``nn.Linear`` layers are dynamically quantised to int8: the decoder is memory
  bound and int8 weights cut the time per step several-fold (``python -m benchmarks.bench_musicgen``).
  The KV cache stays dynamic: transformers' static cache runs for MusicGen but measured slower on CPU
  with guidance (the batch is doubled), see the benchmark.
- Streaming: ``on_chunk`` receives the audio of finished codec frames while the model is still
  sampling (about one second at a time), decoded from a window with left context; the chunks joined
  match the final one-shot decode closely (measured in the tests) and the last chunk is cut from it.
- Text: the checkpoint's tokenizer when it ships one. Tiny test checkpoints have none; then every UTF-8
  byte of the prompt becomes one id (``byte_ids``), which runs the real model but carries no meaning.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.core.settings import Settings

DEFAULT_HUB_ID = "facebook/musicgen-small"
TOP_K = 250
GUIDANCE_SCALE = 3.0
MAX_TOTAL_S = 30.0
STREAM_CHUNK_S = 1.0
STREAM_CONTEXT_FRAMES = 25  # left context decoded with each streamed chunk (the codec's LSTM warms up)
STREAM_HOLD_FRAMES = 3  # frames held back: the codec's non-causal convolutions look this far ahead
CHROMA_N_FFT = 16384  # the melody feature extractor's analysis (transformers' defaults)
CHROMA_HOP = 4096
MODEL_CLASSES = {"musicgen": "MusicgenForConditionalGeneration",
                 "musicgen_melody": "MusicgenMelodyForConditionalGeneration"}
ChunkFn = Callable[[Clip], None]


def _missing(spec: str | None, why: str) -> BackendUnavailable:
    shown = f"BANDMATE_MUSICGEN={spec!r}" if spec else "BANDMATE_MUSICGEN is unset"
    return BackendUnavailable(
        f"MusicGen weights not found ({shown}): {why}. Set BANDMATE_MUSICGEN to a local directory holding a "
        f"transformers MusicGen checkpoint (config.json + model.safetensors), or to a hub id already in the "
        f"Hugging Face cache (e.g. `huggingface-cli download {DEFAULT_HUB_ID}` on a machine with internet); "
        "the similarity and symbolic backends work without it")


def resolve_checkpoint(spec: str | None) -> Path:
    """The checkpoint directory named by ``spec`` (a directory or a cached hub id); never downloads."""
    if spec:
        p = Path(spec).expanduser()
        if p.is_dir():
            if not (p / "config.json").is_file():
                raise _missing(spec, f"{p} has no config.json")
            return p
        if p.exists() or spec.startswith(("/", ".", "~")) or spec.count("/") != 1:
            raise _missing(spec, "no such directory")
    hub_id = spec or DEFAULT_HUB_ID
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(hub_id, local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError) as err:
        raise _missing(spec, f"{hub_id!r} is not in the local Hugging Face cache ({type(err).__name__})") from None


def load_musicgen(settings: Settings, *, quantize: bool | None = None, device: str | None = None) -> MusicGen:
    """Load the checkpoint named by ``settings.musicgen``; int8 decoder on CPU unless ``quantize=False``."""
    path = resolve_checkpoint(settings.musicgen)
    model_type = json.loads((path / "config.json").read_text()).get("model_type")
    if model_type not in MODEL_CLASSES:
        raise _missing(settings.musicgen, f"{path} holds a {model_type!r} model, not musicgen or musicgen_melody")
    import torch
    import transformers

    transformers.utils.logging.set_verbosity_error()  # pad id 2048 == vocab size is normal for MusicGen
    model = getattr(transformers, MODEL_CLASSES[model_type]).from_pretrained(path, local_files_only=True)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model = model.to(device).eval()
    quantize = device == "cpu" if quantize is None else quantize
    if quantize:
        if device != "cpu":
            raise ToolInputError(f"int8 dynamic quantisation runs on CPU only; got device {device!r}")
        quantize_decoder(model)
    return MusicGen(model, tokenizer=_load_tokenizer(path), path=path, quantized=quantize)


def quantize_decoder(model: Any) -> None:
    """Swap the decoder's Linear layers for dynamic int8 ones, in place (weights int8, activations fp32)."""
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated in favour of torchao, not installed
        quantize_dynamic(model.decoder, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)


def _load_tokenizer(path: Path) -> Any | None:
    if not any((path / f).is_file() for f in ("tokenizer.json", "spiece.model", "tokenizer_config.json")):
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path, local_files_only=True)


def byte_ids(prompt: str, vocab_size: int) -> list[int]:
    """Fallback text ids when a checkpoint ships no tokenizer: one id per UTF-8 byte, then T5's </s> (1)."""
    usable = max(1, vocab_size - 3)
    return [3 + b % usable for b in prompt.encode("utf-8")[:256]] + [1]


class MusicGen:
    """A loaded checkpoint with three verbs sharing one private core; no generation settings are stored."""

    def __init__(self, model: Any, *, tokenizer: Any | None, path: Path, quantized: bool):
        self._model = model
        self._tokenizer = tokenizer
        self.path = path
        self.quantized = quantized
        self.is_melody = model.config.model_type == "musicgen_melody"
        codec = model.config.audio_encoder
        self.sample_rate = int(codec.sampling_rate)
        self.hop = int(np.prod(codec.upsampling_ratios))
        self.frame_rate = self.sample_rate / self.hop
        self.channels = int(model.config.decoder.audio_channels)
        self.num_codebooks = int(model.decoder.num_codebooks)
        # stereo checkpoints interleave left/right codebooks, and each pair shares one delay
        self._delays = [r // self.channels for r in range(self.num_codebooks)]

    def __repr__(self) -> str:
        kind = "melody" if self.is_melody else "text"
        return f"MusicGen({self.path.name}, {kind}, {'int8' if self.quantized else 'fp32'} decoder)"

    @property
    def has_tokenizer(self) -> bool:
        return self._tokenizer is not None

    # ---- verbs --------------------------------------------------------------------------------------
    def generate(self, prompt: str, duration_s: float, *, seed: int = 0, guidance_scale: float = GUIDANCE_SCALE,
                 top_k: int = TOP_K, melody: Clip | None = None, on_chunk: ChunkFn | None = None) -> Clip:
        """``duration_s`` of new music for ``prompt``; with ``melody`` (melody checkpoints) following its chroma."""
        chroma = None if melody is None else self._chroma(melody)
        audio = self._run(prompt, duration_s, seed=seed, guidance_scale=guidance_scale, top_k=top_k,
                          prefix_codes=None, chroma=chroma, on_chunk=on_chunk)
        return Clip(audio, self.sample_rate, (f"musicgen {self.path.name} {prompt[:60]!r} seed {seed}",))

    def continue_audio(self, prefix: Clip, prompt: str, duration_s: float, *, seed: int = 0,
                       guidance_scale: float = GUIDANCE_SCALE, top_k: int = TOP_K, melody: Clip | None = None,
                       on_chunk: ChunkFn | None = None) -> Clip:
        """The ``duration_s`` that follow ``prefix`` (only the new audio; the prefix is encoded as the prompt).

        A prefix longer than ``30 s - duration_s`` is cut to its most recent part.
        """
        if not 0 < duration_s < MAX_TOTAL_S - 0.1:
            raise ToolInputError(f"duration_s {duration_s} is outside (0, {MAX_TOTAL_S - 0.1:g}) s: a continuation "
                                 f"and its prefix share MusicGen's {MAX_TOTAL_S:g} s window")
        chroma = None if melody is None else self._chroma(melody)
        codes = self.encode_audio(prefix, max_s=MAX_TOTAL_S - duration_s)
        audio = self._run(prompt, duration_s, seed=seed, guidance_scale=guidance_scale, top_k=top_k,
                          prefix_codes=codes, chroma=chroma, on_chunk=on_chunk)
        return Clip(audio, self.sample_rate,
                    (f"musicgen {self.path.name} continuation {prompt[:60]!r} seed {seed}",))

    # ---- codec ------------------------------------------------------------------------------------
    def encode_audio(self, clip: Clip, *, max_s: float = MAX_TOTAL_S) -> Any:
        """Codec codes ``(codebooks, frames)`` of the last ``max_s`` of ``clip`` (whole frames, end-aligned)."""
        import torch

        from bandmate.core.audio_io import resample

        x = resample(clip.with_channels(self.channels), self.sample_rate).samples
        frames = min(x.shape[1], int(max_s * self.sample_rate)) // self.hop
        if frames < 1:
            raise ToolInputError(f"prefix of {clip.duration_s:.3f}s is shorter than one codec frame "
                                 f"({1000 / self.frame_rate:.0f} ms); give at least 0.1 s of audio")
        x = torch.from_numpy(np.array(x[:, x.shape[1] - frames * self.hop:]))  # a writable copy
        codec = self._model.audio_encoder
        with torch.inference_mode():
            per_channel = [codec.encode(x[c][None, None].to(self._model.device)).audio_codes[0, 0]
                           for c in range(self.channels)]
        codes = torch.stack(per_channel, dim=1).reshape(-1, frames)  # rows interleave channels, as the LM does
        return codes[: self.num_codebooks]

    def decode_codes(self, codes: Any) -> np.ndarray:
        """Audio ``(channels, frames * hop)`` of codes ``(codebooks, frames)``."""
        import torch

        codec = self._model.audio_encoder
        with torch.inference_mode():
            outs = [codec.decode(codes[c:: self.channels][None, None], audio_scales=[None]).audio_values[0, 0]
                    for c in range(self.channels)]
        return torch.stack(outs).float().cpu().numpy()

    # ---- the core ---------------------------------------------------------------------------------
    def _run(self, prompt: str, duration_s: float, *, seed: int, guidance_scale: float, top_k: int,
             prefix_codes: Any | None, chroma: Any | None, on_chunk: ChunkFn | None) -> np.ndarray:
        import torch

        n_prefix = 0 if prefix_codes is None else int(prefix_codes.shape[-1])
        _check_request(prompt, duration_s, guidance_scale, top_k, n_prefix / self.frame_rate, seed)
        n_new = max(1, round(duration_s * self.frame_rate))
        ids, mask = self._text_ids(prompt)
        kwargs: dict[str, Any] = dict(input_ids=ids, attention_mask=mask, do_sample=True, top_k=top_k,
                                      guidance_scale=guidance_scale, max_new_tokens=n_new + max(self._delays))
        if prefix_codes is not None:
            kwargs["decoder_input_ids"] = prefix_codes.to(self._model.device)
        if chroma is not None:
            kwargs["input_features"] = chroma.to(self._model.device)
        stream = None
        if on_chunk is not None:
            stream = _Stream(self, start=n_prefix, end=n_prefix + n_new, on_chunk=on_chunk)
            kwargs["stopping_criteria"] = _tap(stream.see)
        with torch.inference_mode(), torch.random.fork_rng(devices=_rng_devices(self._model.device)):
            torch.manual_seed(seed)
            values = self._model.generate(**kwargs)
        audio = values[0].float().cpu().numpy()[:, n_prefix * self.hop: (n_prefix + n_new) * self.hop]
        audio = np.ascontiguousarray(audio[:, : round(duration_s * self.sample_rate)], dtype=np.float32)
        if stream is not None:
            stream.finish(audio)
        return audio

    def _text_ids(self, prompt: str) -> tuple[Any, Any]:
        import torch

        if self._tokenizer is not None:
            enc = self._tokenizer([prompt], return_tensors="pt", padding=True)
            ids, mask = enc["input_ids"], enc["attention_mask"]
        else:
            ids = torch.tensor([byte_ids(prompt, self._model.config.text_encoder.vocab_size)])
            mask = torch.ones_like(ids)
        return ids.to(self._model.device), mask.to(self._model.device)

    def _chroma(self, melody: Clip) -> Any:
        """One-hot dominant pitch class per analysis frame ``(1, frames, 12)``, as the melody model was trained."""
        if not self.is_melody:
            raise ToolInputError(f"melody conditioning needs a MusicGen-melody checkpoint (model_type "
                                 f"musicgen_melody); {self.path} is a text-only one. Omit the melody or set "
                                 "BANDMATE_MUSICGEN to a melody checkpoint")
        import torch
        from transformers.audio_utils import chroma_filter_bank

        from bandmate.core.audio_io import resample

        x = torch.from_numpy(np.array(resample(melody.with_channels(1), self.sample_rate).samples[0]))
        x = x[: int(MAX_TOTAL_S * self.sample_rate)]
        if x.shape[0] < CHROMA_N_FFT:
            x = torch.nn.functional.pad(x, (0, CHROMA_N_FFT - x.shape[0]))
        window = torch.hann_window(CHROMA_N_FFT)
        spec = torch.stft(x, CHROMA_N_FFT, CHROMA_HOP, window=window, center=True, return_complex=True).abs() ** 2
        bank = torch.from_numpy(chroma_filter_bank(num_frequency_bins=CHROMA_N_FFT, num_chroma=12,
                                                   sampling_rate=self.sample_rate, tuning=0)).float()
        chroma = (bank @ spec).T  # (frames, 12)
        one_hot = torch.zeros_like(chroma)
        one_hot[torch.arange(chroma.shape[0]), chroma.argmax(-1)] = 1.0
        return one_hot[None]


class _Stream:
    """Decodes finished codec frames while generation runs and hands new audio to ``on_chunk``.

    In the delay pattern, frame ``f`` of codebook row ``r`` sits at column ``f + delay[r] + 1`` of the
    token matrix (column 0 holds the start token), so frame ``f`` is complete once column
    ``f + max(delay) + 1`` exists.
    """

    def __init__(self, mg: MusicGen, *, start: int, end: int, on_chunk: ChunkFn):
        self.mg, self.start, self.end, self.on_chunk = mg, start, end, on_chunk
        self.emitted = start  # next frame to hand out
        self.chunk = max(1, round(STREAM_CHUNK_S * mg.frame_rate))
        self.chunks = 0

    def see(self, ids: Any) -> None:
        import torch

        ids = ids[: self.mg.num_codebooks]  # batch 1: the first block of rows
        known = min(self.end, ids.shape[-1] - 1 - max(self.mg._delays))
        ready = known - STREAM_HOLD_FRAMES
        if ready - self.emitted < self.chunk:
            return
        a = max(0, self.emitted - STREAM_CONTEXT_FRAMES)
        codes = torch.stack([ids[r, a + d + 1: known + d + 1] for r, d in enumerate(self.mg._delays)])
        audio = self.mg.decode_codes(codes)
        hop = self.mg.hop
        self._emit(audio[:, (self.emitted - a) * hop: (ready - a) * hop])
        self.emitted = ready

    def finish(self, new_audio: np.ndarray) -> None:
        rest = new_audio[:, (self.emitted - self.start) * self.mg.hop:]
        if rest.shape[1]:
            self._emit(rest)

    def _emit(self, audio: np.ndarray) -> None:
        self.chunks += 1
        self.on_chunk(Clip(np.ascontiguousarray(audio, np.float32), self.mg.sample_rate,
                           (f"musicgen stream chunk {self.chunks}",)))


def _tap(fn: Callable[[Any], None]) -> Any:
    """A stopping criterion that never stops: it lets ``fn`` see the token matrix after every step.

    (transformers 5.24's MusicGen ``generate`` accepts ``streamer`` but never passes it to the sampling
    loop, so the per-step hook has to be a stopping criterion.)
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Tap(StoppingCriteria):
        def __call__(self, input_ids, scores, **kwargs):
            fn(input_ids)
            return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_Tap()])


def _rng_devices(device: Any) -> list[Any]:
    return [device] if getattr(device, "type", str(device)) == "cuda" else []


def _check_request(prompt: str, duration_s: float, guidance_scale: float, top_k: int, prefix_s: float,
                   seed: int) -> None:
    if not isinstance(prompt, str) or len(prompt) > 1000:
        raise ToolInputError(f"prompt must be text of at most 1000 characters, got {type(prompt).__name__} "
                             f"of length {len(prompt) if isinstance(prompt, str) else '?'}")
    if not 0 < duration_s <= MAX_TOTAL_S - prefix_s:
        raise ToolInputError(f"duration_s {duration_s} is outside (0, {MAX_TOTAL_S - prefix_s:g}] s: MusicGen "
                             f"makes at most {MAX_TOTAL_S:g} s per call, prefix ({prefix_s:.1f} s) included")
    if not 1.0 <= guidance_scale <= 10.0:
        raise ToolInputError(f"guidance_scale {guidance_scale} is outside 1–10 (1 = no guidance; the model "
                             f"card uses {GUIDANCE_SCALE:g})")
    if not 1 <= top_k <= 2048:
        raise ToolInputError(f"top_k {top_k} is outside 1–2048 (the model card uses {TOP_K})")
    if not 0 <= seed < 2**63:
        raise ToolInputError(f"seed {seed} must be a non-negative integer")
