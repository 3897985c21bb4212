"""Three light leukocyte detectors of different designs.

Every model maps an RGB 0..1 letterboxed batch to a dict over N fixed output locations:
  box (B,N,4) x1,y1,x2,y2 in input pixels, obj (B,N) leukocyte-ness logit,
  cls (B,N,5) type logits, and extras used by its loss.
`score(out)` gives the objectness probability; export multiplies it with the type softmax.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from . import NUM_TYPES

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def act_layer(name):
    return {"relu": nn.ReLU, "silu": nn.SiLU, "hswish": nn.Hardswish, "relu6": nn.ReLU6}[name](inplace=True)


class ConvBN(nn.Sequential):
    def __init__(self, cin, cout, k=3, s=1, act="relu", groups=1):
        layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(act_layer(act))
        super().__init__(*layers)


def _grid(h, w, stride):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    return torch.stack([xs, ys], -1).reshape(-1, 2)


class Detector(nn.Module):
    kind = ""

    def __init__(self, input_hw):
        super().__init__()
        self.input_hw = tuple(input_hw)
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1) * 1.0)
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1) * 1.0)

    def normalise(self, x):
        return (x - self.mean) / self.std

    def score(self, out):
        return torch.sigmoid(out["obj"])

    def complete_init(self, state):
        """Fills the keys a state dict from an earlier variant of this design lacks (none by default)."""
        return state

    def export_outputs(self, x):
        out = self(x)
        scores = self.score(out).unsqueeze(-1) * torch.softmax(out["cls"], -1)
        return out["box"], scores


# ---------------------------------------------------------------- (a) centre heat map, stride 4
class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = ConvBN(c, c, 3)
        self.c2 = ConvBN(c, c, 3, act=None)

    def forward(self, x):
        return F.relu(x + self.c2(self.c1(x)), inplace=True)


class CenterNetDet(Detector):
    """Plain residual backbone (ReLU) to stride 32, top-down pyramid back to stride 8; per location
    a Gaussian-centre heat map logit, distances to the four edges and type logits."""
    kind = "centernet"

    def __init__(self, input_hw=(320, 320), widths=(16, 32, 64, 128, 192), neck=(96, 64), head=64, stride=8,
                 reg_init_px=16.0):
        super().__init__(input_hw)
        w = widths
        self.stride = stride
        self.stem = nn.Sequential(ConvBN(3, w[0], 3, 2), ConvBN(w[0], w[1], 3, 2), ResBlock(w[1]))
        self.s8 = nn.Sequential(ConvBN(w[1], w[2], 3, 2), ResBlock(w[2]))
        self.s16 = nn.Sequential(ConvBN(w[2], w[3], 3, 2), ResBlock(w[3]))
        self.s32 = nn.Sequential(ConvBN(w[3], w[4], 3, 2), ResBlock(w[4]))
        levels = 2 if stride == 8 else 3
        neck = tuple(neck)[:levels]
        tops, lats, chans = [], [], [w[4]] + list(neck)
        for i, skip_c in enumerate((w[3], w[2], w[1])[:levels]):
            tops.append(ConvBN(chans[i], neck[i], 1))
            lats.append(ConvBN(skip_c, neck[i], 1))
        self.top, self.lat = nn.ModuleList(tops), nn.ModuleList(lats)
        self.fuse = nn.ModuleList([ConvBN(n, n, 3) for n in neck])
        self.head = ConvBN(neck[-1], head, 3)
        self.type_head = ConvBN(neck[-1], head, 3)
        self.hm = nn.Conv2d(head, 1, 1)
        self.reg = nn.Conv2d(head, 4, 1)
        self.cls = nn.Conv2d(head, NUM_TYPES, 1)
        nn.init.constant_(self.hm.bias, -4.6)
        nn.init.zeros_(self.reg.weight)
        # Distances start at reg_init_px (16 as shipped); about half a cell starts the boxes at cell size.
        nn.init.constant_(self.reg.bias, math.log(reg_init_px / 16.0))
        h, w_ = input_hw[0] // stride, input_hw[1] // stride
        self.register_buffer("points", (_grid(h, w_, stride) + 0.5) * stride)

    def forward(self, x):
        x = self.normalise(x)
        c4 = self.stem(x)
        c8 = self.s8(c4)
        c16 = self.s16(c8)
        t = self.s32(c16)
        for top, lat, fuse, skip in zip(self.top, self.lat, self.fuse, (c16, c8, c4)):
            t = fuse(F.interpolate(top(t), scale_factor=2.0, mode="nearest") + lat(skip))
        f = self.head(t)
        obj = self.hm(f).flatten(1)
        # exp keeps distances positive; the 16-pixel unit puts the start near a typical half-width.
        ltrb = torch.exp(self.reg(f).clamp(-6, 6)).flatten(2).transpose(1, 2) * 16.0
        cls = self.cls(self.type_head(t)).flatten(2).transpose(1, 2)
        p = self.points.unsqueeze(0)
        box = torch.cat([p - ltrb[..., :2], p + ltrb[..., 2:]], -1)
        return {"box": box, "obj": obj, "cls": cls}


# ---------------------------------------------------------------- (b) YOLO-style anchor grid
class Bottleneck(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = ConvBN(c, c, 1, act="silu")
        self.c2 = ConvBN(c, c, 3, act="silu")

    def forward(self, x):
        return x + self.c2(self.c1(x))


class C3(nn.Module):
    def __init__(self, cin, cout, n=1):
        super().__init__()
        h = cout // 2
        self.a = ConvBN(cin, h, 1, act="silu")
        self.b = ConvBN(cin, h, 1, act="silu")
        self.m = nn.Sequential(*[Bottleneck(h) for _ in range(n)])
        self.out = ConvBN(2 * h, cout, 1, act="silu")

    def forward(self, x):
        return self.out(torch.cat([self.m(self.a(x)), self.b(x)], 1))


class SPPF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = ConvBN(c, c // 2, 1, act="silu")
        self.out = ConvBN(c * 2, c, 1, act="silu")
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.a(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.out(torch.cat([x, y1, y2, self.pool(y2)], 1))


class YoloDet(Detector):
    """CSP backbone with SiLU, SPPF, one top-down step; anchor grid at stride 16 with 3 anchors,
    YOLOv5-style box parameterisation and an objectness trained towards the box IoU."""
    kind = "yolo"

    def __init__(self, input_hw=(384, 384), widths=(16, 32, 64, 128, 256), depths=(1, 2, 2, 1),
                 anchors=((56, 56), (96, 96), (150, 150))):
        super().__init__(input_hw)
        w = widths
        self.stride = 16
        self.na = len(anchors)
        self.backbone8 = nn.Sequential(ConvBN(3, w[0], 3, 2, "silu"), ConvBN(w[0], w[1], 3, 2, "silu"), C3(w[1], w[1], depths[0]),
                                       ConvBN(w[1], w[2], 3, 2, "silu"), C3(w[2], w[2], depths[1]))
        self.s16 = nn.Sequential(ConvBN(w[2], w[3], 3, 2, "silu"), C3(w[3], w[3], depths[2]))
        self.s32 = nn.Sequential(ConvBN(w[3], w[4], 3, 2, "silu"), C3(w[4], w[4], depths[3]), SPPF(w[4]))
        self.reduce = ConvBN(w[4], w[3], 1, act="silu")
        self.merge = C3(2 * w[3], w[3], 1)
        self.down8 = ConvBN(w[2], w[2], 3, 2, "silu")
        self.merge8 = C3(w[3] + w[2], w[3], 1)
        self.pred = nn.Conv2d(w[3], self.na * (5 + NUM_TYPES), 1)
        b = self.pred.bias.data.view(self.na, -1)
        b[:, 4] = math.log(8 / (input_hw[0] / 16) ** 2)
        h, w_ = input_hw[0] // 16, input_hw[1] // 16
        g = _grid(h, w_, 16)
        self.register_buffer("cells", g.repeat_interleave(self.na, 0))  # (H*W*A, 2) in cells
        self.register_buffer("anchor_wh", torch.tensor(anchors, dtype=torch.float32).repeat(h * w_, 1))
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32))

    def forward(self, x):
        x = self.normalise(x)
        c8 = self.backbone8(x)
        c16 = self.s16(c8)
        c32 = self.s32(c16)
        t = self.merge(torch.cat([F.interpolate(self.reduce(c32), scale_factor=2.0, mode="nearest"), c16], 1))
        t = self.merge8(torch.cat([t, self.down8(c8)], 1))
        B = x.shape[0]
        p = self.pred(t)  # (B, A*(5+C), H, W)
        H, W = p.shape[-2:]
        p = p.view(B, self.na, 5 + NUM_TYPES, H, W).permute(0, 3, 4, 1, 2).reshape(B, H * W * self.na, 5 + NUM_TYPES)
        xy = (torch.sigmoid(p[..., :2]) * 2 - 0.5 + self.cells) * self.stride
        wh = (torch.sigmoid(p[..., 2:4]) * 2) ** 2 * self.anchor_wh
        box = torch.cat([xy - wh / 2, xy + wh / 2], -1)
        return {"box": box, "obj": p[..., 4], "cls": p[..., 5:]}


# ---------------------------------------------------------------- (c) wide-shallow FCOS, two levels
class WideBlock(nn.Module):
    """One wide 3x3 conv with a residual; few, wide layers keep training fast on a CPU."""

    def __init__(self, c):
        super().__init__()
        self.conv = ConvBN(c, c, 3, act=None)
        self.act = nn.Hardswish(inplace=True)

    def forward(self, x):
        return self.act(x + self.conv(x))


class FcosWideDet(Detector):
    """Wide-shallow backbone: 4x4 stride-4 patch stem, then one wide residual conv per stage
    (Hardswish); FPN levels at strides 8 and 16 with shared towers; FCOS targets: objectness,
    centre-ness, distances to the edges with a learned scale per level. With box_tower the edge
    distances get a tower of their own (started as a copy of the one centre-ness shares), so a later
    stage can train the boxes alone and leave every score as it was."""
    kind = "fcos"

    def __init__(self, input_hw=(416, 416), widths=(32, 80, 144, 256), fpn=64, blocks=(1, 1, 1), dist_base_px=(32.0, 64.0),
                 box_tower=False):
        super().__init__(input_hw)
        w = widths
        self.strides = (8, 16)
        # Edge distances start at these (4 x stride as shipped); the cells' half-widths are 65-125 px at 416.
        self.dist_base = tuple(float(d) for d in dist_base_px)
        self.stem = ConvBN(3, w[0], 4, 4, "hswish")
        self.stem.__getitem__(0).padding = (0, 0)
        self.s8 = nn.Sequential(ConvBN(w[0], w[1], 3, 2, "hswish"), *[WideBlock(w[1]) for _ in range(blocks[0])])
        self.s16 = nn.Sequential(ConvBN(w[1], w[2], 3, 2, "hswish"), *[WideBlock(w[2]) for _ in range(blocks[1])])
        self.s32 = nn.Sequential(ConvBN(w[2], w[3], 3, 2, "hswish"), *[WideBlock(w[3]) for _ in range(blocks[2])])
        self.lat16 = ConvBN(w[2] + w[3], fpn, 1, act="hswish")
        self.lat8 = ConvBN(w[1] + fpn, fpn, 1, act="hswish")
        self.cls_tower = ConvBN(fpn, fpn, 3, act="hswish")
        self.reg_tower = ConvBN(fpn, fpn, 3, act="hswish")
        self.box_tower = ConvBN(fpn, fpn, 3, act="hswish") if box_tower else None
        self.obj = nn.Conv2d(fpn, 1, 1)
        self.cls = nn.Conv2d(fpn, NUM_TYPES, 1)
        self.reg = nn.Conv2d(fpn, 4, 1)
        self.ctr = nn.Conv2d(fpn, 1, 1)
        self.scales = nn.Parameter(torch.ones(len(self.strides)))
        nn.init.constant_(self.obj.bias, -4.6)
        nn.init.zeros_(self.reg.weight)
        nn.init.zeros_(self.reg.bias)
        pts, strd = [], []
        for s in self.strides:
            g = (_grid(input_hw[0] // s, input_hw[1] // s, s) + 0.5) * s
            pts.append(g)
            strd.append(torch.full((len(g),), float(s)))
        self.register_buffer("points", torch.cat(pts))
        self.register_buffer("point_strides", torch.cat(strd))

    def forward(self, x):
        x = self.normalise(x)
        c8 = self.s8(self.stem(x))
        c16 = self.s16(c8)
        c32 = self.s32(c16)
        p16 = self.lat16(torch.cat([c16, F.interpolate(c32, scale_factor=2.0, mode="nearest")], 1))
        p8 = self.lat8(torch.cat([c8, F.interpolate(p16, scale_factor=2.0, mode="nearest")], 1))
        objs, clss, ltrbs, ctrs = [], [], [], []
        for i, f in enumerate((p8, p16)):
            cf, rf = self.cls_tower(f), self.reg_tower(f)
            bf = self.box_tower(f) if self.box_tower is not None else rf
            objs.append(self.obj(cf).flatten(1))
            clss.append(self.cls(cf).flatten(2).transpose(1, 2))
            ctrs.append(self.ctr(rf).flatten(1))
            ltrbs.append(torch.exp((self.reg(bf) * self.scales[i]).clamp(-6, 6)).flatten(2).transpose(1, 2) * self.dist_base[i])
        ltrb = torch.cat(ltrbs, 1)
        p = self.points.unsqueeze(0)
        box = torch.cat([p - ltrb[..., :2], p + ltrb[..., 2:]], -1)
        return {"box": box, "obj": torch.cat(objs, 1), "cls": torch.cat(clss, 1), "ctr": torch.cat(ctrs, 1)}

    def complete_init(self, state):
        if self.box_tower is None or any(k.startswith("box_tower.") for k in state):
            return state
        return {**state, **{"box_tower." + k[len("reg_tower."):]: v for k, v in state.items() if k.startswith("reg_tower.")}}

    def score(self, out):
        return torch.sqrt(torch.sigmoid(out["obj"]) * torch.sigmoid(out["ctr"]))


ARCHS = {"centernet": CenterNetDet, "yolo": YoloDet, "fcos": FcosWideDet}


def build_model(cfg):
    cfg = dict(cfg)
    arch = cfg.pop("arch")
    return ARCHS[arch](**cfg)
