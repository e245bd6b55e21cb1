"""Spleeter's 2-stem U-Net (Deezer, MIT) rebuilt in torch, with weights from its TF checkpoint.

Conventions: the network takes stereo STFT magnitudes shaped ``(batch, 2, T, F)`` (channels are the
left/right magnitudes, T = 512 frames of hop 1024, F = 1024 bins of a 4096-point STFT, i.e. 0-11 kHz)
and returns, per stem, the estimated magnitude of the same shape: a sigmoid soft mask times the input.

Architecture (Jansson et al., ISMIR 2017, as published in Spleeter's ``unet.py``), one U-Net per stem:
- encoder: six 5x5 convolutions, stride 2, TF "same" padding (1 before, 2 after), 16-32-64-128-256-512
  filters, each followed by batch norm and LeakyReLU(0.2); the skips and the decoder's input are the
  convolution outputs before batch norm;
- decoder: six 5x5 transposed convolutions, stride 2 (256-128-64-32-16-1 filters), each followed by
  ReLU then batch norm (dropout in the first three is inactive at inference); after each but the
  last, the matching encoder convolution output is concatenated in front (skip first);
- a final 4x4 convolution with dilation 2 ("same") to 2 channels and a sigmoid gives the mask.
The checkpoint's batch-norm statistics are the initial ones (mean 0, variance 1), as Spleeter ran it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FILTERS = (16, 32, 64, 128, 256, 512)
INSTRUMENTS = ("vocals", "accompaniment")
BN_EPS = 1e-3  # Keras BatchNormalization default
T_FRAMES, F_BINS = 512, 1024


def expected_shapes(instrument_index: int) -> dict[str, tuple[int, ...]]:
    """Checkpoint tensor name -> TF shape for one stem's U-Net (the names the TF graph gave them)."""
    conv0, bn0, up0 = 7 * instrument_index, 12 * instrument_index, 6 * instrument_index
    shapes: dict[str, tuple[int, ...]] = {}
    cin = 2
    for i, f in enumerate(FILTERS):
        shapes[_name("conv2d", conv0 + i) + "/kernel"] = (5, 5, cin, f)
        shapes[_name("conv2d", conv0 + i) + "/bias"] = (f,)
        _bn_shapes(shapes, bn0 + i, f)
        cin = f
    outs = (*FILTERS[-2::-1], 1)  # 256, 128, 64, 32, 16, 1
    for i, f in enumerate(outs):
        shapes[_name("conv2d_transpose", up0 + i) + "/kernel"] = (5, 5, f, cin)
        shapes[_name("conv2d_transpose", up0 + i) + "/bias"] = (f,)
        _bn_shapes(shapes, bn0 + 6 + i, f)
        cin = 2 * f  # skip concatenated
    shapes[_name("conv2d", conv0 + 6) + "/kernel"] = (4, 4, 1, 2)
    shapes[_name("conv2d", conv0 + 6) + "/bias"] = (2,)
    return shapes


def _name(base: str, index: int) -> str:
    return base if index == 0 else f"{base}_{index}"


def _bn_shapes(shapes: dict[str, tuple[int, ...]], index: int, channels: int) -> None:
    for part in ("gamma", "beta", "moving_mean", "moving_variance"):
        shapes[f"{_name('batch_normalization', index)}/{part}"] = (channels,)


def check_checkpoint(tensors: dict[str, np.ndarray]) -> None:
    """Raise ValueError naming every tensor whose presence or shape disagrees with the architecture."""
    wanted: dict[str, tuple[int, ...]] = {}
    for i in range(len(INSTRUMENTS)):
        wanted.update(expected_shapes(i))
    problems = [f"{n}: missing" for n in wanted if n not in tensors]
    problems += [f"{n}: shape {tuple(tensors[n].shape)}, expected {s}" for n, s in wanted.items()
                 if n in tensors and tuple(tensors[n].shape) != s]
    extra = sorted(set(tensors) - set(wanted) - {"global_step"})
    problems += [f"{n}: not part of the 2-stem U-Net" for n in extra]
    if problems:
        raise ValueError(f"the checkpoint does not match Spleeter's 2-stem U-Net ({len(problems)} problems): "
                         + "; ".join(problems[:6]))


def build_unet(tensors: dict[str, np.ndarray], instrument_index: int) -> Any:
    """One stem's U-Net as a torch module holding the checkpoint's weights (eval mode)."""
    import torch

    net = _unet_class()()
    conv0, bn0, up0 = 7 * instrument_index, 12 * instrument_index, 6 * instrument_index

    def t(name: str, perm: tuple[int, ...] | None = None) -> Any:
        a = torch.from_numpy(np.ascontiguousarray(tensors[name], dtype=np.float32))
        return a.permute(*perm).contiguous() if perm else a

    with torch.no_grad():
        for i in range(6):
            net.down[i].weight.copy_(t(_name("conv2d", conv0 + i) + "/kernel", (3, 2, 0, 1)))
            net.down[i].bias.copy_(t(_name("conv2d", conv0 + i) + "/bias"))
            net.up[i].weight.copy_(t(_name("conv2d_transpose", up0 + i) + "/kernel", (3, 2, 0, 1)))
            net.up[i].bias.copy_(t(_name("conv2d_transpose", up0 + i) + "/bias"))
        for i, bn in enumerate([*net.down_bn, *net.up_bn]):
            prefix = _name("batch_normalization", bn0 + i)
            bn.weight.copy_(t(f"{prefix}/gamma"))
            bn.bias.copy_(t(f"{prefix}/beta"))
            bn.running_mean.copy_(t(f"{prefix}/moving_mean"))
            bn.running_var.copy_(t(f"{prefix}/moving_variance"))
        net.last.weight.copy_(t(_name("conv2d", conv0 + 6) + "/kernel", (3, 2, 0, 1)))
        net.last.bias.copy_(t(_name("conv2d", conv0 + 6) + "/bias"))
    return net.eval()


def _unet_class() -> type:
    import torch
    from torch import nn
    from torch.nn import functional as F  # noqa: N812

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            ins = (2, *FILTERS[:-1])
            self.down = nn.ModuleList(nn.Conv2d(i, o, 5, stride=2) for i, o in zip(ins, FILTERS, strict=True))
            self.down_bn = nn.ModuleList(nn.BatchNorm2d(o, eps=BN_EPS) for o in FILTERS)
            outs = (*FILTERS[-2::-1], 1)
            up_ins = (FILTERS[-1], *(2 * o for o in outs[:-1]))
            self.up = nn.ModuleList(nn.ConvTranspose2d(i, o, 5, stride=2) for i, o in zip(up_ins, outs, strict=True))
            self.up_bn = nn.ModuleList(nn.BatchNorm2d(o, eps=BN_EPS) for o in outs)
            self.last = nn.Conv2d(1, 2, 4, dilation=2, padding=3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            skips, h = [], x
            for conv, bn in zip(self.down, self.down_bn, strict=True):
                c = conv(F.pad(h, (1, 2, 1, 2)))  # TF "same" for stride 2, kernel 5, even size
                skips.append(c)
                h = F.leaky_relu(bn(c), 0.2)
            h = skips[-1]  # the decoder starts from the last convolution before its batch norm
            for i, (deconv, bn) in enumerate(zip(self.up, self.up_bn, strict=True)):
                full = deconv(h)
                rows, cols = 2 * h.shape[2], 2 * h.shape[3]
                h = bn(F.relu(full[:, :, 1:1 + rows, 1:1 + cols]))  # TF "same" crops 1 before
                if i < 5:
                    h = torch.cat([skips[4 - i], h], dim=1)
            return torch.sigmoid(self.last(h)) * x

    return UNet


def random_tensors(seed: int = 0, scale: float = 0.05) -> dict[str, np.ndarray]:
    """A checkpoint-shaped dict of random weights (tests and benchmarks; separates nothing)."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for i in range(len(INSTRUMENTS)):
        for name, shape in expected_shapes(i).items():
            if name.endswith("moving_variance") or name.endswith("gamma"):
                out[name] = np.ones(shape, np.float32)
            elif name.endswith("moving_mean") or name.endswith("beta"):
                out[name] = np.zeros(shape, np.float32)
            else:
                out[name] = (scale * rng.standard_normal(shape)).astype(np.float32)
    out["global_step"] = np.zeros((), np.int64)
    return out
