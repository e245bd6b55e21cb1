"""MusicGen backend on tiny randomly initialised models of the real architecture, built here.

The real sizes (musicgen-small) are timed in benchmarks/bench_musicgen.py; here we check the loading
path, shapes, rates, seeds, streaming, int8, melody conditioning and continuation.
"""

from __future__ import annotations

import numpy as np
import pytest

from bandmate.core.clip import Clip
from bandmate.core.errors import BackendUnavailable, ToolInputError
from bandmate.core.settings import Settings
from bandmate.core.testsignals import noise, sine

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from bandmate.tools.backends.musicgen import MusicGen, load_musicgen  # noqa: E402


def _tiny_config(melody: bool):
    """T5 (1 layer, d=16), decoder (2 layers, d=32, 4 codebooks of 2048), EnCodec 32 kHz at 50 Hz."""
    t5 = transformers.T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)
    codec = transformers.EncodecConfig(
        sampling_rate=32000, audio_channels=1, num_filters=4, num_residual_layers=1, upsampling_ratios=[8, 5, 4, 4],
        codebook_size=2048, codebook_dim=16, hidden_size=16, target_bandwidths=[2.2], num_lstm_layers=1,
        use_causal_conv=False, normalize=False, chunk_length_s=None, overlap=None)
    dec = dict(vocab_size=2048, max_position_embeddings=2048, num_hidden_layers=2, ffn_dim=64,
               num_attention_heads=2, hidden_size=32, num_codebooks=4, pad_token_id=2048, bos_token_id=2048,
               initializer_factor=0.3)  # larger than the 0.02 default so conditioning visibly steers sampling
    if melody:
        return transformers.MusicgenMelodyForConditionalGeneration, transformers.MusicgenMelodyConfig(
            text_encoder=t5, audio_encoder=codec, decoder=transformers.MusicgenMelodyDecoderConfig(**dec),
            num_chroma=12, chroma_length=235)
    return transformers.MusicgenForConditionalGeneration, transformers.MusicgenConfig(
        text_encoder=t5, audio_encoder=codec, decoder=transformers.MusicgenDecoderConfig(**dec))


def _save_tiny(path, melody: bool = False):
    transformers.utils.logging.set_verbosity_error()
    cls, config = _tiny_config(melody)
    torch.manual_seed(1)
    model = cls(config)
    with torch.no_grad():  # EnCodec starts with all-zero codebooks: every code would decode alike
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_(0.0, 0.05)  # about the scale of the encoder output
    for name in ("decoder_start_token_id", "pad_token_id", "bos_token_id"):
        setattr(model.generation_config, name, 2048)
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    # on a shared 2-core box two spinning torch threads run these tiny models 5-20x slower than one
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return _save_tiny(tmp_path_factory.mktemp("musicgen-tiny"))


@pytest.fixture(scope="module")
def melody_dir(tmp_path_factory):
    return _save_tiny(tmp_path_factory.mktemp("musicgen-melody-tiny"), melody=True)


@pytest.fixture(scope="module")
def mg(tiny_dir) -> MusicGen:
    return load_musicgen(Settings(musicgen=str(tiny_dir)), quantize=False)


def test_loads_from_the_env_setting_and_generates_one_second(tiny_dir, monkeypatch):
    monkeypatch.setenv("BANDMATE_MUSICGEN", str(tiny_dir))
    model = load_musicgen(Settings.from_env())
    clip = model.generate("lo-fi drums", 1.0, seed=3)
    assert model.quantized  # CPU default: int8 decoder
    assert clip.sample_rate == 32000 and clip.channels == 1
    assert clip.frames == 32000
    assert np.isfinite(clip.samples).all() and clip.peak() > 0


def test_same_seed_same_audio_other_seed_other_audio(mg):
    a = mg.generate("calm piano", 0.5, seed=7).samples
    b = mg.generate("calm piano", 0.5, seed=7).samples
    c = mg.generate("calm piano", 0.5, seed=8).samples
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_seed_does_not_disturb_the_global_torch_generator(mg):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    mg.generate("x", 0.2, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_guidance_changes_the_result_and_prompt_matters(mg):
    a = mg.generate("rock", 0.5, seed=2, guidance_scale=1.0).samples
    b = mg.generate("rock", 0.5, seed=2, guidance_scale=3.0).samples
    c = mg.generate("jazz ballad", 0.5, seed=2, guidance_scale=3.0).samples
    assert not np.allclose(a, b)
    assert not np.allclose(b, c)


def test_streamed_chunks_arrive_early_and_join_to_the_full_decode(mg):
    chunks: list[Clip] = []
    full = mg.generate("funk", 3.0, seed=5, on_chunk=chunks.append)
    assert len(chunks) >= 3  # about one second each, the first well before the end
    assert chunks[0].duration_s <= 1.5
    joined = np.concatenate([c.samples for c in chunks], axis=1)
    assert joined.shape == full.samples.shape
    err = np.sqrt(np.mean((joined - full.samples) ** 2)) / np.sqrt(np.mean(full.samples**2))
    assert err < 1e-3, f"streamed audio differs from the one-shot decode by {err:.3f} (relative RMS)"


def test_int8_decoder_runs_and_stays_close_to_fp32(tiny_dir, mg):
    q = load_musicgen(Settings(musicgen=str(tiny_dir)), quantize=True)
    layer = q._model.decoder.model.decoder.layers[0].self_attn.q_proj
    assert "quantized" in type(layer).__module__
    clip = q.generate("ambient", 0.5, seed=1)
    assert clip.frames == 16000 and np.isfinite(clip.samples).all()
    # the same decoder input through both: int8 logits track the fp32 ones
    ids = torch.randint(0, 2048, (4, 12))
    enc = torch.randn(1, 5, 32)
    with torch.inference_mode():
        lf = mg._model.decoder(input_ids=ids, encoder_hidden_states=enc).logits
        lq = q._model.decoder(input_ids=ids, encoder_hidden_states=enc).logits
    corr = np.corrcoef(lf.flatten().numpy(), lq.flatten().numpy())[0, 1]
    assert corr > 0.95, corr


def test_continuation_returns_only_new_audio_conditioned_on_the_prefix(mg):
    prefix = sine(330, 1.0, sample_rate=44100)
    other = noise(1.0, sample_rate=44100, amplitude=0.2, seed=3)
    a = mg.continue_audio(prefix, "", 0.6, seed=4)
    b = mg.continue_audio(other, "", 0.6, seed=4)
    assert a.sample_rate == 32000 and a.frames == round(0.6 * 32000)
    assert np.isfinite(a.samples).all()
    assert not np.allclose(a.samples, b.samples)  # the prefix codes reach the decoder


def test_codec_round_trip_shapes(mg):
    codes = mg.encode_audio(sine(220, 0.5, sample_rate=32000))
    assert tuple(codes.shape) == (4, 25)
    assert mg.decode_codes(codes).shape == (1, 25 * 640)


def test_melody_model_follows_the_melody(melody_dir):
    mel = load_musicgen(Settings(musicgen=str(melody_dir)))
    assert mel.is_melody
    c = sine(262, 2.0, sample_rate=32000)
    e = sine(330, 2.0, sample_rate=32000)
    with_c = mel.generate("folk", 0.5, seed=1, melody=c).samples
    with_c2 = mel.generate("folk", 0.5, seed=1, melody=c).samples
    with_e = mel.generate("folk", 0.5, seed=1, melody=e).samples
    without = mel.generate("folk", 0.5, seed=1).samples
    assert with_c.shape == (1, 16000) and np.isfinite(with_c).all()
    assert np.array_equal(with_c, with_c2)
    assert not np.allclose(with_c, with_e)  # the chroma reaches the decoder
    # transformers' "no melody" input is a constant one-hot on pitch class 0 (C), so compare with E
    assert not np.allclose(with_e, without)
    chroma = mel._chroma(c)[0].numpy()
    assert chroma.shape[1] == 12 and (chroma.argmax(1) == 0).mean() > 0.9  # 262 Hz is C


def test_melody_on_a_text_only_checkpoint_is_refused(mg):
    with pytest.raises(ToolInputError, match="MusicGen-melody checkpoint"):
        mg.generate("x", 0.5, melody=sine(440, 1.0))


@pytest.mark.parametrize("spec", ["/nonexistent/musicgen", "nobody/not-a-cached-model", "./relative/dir"])
def test_missing_weights_name_the_setting(spec):
    with pytest.raises(BackendUnavailable, match="BANDMATE_MUSICGEN"):
        load_musicgen(Settings(musicgen=spec))


def test_directory_without_config_is_refused(tmp_path):
    with pytest.raises(BackendUnavailable, match="BANDMATE_MUSICGEN.*no config.json"):
        load_musicgen(Settings(musicgen=str(tmp_path)))


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(duration_s=0.0), "duration_s"), (dict(duration_s=31.0), "duration_s"),
    (dict(guidance_scale=0.5), "guidance_scale"), (dict(top_k=0), "top_k"), (dict(seed=-1), "seed"),
])
def test_bad_requests_are_refused(mg, kwargs, match):
    args = dict(prompt="x", duration_s=0.5) | kwargs
    with pytest.raises(ToolInputError, match=match):
        mg.generate(args.pop("prompt"), args.pop("duration_s"), **args)


def test_continuation_longer_than_the_window_is_refused(mg):
    with pytest.raises(ToolInputError, match="30 s window"):
        mg.continue_audio(sine(220, 1.0), "", 31.0)
