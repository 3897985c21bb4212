"""COCO loading, BCCD/TXL merging by sha256, letterbox and training augmentation."""
import io
import json
import math
import os
import queue
import threading

import numpy as np
import torch
from PIL import Image

from . import NUM_TYPES, PAD_VALUE, TYPES


def xywh_to_xyxy(b):
    x, y, w, h = b
    return [x, y, x + w, y + h]


def box_iou(a, b):
    """IoU matrix of two (n,4)/(m,4) xyxy numpy arrays."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def _load_coco(path):
    with open(path) as f:
        d = json.load(f)
    root = (d.get("info") or {}).get("image_root") or os.path.dirname(os.path.abspath(path))
    by_image = {}
    for a in d.get("annotations", []):
        by_image.setdefault(a["image_id"], []).append(a)
    cats = {c["id"]: c.get("name", "") for c in d.get("categories", [])}
    images = []
    for im in d["images"]:
        images.append(dict(path=os.path.join(root, im["file_name"]), sha=im.get("sha256"),
                           width=im["width"], height=im["height"], anns=by_image.get(im["id"], [])))
    return images, cats


def _sample(im, boxes, types, source):
    return dict(path=im["path"], sha=im["sha"], width=im["width"], height=im["height"],
                boxes=np.asarray(boxes, np.float32).reshape(-1, 4),
                types=np.asarray(types, np.int64).reshape(-1), source=source)


def _bccd_samples(path):
    images, _ = _load_coco(path)
    out = []
    for im in images:
        boxes, types = [], []
        for a in im["anns"]:
            cid = a["category_id"]
            if a.get("type_unknown") or cid == 0:
                t = -1
            elif 1 <= cid <= NUM_TYPES:
                t = cid - 1
            else:
                continue
            boxes.append(xywh_to_xyxy(a["bbox"]))
            types.append(t)
        out.append(_sample(im, boxes, types, "bccd"))
    return out


def _txl_samples(path):
    images, cats = _load_coco(path)
    wbc_ids = {cid for cid, name in cats.items() if name.lower() in ("wbc", "leukocyte")} or {1}
    out = []
    for im in images:
        boxes = [xywh_to_xyxy(a["bbox"]) for a in im["anns"] if a["category_id"] in wbc_ids]
        out.append(_sample(im, boxes, [-1] * len(boxes), "txl"))
    return out


def load_split(txl=None, bccd=None, iou_match=0.5, log=print):
    """Leukocyte samples of one split: TXL boxes localise, BCCD gives types by IoU on shared fields.

    Each sample: path, boxes (n,4) xyxy in original pixels, types (n,) with -1 = type unknown.
    """
    txl_s = _txl_samples(txl) if txl else []
    bccd_s = _bccd_samples(bccd) if bccd else []
    bccd_by_sha = {s["sha"]: s for s in bccd_s if s["sha"]}
    merged, typed_from_bccd, lost_types = set(), 0, 0
    for s in txl_s:
        b = bccd_by_sha.get(s["sha"]) if s["sha"] else None
        if b is None:
            continue
        merged.add(s["sha"])
        known = np.where(b["types"] >= 0)[0]
        iou = box_iou(s["boxes"], b["boxes"][known])
        # Greedy one-to-one matching, best IoU first.
        used_t, used_b = set(), set()
        for flat in np.argsort(-iou, axis=None):
            i, j = np.unravel_index(flat, iou.shape)
            if iou[i, j] <= iou_match:
                break
            if i in used_t or j in used_b:
                continue
            used_t.add(i)
            used_b.add(j)
            s["types"][i] = b["types"][known[j]]
            typed_from_bccd += 1
        lost_types += len(known) - len(used_b)
    samples = txl_s + [s for s in bccd_s if s["sha"] not in merged]
    if log:
        n_boxes = sum(len(s["boxes"]) for s in samples)
        counts = type_counts(samples)
        log(f"  data: {len(samples)} fields ({len(txl_s)} txl, {len(bccd_s)} bccd, {len(merged)} shared), "
            f"{n_boxes} leukocyte boxes, typed {dict(zip(TYPES, counts.tolist()))}, "
            f"types moved onto txl boxes {typed_from_bccd}, bccd types without a txl match {lost_types}")
    return samples


def type_counts(samples):
    c = np.zeros(NUM_TYPES, np.int64)
    for s in samples:
        for t in s["types"]:
            if t >= 0:
                c[t] += 1
    return c


def repeat_factors(samples, thr, max_repeat=4):
    """Repeat-factor sampling for the rare types: a field appears round(max over its types of
    sqrt(thr / fraction of fields holding that type)) times per epoch (at least 1, at most max_repeat)."""
    n = max(len(samples), 1)
    holds = [set(int(t) for t in s["types"] if t >= 0) for s in samples]
    frac = np.array([sum(t in h for h in holds) / n for t in range(NUM_TYPES)])
    per_type = np.where(frac > 0, np.sqrt(thr / np.maximum(frac, 1e-9)), 1.0)
    return np.array([min(max_repeat, max([1.0] + [per_type[t] for t in h])) for h in holds]).round().astype(np.int64)


def class_weights(counts, power=0.5, max_ratio=10.0):
    """Inverse-frequency weights ** power, capped, normalised to a count-weighted mean of 1."""
    counts = np.maximum(np.asarray(counts, np.float64), 1)
    w = (counts.max() / counts) ** power
    w = np.minimum(w, max_ratio)
    w = w / ((w * counts).sum() / counts.sum())
    return w.astype(np.float32)


def letterbox_params(h, w, out_h, out_w):
    """Scale to fit keeping aspect, centred; identical to the daemon's preprocessing."""
    r = min(out_h / h, out_w / w)
    nh, nw = max(1, int(round(h * r))), max(1, int(round(w * r)))
    return r, nh, nw, (out_h - nh) // 2, (out_w - nw) // 2


def letterbox(img, out_h, out_w):
    """PIL image -> uint8 (out_h,out_w,3) letterboxed with 114 grey, plus (r, top, left)."""
    img = img.convert("RGB")
    r, nh, nw, top, left = letterbox_params(img.height, img.width, out_h, out_w)
    canvas = np.full((out_h, out_w, 3), PAD_VALUE, np.uint8)
    canvas[top:top + nh, left:left + nw] = np.asarray(img.resize((nw, nh), Image.BILINEAR))
    return canvas, r, top, left


class ImageCache:
    """Decoded images held in memory, pre-shrunk to what the largest training scale needs."""

    def __init__(self, samples, out_hw, max_scale, log=print):
        self.items = []
        for s in samples:
            img = Image.open(s["path"]).convert("RGB")
            w, h = img.size
            r = min(1.0, min(out_hw[0] / h, out_hw[1] / w) * max_scale * 1.05)
            if r < 1.0:
                img = img.resize((max(1, round(w * r)), max(1, round(h * r))), Image.BILINEAR)
            sx, sy = img.size[0] / w, img.size[1] / h
            boxes = s["boxes"] * np.array([sx, sy, sx, sy], np.float32)
            self.items.append((np.asarray(img), boxes, s["types"].copy()))
        if log:
            mb = sum(i[0].nbytes for i in self.items) / 2 ** 20
            log(f"  cached {len(self.items)} images ({mb:.0f} MiB)")


def _rot90(img, boxes, k):
    """Rotate image and xyxy boxes by k*90 degrees counter-clockwise."""
    for _ in range(k % 4):
        h, w = img.shape[:2]
        img = np.rot90(img)
        x1, y1, x2, y2 = boxes.T
        boxes = np.stack([y1, w - x2, y2, w - x1], 1)
    return img, boxes


def augment_geometry(img, boxes, types, out_hw, rng, cfg):
    """Flips, 90-degree rotations, scale, shift; placed on a 114 canvas.

    Returns canvas uint8 (H,W,3), content mask bool (H,W), boxes, types.
    """
    H, W = out_hw
    boxes = boxes.copy()
    if cfg.get("rot90", True):
        img, boxes = _rot90(img, boxes, int(rng.integers(4)))
    h, w = img.shape[:2]
    if rng.random() < cfg.get("fliplr", 0.5):
        img = img[:, ::-1]
        boxes[:, [0, 2]] = w - boxes[:, [2, 0]]
    if rng.random() < cfg.get("flipud", 0.5):
        img = img[::-1]
        boxes[:, [1, 3]] = h - boxes[:, [3, 1]]
    smin, smax = cfg.get("scale", [0.75, 1.25])
    r = min(H / h, W / w) * rng.uniform(smin, smax)
    nw, nh = max(1, int(round(w * r))), max(1, int(round(h * r)))
    pil = Image.fromarray(np.ascontiguousarray(img))
    lowres = cfg.get("p_lowres", 0.0) > 0 and rng.random() < cfg["p_lowres"]
    if lowres:
        # A low-power objective or a shrunk photo: the daemon enlarges such a field bilinearly
        # to the detectors' scale, so the cells arrive with f times fewer pixels across.
        lo, hi = cfg.get("lowres_factor", [1.5, 6.0])
        f = math.exp(rng.uniform(math.log(lo), math.log(hi)))
        pil = pil.resize((max(8, round(nw / f)), max(8, round(nh / f))), Image.BILINEAR)
    else:
        pil = pil.resize((nw, nh), Image.BILINEAR)
    if rng.random() < cfg.get("jpeg", 0.0):
        buf = io.BytesIO()
        pil.save(buf, format="JPEG", quality=int(rng.integers(25, 80)))
        pil = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    if lowres:
        pil = pil.resize((nw, nh), Image.BILINEAR)
    im = np.asarray(pil)
    boxes *= np.array([nw / w, nh / h, nw / w, nh / h], np.float32)
    if rng.random() < cfg.get("centred", 0.3):
        ox, oy = (W - nw) // 2, (H - nh) // 2
    else:
        ox = int(rng.integers(min(0, W - nw), max(0, W - nw) + 1))
        oy = int(rng.integers(min(0, H - nh), max(0, H - nh) + 1))
    canvas = np.full((H, W, 3), PAD_VALUE, np.uint8)
    mask = np.zeros((H, W), bool)
    x0, y0, x1, y1 = max(ox, 0), max(oy, 0), min(ox + nw, W), min(oy + nh, H)
    canvas[y0:y1, x0:x1] = im[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    mask[y0:y1, x0:x1] = True
    if len(boxes):
        boxes += np.array([ox, oy, ox, oy], np.float32)
        area0 = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(x0, x1)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(y0, y1)
        bw, bh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        keep = (bw * bh >= cfg.get("min_visible", 0.45) * area0) & (bw >= 4) & (bh >= 4)
        boxes, types = boxes[keep], types[keep]
    return canvas, mask, boxes, types


_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
_YIQ_INV = torch.linalg.inv(_YIQ)


def _gauss_kernel(sigma):
    rad = max(1, int(math.ceil(2.5 * sigma)))
    x = torch.arange(-rad, rad + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def augment_photometric(x, mask, gen, cfg):
    """Interference factors of the study on a float batch (B,3,H,W) 0..1, in place of the content.

    colour cast (per-channel gain), low illumination (brightness, gamma), stain pH shift (hue
    rotation, saturation), contrast, defocus blur, sensor noise. Padding stays 114 grey.
    All random numbers come from the CPU generator `gen` so CPU and CUDA runs draw the same.
    """
    B = x.shape[0]
    dev = x.device

    def u(lo, hi, n=B):
        return lo + (hi - lo) * torch.rand(n, generator=gen)

    def p(prob):
        return torch.rand(B, generator=gen) < prob

    # One 3x3 colour matrix per image: saturation @ hue rotation @ channel gains.
    gain = torch.exp(torch.randn(B, 3, generator=gen) * cfg.get("gain_sigma", 0.12))
    gain[~p(cfg.get("p_gain", 0.8))] = 1.0
    ang = u(-1, 1) * math.radians(cfg.get("hue_deg", 20))
    ang[~p(cfg.get("p_hue", 0.5))] = 0.0
    c, s = torch.cos(ang), torch.sin(ang)
    rot = torch.zeros(B, 3, 3)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = c, -s, s, c
    sat = u(*cfg.get("saturation", [0.6, 1.4]))
    sat[~p(cfg.get("p_saturation", 0.5))] = 1.0
    satm = torch.diag_embed(torch.stack([torch.ones(B), sat, sat], 1))
    m = _YIQ_INV @ satm @ rot @ _YIQ @ torch.diag_embed(gain)
    x = torch.einsum("bij,bjhw->bihw", m.to(dev), x)
    bright = u(*cfg.get("brightness", [0.45, 1.2]))
    bright[~p(cfg.get("p_brightness", 0.5))] = 1.0
    x = x * bright.view(B, 1, 1, 1).to(dev)
    con = u(*cfg.get("contrast", [0.7, 1.3]))
    con[~p(cfg.get("p_contrast", 0.4))] = 1.0
    mean = x.mean((1, 2, 3), keepdim=True)
    x = (x - mean) * con.view(B, 1, 1, 1).to(dev) + mean
    x = x.clamp(0, 1)
    gamma = torch.exp(u(math.log(cfg.get("gamma", [0.7, 1.5])[0]), math.log(cfg.get("gamma", [0.7, 1.5])[1])))
    gamma[~p(cfg.get("p_gamma", 0.4))] = 1.0
    x = x.clamp_min(1e-6) ** gamma.view(B, 1, 1, 1).to(dev)
    blur = p(cfg.get("p_blur", 0.25))
    sig = u(*cfg.get("blur_sigma", [0.6, 2.2]))
    for i in torch.nonzero(blur).flatten().tolist():
        k = _gauss_kernel(float(sig[i])).to(dev)
        r = (len(k) - 1) // 2
        xi = x[i:i + 1].transpose(0, 1)  # (3,1,H,W): each channel alone
        xi = torch.nn.functional.pad(xi, (r, r, 0, 0), mode="replicate")
        xi = torch.nn.functional.conv2d(xi, k.view(1, 1, 1, -1))
        xi = torch.nn.functional.pad(xi, (0, 0, r, r), mode="replicate")
        xi = torch.nn.functional.conv2d(xi, k.view(1, 1, -1, 1))
        x[i] = xi.transpose(0, 1)[0]
    noise = p(cfg.get("p_noise", 0.3))
    std = u(*cfg.get("noise_std", [0.005, 0.04])) * noise
    x = x + torch.randn(x.shape, generator=gen).to(dev) * std.view(B, 1, 1, 1).to(dev)
    x = x.clamp(0, 1)
    return torch.where(mask, x, torch.full_like(x, PAD_VALUE / 255.0))


class TrainLoader:
    """Deterministic batches: epoch e's order and augmentation depend only on (seed, e)."""

    def __init__(self, cache, out_hw, batch_size, aug_cfg, seed, repeats=None):
        self.cache, self.out_hw, self.bs, self.aug, self.seed = cache, out_hw, batch_size, aug_cfg, seed
        self.pool = np.repeat(np.arange(len(cache.items)), repeats if repeats is not None else 1)

    def __len__(self):
        return len(self.pool) // self.bs

    def _geometry_batches(self, e):
        rng = np.random.default_rng([self.seed, e])
        order = self.pool[rng.permutation(len(self.pool))]
        for b in range(len(self)):
            imgs, masks, targets = [], [], []
            for idx in order[b * self.bs:(b + 1) * self.bs]:
                img, boxes, types = self.cache.items[idx]
                c, m, bx, tp = augment_geometry(img, boxes, types, self.out_hw, rng, self.aug)
                imgs.append(c)
                masks.append(m)
                targets.append((torch.from_numpy(bx).float(), torch.from_numpy(tp).long()))
            x = torch.from_numpy(np.stack(imgs)).permute(0, 3, 1, 2).float().div_(255)
            yield x, torch.from_numpy(np.stack(masks))[:, None], targets

    def epoch(self, e, device):
        """The geometric half runs one batch ahead in a thread (same order, same draws), so it
        overlaps the training step; the photometric half runs on the device."""
        gen = torch.Generator().manual_seed(self.seed * 1000003 + e)
        ahead = queue.Queue(maxsize=2)

        def produce():
            try:
                for item in self._geometry_batches(e):
                    ahead.put(item)
            except BaseException as err:  # handed to the consumer, which re-raises it
                ahead.put(err)
            ahead.put(None)
        threading.Thread(target=produce, daemon=True).start()
        while (item := ahead.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            x, mask, targets = item
            x = augment_photometric(x.to(device), mask.to(device), gen, self.aug)
            yield x, [(bx.to(device), tp.to(device)) for bx, tp in targets]


def load_eval_set(samples, out_hw, log=print):
    """Letterboxed uint8 images and boxes mapped to input pixels, for quick validation."""
    imgs, gts = [], []
    for s in samples:
        canvas, r, top, left = letterbox(Image.open(s["path"]), *out_hw)
        imgs.append(canvas)
        gts.append((s["boxes"] * r + np.array([left, top, left, top], np.float32), s["types"]))
    return np.stack(imgs) if imgs else np.zeros((0, *out_hw, 3), np.uint8), gts


def load_named_split(txl_dir, bccd_dir, name, log=print):
    """load_split on <txl_dir>/<name>.json and <bccd_dir>/<name>.json, whichever exist."""
    t = os.path.join(txl_dir, name + ".json") if txl_dir else None
    b = os.path.join(bccd_dir, name + ".json") if bccd_dir else None
    return load_split(t if t and os.path.exists(t) else None, b if b and os.path.exists(b) else None, log=log)


def load_extra(paths, log=print):
    """Extra class-agnostic training fields: COCO files with a WBC class (e.g. the tiles of
    scripts/detector-tiles.ts), each field's types unknown, added to the train split only."""
    samples = []
    for path in paths:
        extra = _txl_samples(path)
        for s in extra:
            s["source"] = "extra"
        samples += extra
        if log:
            log(f"  extra: {len(extra)} fields, {sum(len(s['boxes']) for s in extra)} leukocyte boxes from {path}")
    return samples


def field_input(path, out_hw):
    """One field letterboxed as the detector contract's input: float [1,3,H,W], RGB 0..1."""
    x_np, _, _, _ = letterbox(Image.open(path), *out_hw)
    return torch.from_numpy(x_np).permute(2, 0, 1)[None].float() / 255
