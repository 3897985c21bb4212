"""The cell classifier: a small residual CNN on optical densities at the canonical scale."""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import CLASSES

OD_MAX = 3.0


def optical_density(rgb01, bg01):
    """Per-channel optical density against the field's background (Beer-Lambert), from 0..1 inputs.

    Dividing by the background removes the light source's colour and level, which differ between
    microscopes far more than the stain's absorbance does.
    """
    od = -torch.log((rgb01 * 255 + 1) / (bg01[:, :, None, None] * 255 + 1))
    return od.clamp(-0.5, OD_MAX)


NORMS = ("bn", "gn")


def norm_layer(kind, channels):
    """Batch norm, or group norm (groups of 8 channels): group norm normalises each crop by its own
    statistics, so a new centre's stain intensity does not meet running means learned on others."""
    if kind == "gn":
        return nn.GroupNorm(max(1, channels // 8), channels)
    return nn.BatchNorm2d(channels)


class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, s=1, norm="bn"):
        super().__init__(nn.Conv2d(cin, cout, 3, s, 1, bias=False), norm_layer(norm, cout), nn.ReLU(inplace=True))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, s, norm="bn"):
        super().__init__()
        self.a = ConvBN(cin, cout, s, norm)
        self.b = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), norm_layer(norm, cout))
        self.skip = nn.Sequential(nn.Conv2d(cin, cout, 1, s, bias=False), norm_layer(norm, cout))

    def forward(self, x):
        return F.relu(self.b(self.a(x)) + self.skip(x))


class CellNet(nn.Module):
    """OD [N,3,72,72] -> logits [N, len(CLASSES)]."""

    def __init__(self, widths=(16, 24, 48, 96, 160), dropout=0.2, norm="bn"):
        super().__init__()
        w = widths
        self.stem = ConvBN(3, w[0], 2, norm)
        self.s1 = ConvBN(w[0], w[1], 1, norm)
        self.s2 = ResBlock(w[1], w[2], 2, norm)
        self.s3 = ResBlock(w[2], w[3], 2, norm)
        self.s4 = ResBlock(w[3], w[4], 2, norm)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(w[4], len(CLASSES))

    def forward(self, od):
        x = (od - 0.4) / 0.4
        x = self.s4(self.s3(self.s2(self.s1(self.stem(x)))))
        return self.fc(self.drop(x.mean((2, 3))))


class Exported(nn.Module):
    """The ONNX graph: crops (RGB 0..1) and each crop's field background (RGB 0..1) -> probabilities."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, crops, background):
        return torch.softmax(self.net(optical_density(crops, background)), dim=1)


def load_trained(weights):
    """A CellNet with the weights of a training run, built as that run's args.json says (batch norm
    when a run predates the file)."""
    args_file = os.path.join(os.path.dirname(os.path.abspath(weights)), "args.json")
    norm = "bn"
    if os.path.exists(args_file):
        with open(args_file) as f:
            norm = json.load(f).get("norm", "bn")
    net = CellNet(norm=norm)
    net.load_state_dict(torch.load(weights))
    return net
