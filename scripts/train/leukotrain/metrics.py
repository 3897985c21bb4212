"""Quick class-agnostic COCO-style AP and type accuracy for validation during training."""
import numpy as np
import torch
import torchvision

from . import NUM_TYPES
from .data import box_iou

IOUS = np.arange(0.5, 0.96, 0.05)


@torch.no_grad()
def predict(model, images_u8, device, batch=16, conf=0.001, nms_iou=0.5, max_det=100):
    """Per image: boxes (k,4), objectness (k,), type probabilities (k,5), after NMS."""
    model.eval()
    preds = []
    for i in range(0, len(images_u8), batch):
        x = torch.from_numpy(images_u8[i:i + batch]).permute(0, 3, 1, 2).float().div_(255).to(device)
        out = model(x)
        obj = model.score(out)
        probs = torch.softmax(out["cls"], -1)
        for b in range(x.shape[0]):
            keep = obj[b] > conf
            bx, sc, pr = out["box"][b][keep], obj[b][keep], probs[b][keep]
            k = torchvision.ops.nms(bx, sc, nms_iou)[:max_det]
            preds.append((bx[k].cpu().numpy(), sc[k].cpu().numpy(), pr[k].cpu().numpy()))
    return preds


def average_precision(preds, gts):
    """Class-agnostic AP at IoU .50:.05:.95 with 101-point interpolation (COCO style)."""
    n_gt = sum(len(g[0]) for g in gts)
    aps = []
    for thr in IOUS:
        scores, tps = [], []
        for (pb, ps, _), (gb, _) in zip(preds, gts):
            order = np.argsort(-ps)
            pb, ps = pb[order], ps[order]
            iou = box_iou(pb, gb)
            used = np.zeros(len(gb), bool)
            for i in range(len(pb)):
                tp = False
                if len(gb):
                    cand = np.where(~used, iou[i], -1)
                    j = int(cand.argmax())
                    if cand[j] >= thr:
                        used[j] = True
                        tp = True
                scores.append(ps[i])
                tps.append(tp)
        if n_gt == 0:
            aps.append(0.0)
            continue
        order = np.argsort(-np.asarray(scores), kind="stable")
        tp = np.asarray(tps, np.float64)[order]
        ctp, cfp = np.cumsum(tp), np.cumsum(1 - tp)
        rec = ctp / n_gt
        prec = ctp / np.maximum(ctp + cfp, 1e-9)
        prec = np.maximum.accumulate(prec[::-1])[::-1] if len(prec) else prec
        rs = np.linspace(0, 1, 101)
        idx = np.searchsorted(rec, rs, side="left")
        aps.append(float(np.mean([prec[i] if i < len(prec) else 0.0 for i in idx])))
    return aps


def best_match(iou_row, scores, iou_thr=0.5):
    """Index of the highest-scoring detection overlapping one labelled box at iou_thr, or None."""
    if len(iou_row) == 0:
        return None
    cand = np.where(iou_row >= iou_thr, scores, -1)
    i = int(cand.argmax())
    return i if cand[i] >= 0 else None


def type_accuracy(preds, gts, iou_thr=0.5):
    """For each typed ground-truth box, the best-overlapping detection's argmax type."""
    hit = np.zeros(NUM_TYPES)
    tot = np.zeros(NUM_TYPES)
    for (pb, ps, pr), (gb, gt) in zip(preds, gts):
        if len(gb) == 0:
            continue
        iou = box_iou(gb, pb) if len(pb) else np.zeros((len(gb), 0))
        for j, t in enumerate(gt):
            if t < 0:
                continue
            tot[t] += 1
            i = best_match(iou[j], ps, iou_thr)
            if i is not None and pr[i].argmax() == t:
                hit[t] += 1
    acc = hit.sum() / max(tot.sum(), 1)
    per = [float(h / t) if t else None for h, t in zip(hit, tot)]
    return float(acc), per, tot.astype(int).tolist()


def evaluate(model, images_u8, gts, device, batch=16):
    preds = predict(model, images_u8, device, batch)
    aps = average_precision(preds, gts)
    acc, per, tot = type_accuracy(preds, gts)
    present = [r for r in per if r is not None]
    return {"AP": float(np.mean(aps)), "AP50": aps[0], "AP75": aps[5], "type_acc": acc,
            "type_bal": float(np.mean(present)) if present else 0.0,
            "type_recall": per, "typed_gt": tot, "best_f1": best_f1_threshold(preds, gts)}


def best_f1_threshold(preds, gts, iou_thr=0.5, grid=np.arange(0.05, 0.651, 0.05)):
    """Threshold on the exported score (objectness x best type probability) with the best F1."""
    n_gt = sum(len(g[0]) for g in gts)
    best = (0.0, 0.25, 0.0, 0.0)
    for t in grid:
        tp = fp = 0
        for (pb, ps, pr), (gb, _) in zip(preds, gts):
            sc = ps * pr.max(1) if len(pr) else ps
            keep = np.where(sc >= t)[0]
            keep = keep[np.argsort(-sc[keep])]
            iou = box_iou(pb[keep], gb)
            used = np.zeros(len(gb), bool)
            for i in range(len(keep)):
                cand = np.where(~used, iou[i], -1) if len(gb) else np.array([-1.0])
                j = int(cand.argmax())
                if cand[j] >= iou_thr:
                    used[j] = True
                    tp += 1
                else:
                    fp += 1
        prec, rec = tp / max(tp + fp, 1), tp / max(n_gt, 1)
        f1 = 2 * prec * rec / max(prec + rec, 1e-9)
        if f1 > best[0] + 1e-9:
            best = (f1, float(round(t, 2)), prec, rec)
    return {"f1": best[0], "threshold": best[1], "precision": best[2], "recall": best[3]}
