"""Per-architecture losses. Targets per image: boxes (n,4) xyxy input pixels, types (n,) -1 = unknown.

Objectness is learned from every leukocyte box; the type loss only where the type is known,
weighted per class (class_w) so the rare types count.
"""
import torch
import torch.nn.functional as F


def giou_loss(a, b):
    """1 - GIoU of paired xyxy boxes (n,4)."""
    lt = torch.max(a[:, :2], b[:, :2])
    rb = torch.min(a[:, 2:], b[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(1)
    union = area_a + area_b - inter + 1e-7
    iou = inter / union
    elt = torch.min(a[:, :2], b[:, :2])
    erb = torch.max(a[:, 2:], b[:, 2:])
    enc = (erb - elt).clamp(min=0).prod(1) + 1e-7
    return 1 - (iou - (enc - union) / enc), iou


def type_loss(logits, types, weights, class_w):
    """Class-weighted cross entropy over the locations whose type is known."""
    known = types >= 0
    if not known.any():
        return logits.sum() * 0.0
    w = weights[known] * class_w[types[known]]
    ce = F.cross_entropy(logits[known], types[known], reduction="none")
    return (ce * w).sum() / w.sum().clamp(min=1e-6)


def centernet_loss(model, out, targets, class_w, cfg):
    """Gaussian centre heat map (penalty-reduced focal loss), GIoU on the locations near each
    centre weighted by the Gaussian, type CE there too."""
    pts = model.points  # (N,2)
    stride = model.stride
    alpha = cfg.get("gauss_alpha", 0.54)
    hm_t = torch.zeros_like(out["obj"])
    reg_w = torch.zeros_like(out["obj"])
    owner = torch.full(out["obj"].shape, -1, dtype=torch.long, device=pts.device)
    peak = torch.zeros_like(out["obj"], dtype=torch.bool)
    Wc = model.input_hw[1] // stride
    for b, (boxes, _) in enumerate(targets):
        if len(boxes) == 0:
            continue
        ctr = (boxes[:, :2] + boxes[:, 2:]) / 2
        wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1)
        cell = (ctr / stride).floor()
        cell_ctr = (cell + 0.5) * stride
        sig = (alpha * wh / 6).clamp(min=stride / 2)  # (n,2) in pixels
        d = (pts[None, :, :] - cell_ctr[:, None, :]) / sig[:, None, :]
        g = torch.exp(-0.5 * (d ** 2).sum(-1))  # (n,N)
        inside = (pts[None, :, 0] > boxes[:, None, 0]) & (pts[None, :, 0] < boxes[:, None, 2]) & \
                 (pts[None, :, 1] > boxes[:, None, 1]) & (pts[None, :, 1] < boxes[:, None, 3])
        g = g * inside
        gmax, arg = g.max(0)
        hm_t[b] = gmax
        # Several boxes may share a cell: the cell peak belongs to the smaller one.
        area = wh.prod(1)
        order = torch.argsort(area, descending=True)
        idx = (cell[:, 1] * Wc + cell[:, 0]).long().clamp(0, len(pts) - 1)
        for j in order.tolist():
            peak[b, idx[j]] = True
            hm_t[b, idx[j]] = 1.0
            arg[idx[j]] = j
        owner[b] = torch.where(gmax > cfg.get("reg_min_gauss", 0.05), arg, torch.full_like(arg, -1))
        owner[b, idx] = arg[idx]
        reg_w[b] = torch.where(owner[b] >= 0, hm_t[b], torch.zeros_like(gmax))
    p = torch.sigmoid(out["obj"]).clamp(1e-4, 1 - 1e-4)
    pos_loss = -torch.log(p) * (1 - p) ** 2 * peak
    neg_loss = -torch.log(1 - p) * p ** 2 * (1 - hm_t) ** 4 * (~peak)
    npos = peak.sum().clamp(min=1)
    l_hm = (pos_loss.sum() + neg_loss.sum()) / npos
    sel = owner >= 0
    if sel.any():
        bi, pi = torch.nonzero(sel, as_tuple=True)
        tboxes = _gather_targets(targets, bi, owner[bi, pi], 0)
        ttypes = _gather_targets(targets, bi, owner[bi, pi], 1)
        w = reg_w[bi, pi]
        gl, _ = giou_loss(out["box"][bi, pi], tboxes)
        l_box = (gl * w).sum() / w.sum().clamp(min=1e-6)
        l_cls = type_loss(out["cls"][bi, pi], ttypes, w, class_w)
    else:
        l_box = out["box"].sum() * 0
        l_cls = out["cls"].sum() * 0
    total = cfg.get("w_obj", 1.0) * l_hm + cfg.get("w_box", 2.0) * l_box + cfg.get("w_cls", 0.5) * l_cls
    return total, {"obj": l_hm.item(), "box": l_box.item(), "cls": l_cls.item()}


def _gather_targets(targets, bi, gi, k):
    """Per (image, gt index) pairs, fetch boxes (k=0) or types (k=1)."""
    flat, offsets, off = [], [], 0
    for t in targets:
        flat.append(t[k])
        offsets.append(off)
        off += len(t[k])
    flat = torch.cat(flat)
    offs = torch.tensor(offsets, device=gi.device)
    return flat[offs[bi] + gi]


def yolo_loss(model, out, targets, class_w, cfg):
    """YOLOv5-style assignment: each box goes to anchors whose shape ratio is < anchor_t in its
    centre cell and the two nearest neighbour cells; varifocal objectness towards the detached IoU."""
    stride, na = model.stride, model.na
    H, W = model.input_hw[0] // stride, model.input_hw[1] // stride
    anchors = model.anchors
    obj_t = torch.zeros_like(out["obj"])
    bis, pis, gis = [], [], []
    for b, (boxes, _) in enumerate(targets):
        if len(boxes) == 0:
            continue
        ctr = (boxes[:, :2] + boxes[:, 2:]) / 2 / stride
        wh = (boxes[:, 2:] - boxes[:, :2]).clamp(min=1)
        r = wh[:, None, :] / anchors[None]
        ok = torch.max(r, 1 / r).max(-1).values < cfg.get("anchor_t", 4.0)  # (n,A)
        g = ctr.floor()
        frac = ctr - g
        offs = [torch.zeros_like(g)]
        offs.append(torch.stack([torch.where(frac[:, 0] < 0.5, -1.0, 1.0), torch.zeros_like(frac[:, 0])], 1))
        offs.append(torch.stack([torch.zeros_like(frac[:, 0]), torch.where(frac[:, 1] < 0.5, -1.0, 1.0)], 1))
        for o in offs:
            c = g + o
            inb = (c[:, 0] >= 0) & (c[:, 0] < W) & (c[:, 1] >= 0) & (c[:, 1] < H)
            gi, ai = torch.nonzero(ok & inb[:, None], as_tuple=True)
            pi = ((c[gi, 1] * W + c[gi, 0]).long() * na + ai)
            bis.append(torch.full_like(pi, b))
            pis.append(pi)
            gis.append(gi)
    if bis:
        bi, pi, gi = torch.cat(bis), torch.cat(pis), torch.cat(gis)
    else:
        bi = pi = gi = torch.zeros(0, dtype=torch.long, device=out["obj"].device)
    if len(bi):
        tboxes = _gather_targets(targets, bi, gi, 0)
        ttypes = _gather_targets(targets, bi, gi, 1)
        gl, iou = giou_loss(out["box"][bi, pi], tboxes)
        l_box = gl.mean()
        obj_t[bi, pi] = iou.detach().clamp(0).to(obj_t.dtype)
        l_cls = type_loss(out["cls"][bi, pi], ttypes, torch.ones_like(gl), class_w)
    else:
        l_box = out["box"].sum() * 0
        l_cls = out["cls"].sum() * 0
    # Varifocal objectness: positives towards their IoU (weighted by it), negatives down-weighted
    # by alpha * p^gamma, normalised by the positives; a plain BCE mean over the grid barely moves
    # the few positive anchors in a short schedule.
    p = torch.sigmoid(out["obj"])
    pos = obj_t > 0
    w = torch.where(pos, obj_t, cfg.get("vfl_alpha", 0.75) * p.detach() ** cfg.get("vfl_gamma", 2.0))
    bce = F.binary_cross_entropy_with_logits(out["obj"], obj_t, reduction="none")
    l_obj = (bce * w).sum() / obj_t.sum().clamp(min=1.0)
    total = cfg.get("w_obj", 1.0) * l_obj + cfg.get("w_box", 2.0) * l_box + cfg.get("w_cls", 0.5) * l_cls
    return total, {"obj": l_obj.item(), "box": l_box.item(), "cls": l_cls.item()}


def fcos_loss(model, out, targets, class_w, cfg):
    """FCOS: locations inside a box's centre region (radius x stride) and in the level's size range
    are positive (smallest box wins); sigmoid focal loss on objectness, BCE on centre-ness,
    centre-ness-weighted GIoU, type CE."""
    pts, strides = model.points, model.point_strides
    ranges = cfg.get("level_ranges", {8: [0, 80], 16: [64, 1e5]})
    lo = torch.zeros_like(strides)
    hi = torch.zeros_like(strides)
    for s, (a, b_) in ranges.items():
        m = strides == float(s)
        lo[m], hi[m] = a, b_
    radius = cfg.get("centre_radius", 1.5)
    B, N = out["obj"].shape
    assign = torch.full((B, N), -1, dtype=torch.long, device=pts.device)
    for b, (boxes, _) in enumerate(targets):
        if len(boxes) == 0:
            continue
        l = pts[None, :, 0] - boxes[:, None, 0]
        t = pts[None, :, 1] - boxes[:, None, 1]
        r = boxes[:, None, 2] - pts[None, :, 0]
        bt = boxes[:, None, 3] - pts[None, :, 1]
        ltrb = torch.stack([l, t, r, bt], -1)
        inside = ltrb.min(-1).values > 0
        ctr = (boxes[:, :2] + boxes[:, 2:]) / 2
        near = ((pts[None] - ctr[:, None]).abs() < radius * strides[None, :, None]).all(-1)
        m = ltrb.max(-1).values
        in_range = (m >= lo[None]) & (m <= hi[None])
        ok = inside & near & in_range
        area = ((boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]))[:, None].expand_as(ok)
        area = torch.where(ok, area, torch.full_like(area, float("inf")))
        amin, arg = area.min(0)
        assign[b] = torch.where(torch.isfinite(amin), arg, torch.full_like(arg, -1))
    pos = assign >= 0
    npos = pos.sum().clamp(min=1).float()
    obj_t = pos.float()
    p = torch.sigmoid(out["obj"])
    ce = F.binary_cross_entropy_with_logits(out["obj"], obj_t, reduction="none")
    pt = p * obj_t + (1 - p) * (1 - obj_t)
    a = 0.25 * obj_t + 0.75 * (1 - obj_t)
    l_obj = (a * (1 - pt) ** 2 * ce).sum() / npos
    if pos.any():
        bi, pi = torch.nonzero(pos, as_tuple=True)
        gi = assign[bi, pi]
        tboxes = _gather_targets(targets, bi, gi, 0)
        ttypes = _gather_targets(targets, bi, gi, 1)
        pp = pts[pi]
        l_, t_ = pp[:, 0] - tboxes[:, 0], pp[:, 1] - tboxes[:, 1]
        r_, b_ = tboxes[:, 2] - pp[:, 0], tboxes[:, 3] - pp[:, 1]
        cness = torch.sqrt((torch.min(l_, r_) / torch.max(l_, r_)).clamp(min=0) *
                           (torch.min(t_, b_) / torch.max(t_, b_)).clamp(min=0))
        l_ctr = F.binary_cross_entropy_with_logits(out["ctr"][bi, pi], cness)
        gl, _ = giou_loss(out["box"][bi, pi], tboxes)
        l_box = (gl * cness).sum() / cness.sum().clamp(min=1e-6)
        l_cls = type_loss(out["cls"][bi, pi], ttypes, torch.ones_like(gl), class_w)
    else:
        l_ctr = out["ctr"].sum() * 0
        l_box = out["box"].sum() * 0
        l_cls = out["cls"].sum() * 0
    total = cfg.get("w_obj", 1.0) * l_obj + cfg.get("w_box", 2.0) * l_box + cfg.get("w_ctr", 1.0) * l_ctr + \
        cfg.get("w_cls", 0.5) * l_cls
    return total, {"obj": l_obj.item(), "box": l_box.item(), "ctr": l_ctr.item(), "cls": l_cls.item()}


LOSSES = {"centernet": centernet_loss, "yolo": yolo_loss, "fcos": fcos_loss}
