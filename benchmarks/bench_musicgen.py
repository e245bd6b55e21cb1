"""MusicGen at musicgen-small size with random weights: milliseconds per decoding step on this CPU.

The model is built from a config of the released size (T5-base text encoder; decoder 1024 wide, 24
layers, 16 heads, 4 codebooks of 2048; EnCodec 32 kHz at 50 Hz), so the arithmetic is the real one
while nothing is downloaded. Rows: fp32 vs dynamic-int8 decoder, with and without classifier-free
guidance (guidance doubles the batch), dynamic vs transformers' static KV cache; then streaming (time
to the first chunk against the whole generation, and how far the streamed chunks are from the
one-shot decode) and how closely int8 logits follow fp32 ones.
Run: ``python -m benchmarks.bench_musicgen [--quick] [--json PATH]``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.table import main

COLUMNS = ["case", "decoder", "guidance", "cache", "steps", "ms_per_step", "seconds", "value", "note"]


def small_config() -> Any:
    import transformers

    t5 = transformers.T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12, num_heads=12)
    codec = transformers.EncodecConfig(
        sampling_rate=32000, audio_channels=1, num_filters=64, upsampling_ratios=[8, 5, 4, 4], codebook_size=2048,
        codebook_dim=128, hidden_size=128, num_lstm_layers=2, residual_kernel_size=3, compress=2,
        target_bandwidths=[2.2], use_causal_conv=False, normalize=False, chunk_length_s=None, overlap=None)
    dec = transformers.MusicgenDecoderConfig(vocab_size=2048, num_hidden_layers=24, hidden_size=1024, ffn_dim=4096,
                                             num_attention_heads=16, num_codebooks=4)
    return transformers.MusicgenConfig(text_encoder=t5, audio_encoder=codec, decoder=dec)


def build_small() -> Any:
    """A musicgen-small-sized MusicGen with random weights, wrapped like a loaded checkpoint (fp32)."""
    import torch
    import transformers

    from bandmate.tools.backends.musicgen import MusicGen

    transformers.utils.logging.set_verbosity_error()
    torch.manual_seed(0)
    model = transformers.MusicgenForConditionalGeneration(small_config()).eval()
    with torch.no_grad():  # EnCodec starts with all-zero codebooks; give each code its own sound
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_(0.0, 0.05)
    for name in ("decoder_start_token_id", "pad_token_id", "bos_token_id"):
        setattr(model.generation_config, name, 2048)
    return MusicGen(model, tokenizer=None, path=Path("random-musicgen-small"), quantized=False)


def step_times(mg: Any, steps: int, guidance: float, cache: str) -> list[float]:
    """Wall time of each decoding step after the first (the prefill) for one generate call."""
    import torch

    from bandmate.tools.backends.musicgen import _tap

    stamps: list[float] = []
    ids, mask = mg._text_ids("lo-fi hip hop beat with warm keys")
    kwargs = dict(cache_implementation="static") if cache == "static" else {}
    with torch.inference_mode():
        mg._model.generate(input_ids=ids, attention_mask=mask, do_sample=True, top_k=250, guidance_scale=guidance,
                           max_new_tokens=steps + 1, stopping_criteria=_tap(lambda _: stamps.append(time.perf_counter())),
                           **kwargs)
    return list(np.diff(stamps))


def _step_rows(mg: Any, decoder: str, steps: int, caches: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for guidance in (1.0, 3.0):
        for cache in caches:
            d = step_times(mg, steps, guidance, cache)
            rows.append({"case": "decode step", "decoder": decoder, "guidance": guidance, "cache": cache,
                         "steps": len(d), "ms_per_step": 1000 * float(np.median(d)),
                         "seconds": float(np.sum(d)), "value": None,
                         "note": f"{0.02 / np.median(d):.2f}x real time (a step makes 20 ms of audio)"})
    return rows


def _stream_row(mg: Any, duration_s: float) -> dict[str, Any]:
    chunks: list[tuple[float, Any]] = []
    t0 = time.perf_counter()
    full = mg.generate("funk groove", duration_s, seed=1, on_chunk=lambda c: chunks.append((time.perf_counter(), c)))
    total = time.perf_counter() - t0
    joined = np.concatenate([c.samples for _, c in chunks], axis=1)
    err = float(np.sqrt(np.mean((joined - full.samples) ** 2) / max(np.mean(full.samples ** 2), 1e-20)))
    return {"case": f"stream {duration_s:g}s", "decoder": "int8" if mg.quantized else "fp32", "guidance": 3.0,
            "cache": "dynamic", "steps": round(duration_s * 50), "ms_per_step": None, "seconds": total,
            "value": chunks[0][0] - t0,
            "note": f"value = seconds to the first of {len(chunks)} chunks; streamed vs one-shot decode "
                    f"relative RMS {err:.1e}"}


def _logit_row(fp32_logits: Any, mg: Any, ids: Any, enc: Any) -> dict[str, Any]:
    import torch

    with torch.inference_mode():
        q = mg._model.decoder(input_ids=ids, encoder_hidden_states=enc).logits
    a, b = fp32_logits.flatten().numpy(), q.flatten().numpy()
    corr = float(np.corrcoef(a, b)[0, 1])
    agree = float((fp32_logits.argmax(-1) == q.argmax(-1)).float().mean())
    return {"case": "int8 vs fp32 logits", "decoder": "int8", "guidance": None, "cache": None, "steps": None,
            "ms_per_step": None, "seconds": None, "value": corr,
            "note": f"value = correlation of logits; same top token in {agree:.0%} of positions"}


def run(quick: bool = False) -> list[dict[str, Any]]:
    import torch

    from bandmate.tools.backends.musicgen import quantize_decoder

    steps = 8 if quick else 40
    caches = ("dynamic",) if quick else ("dynamic", "static")
    t0 = time.perf_counter()
    mg = build_small()
    build_s = time.perf_counter() - t0
    n_dec = sum(p.numel() for p in mg._model.decoder.parameters())
    rows = [{"case": "build (random weights)", "decoder": "fp32", "seconds": build_s,
             "note": f"decoder {n_dec / 1e6:.0f} M parameters"}]
    rows += _step_rows(mg, "fp32", steps, caches)
    torch.manual_seed(0)
    ids, enc = torch.randint(0, 2048, (4, 64)), torch.randn(1, 12, 1024)
    with torch.inference_mode():
        ref = mg._model.decoder(input_ids=ids, encoder_hidden_states=enc).logits
    t0 = time.perf_counter()
    quantize_decoder(mg._model)
    mg.quantized = True
    rows.append({"case": "quantize_dynamic", "decoder": "int8", "seconds": time.perf_counter() - t0,
                 "note": "nn.Linear layers of the decoder, qint8 weights"})
    rows += _step_rows(mg, "int8", steps, caches)
    rows.append(_logit_row(ref, mg, ids, enc))
    rows.append(_stream_row(mg, 1.5 if quick else 5.0))
    return rows


if __name__ == "__main__":
    main(run, "MusicGen (musicgen-small size, random weights) on CPU", COLUMNS)
