#!/usr/bin/python3
"""Train one leukocyte detector.

  nice -n 19 /usr/bin/python3 scripts/train/train.py --config scripts/train/configs/cnet320.json \
      [--resume] [--restart] [--time-budget-min 30] [--txl-dir D] [--bccd-dir D] [--out work/train]

Writes work/train/<id>/: config.json, train.log, metrics.json, last.pt (every epoch, atomic),
best.pt (the EMA or the trained weights, whichever validates better, at the best val AP). An
interrupted run continues from last.pt when started again with the same command (--restart
discards it).
"""
import argparse
import copy
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from leukotrain import TYPES  # noqa: E402
from leukotrain.config import load_config, resolve  # noqa: E402
from leukotrain.data import ImageCache, TrainLoader, class_weights, repeat_factors, load_eval_set, load_extra, load_named_split, type_counts  # noqa: E402
from leukotrain.flops import count_flops, count_params  # noqa: E402
from leukotrain.losses import LOSSES  # noqa: E402
from leukotrain.metrics import evaluate  # noqa: E402
from leukotrain.models import build_model  # noqa: E402


class EMA:
    """Exponential moving average of weights; the decay ramps up over the first updates."""

    def __init__(self, model, decay, tau):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay, self.tau, self.updates = decay, tau, 0

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.tau))
        msd = model.state_dict()
        mine, theirs = [], []
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                mine.append(v)
                theirs.append(msd[k].detach())
            else:
                v.copy_(msd[k])
        # One fused update instead of a small kernel per tensor (matters on a GPU).
        torch._foreach_mul_(mine, d)
        torch._foreach_add_(mine, theirs, alpha=1 - d)


def lr_at(step, steps_per_epoch, epochs, cfg):
    warm = cfg.get("warmup_epochs", 1) * steps_per_epoch
    total = max(epochs * steps_per_epoch, warm + 1)
    base, final = cfg["lr"], cfg["lr"] * cfg.get("final_lr_ratio", 0.05)
    if step < warm:
        return base * (0.1 + 0.9 * step / warm)
    t = min(1.0, (step - warm) / (total - warm))
    return final + 0.5 * (base - final) * (1 + math.cos(math.pi * t))


def set_trainable(model, prefixes):
    """Freezes every parameter outside the named modules (all train when prefixes is empty); returns
    the trainable ones. "reg" names the module reg, not reg_tower."""
    if not prefixes:
        return list(model.parameters())
    names = [n for n, _ in model.named_parameters()]

    def under(name, pre):
        return name == pre or name.startswith(pre + ".")
    for pre in prefixes:
        if not any(under(n, pre) for n in names):
            sys.exit(f"train.trainable: the model has no module '{pre}'")
    for n, p in model.named_parameters():
        p.requires_grad_(any(under(n, pre) for pre in prefixes))
    return [p for p in model.parameters() if p.requires_grad]


def train_mode(model):
    """Training mode, except that a frozen batch norm keeps its running statistics."""
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and not any(p.requires_grad for p in m.parameters()):
            m.eval()


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_json(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", required=True)
    ap.add_argument("--resume", action="store_true", help="require a checkpoint to continue from")
    ap.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--time-budget-min", type=float, default=None, help="stop after about this many training minutes (all sessions together)")
    ap.add_argument("--epochs", type=int, default=None, help="override the config's epochs")
    ap.add_argument("--txl-dir", default=None, help="folder with txl-wbc {train,val}.json")
    ap.add_argument("--bccd-dir", default=None, help="folder with bccd-typed {train,val}.json")
    ap.add_argument("--out", default=None, help="runs folder (default work/train)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores; fewer when runs share a machine)")
    return ap.parse_args(argv)


def config_from_args(args):
    """The config file with the command line's overrides."""
    cfg = load_config(args.config)
    if args.epochs:
        cfg["train"]["epochs"] = args.epochs
    if args.txl_dir:
        cfg["data"]["txl_dir"] = args.txl_dir
    if args.bccd_dir:
        cfg["data"]["bccd_dir"] = args.bccd_dir
    return cfg


class Trainer:
    """One run of one config. run() takes the steps in order: setup, data, model, resume, loader,
    then epochs until the planned number is done; the order keeps the seeded random draws as they
    were. The run folder's files (config.json, train.log, metrics.json, last.pt, best.pt) are
    what a later session resumes from and what export.py reads."""

    def __init__(self, cfg, out=None, restart=False, resume=False, time_budget_min=None, threads=None):
        self.cfg, self.tc = cfg, cfg["train"]
        self.hw = tuple(cfg["model"]["input_hw"])
        self.run_dir = os.path.join(resolve(out or "work/train"), cfg["id"])
        self.ckpt_path = os.path.join(self.run_dir, "last.pt")
        self.metrics_path = os.path.join(self.run_dir, "metrics.json")
        self.restart, self.require_resume, self.threads = restart, resume, threads
        budget_min = time_budget_min or self.tc.get("time_budget_min")
        self.budget_s = budget_min * 60 if budget_min else None
        self.log_f = None

    def log(self, msg):
        line = time.strftime("%H:%M:%S ") + msg
        print(line, flush=True)
        self.log_f.write(line + "\n")
        self.log_f.flush()

    def run(self):
        os.makedirs(self.run_dir, exist_ok=True)
        self.log_f = open(os.path.join(self.run_dir, "train.log"), "a")
        try:
            self.setup()
            self.load_data()
            self.build_model()
            self.restore()
            self.build_loader()
            while self.state["epoch"] < self.state["planned_epochs"]:
                self.run_epoch(self.state["epoch"])
            s = self.state
            self.log(f"done: {s['epoch']} epochs, {s['elapsed_s'] / 60:.1f} min, best val AP {s['best_ap']:.3f} at epoch {s.get('best_epoch')}")
        finally:
            self.log_f.close()
        return self.state

    def setup(self):
        torch.set_num_threads(self.threads or os.cpu_count())
        self.seed = self.cfg.get("seed", 0)
        random.seed(self.seed)
        np.random.seed(self.seed)
        torch.manual_seed(self.seed)
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        torch.backends.cudnn.benchmark = self.device.type == "cuda"  # fixed input sizes
        self.resuming = os.path.exists(self.ckpt_path) and not self.restart
        if self.require_resume and not self.resuming:
            sys.exit(f"--resume: no checkpoint at {self.ckpt_path}")
        self.log(f"run {self.cfg['id']} on {self.device} ({'resuming' if self.resuming else 'new'}), threads {torch.get_num_threads()}")
        atomic_json(self.cfg, os.path.join(self.run_dir, "config.json"))

    def load_data(self):
        d, tc = self.cfg["data"], self.tc
        txl_dir, bccd_dir = resolve(d.get("txl_dir")), resolve(d.get("bccd_dir"))
        self.log("train split:")
        self.train_s = load_named_split(txl_dir, bccd_dir, d.get("train_split", "train"), log=self.log)
        self.train_s += load_extra([resolve(p) for p in d.get("extra_train", [])], log=self.log)
        self.log("val split:")
        self.val_s = load_named_split(txl_dir, bccd_dir, d.get("val_split", "val"), log=self.log)
        self.counts = type_counts(self.train_s)
        self.cw = class_weights(self.counts, tc.get("cw_power", 0.5), tc.get("cw_max_ratio", 10.0))
        self.log("type counts " + str(dict(zip(TYPES, self.counts.tolist()))) +
                 " loss weights " + str(dict(zip(TYPES, np.round(self.cw, 2).tolist()))))

    def build_model(self):
        """Model (from train.init on a new run), EMA, optimiser, loss."""
        cfg, tc, hw = self.cfg, self.tc, self.hw
        model = build_model(cfg["model"])
        self.flops, self.params = count_flops(model, hw), count_params(model)
        self.log(f"model {cfg['model']['arch']} input {hw}: {self.flops / 1e9:.2f} GFLOPs, {self.params / 1e6:.2f} M params")
        if tc.get("init") and not self.resuming:
            init = torch.load(resolve(tc["init"]), map_location="cpu")
            model.load_state_dict(model.complete_init(init.get("ema", init["model"])))
            self.log(f"weights from {tc['init']}")
        self.trainable = set_trainable(model, tc.get("trainable"))
        if tc.get("trainable"):
            k = sum(p.numel() for p in self.trainable) / 1e3
            self.log(f"training only {', '.join(tc['trainable'])}: {k:.1f} k of {self.params / 1e6:.2f} M params")
        model.to(self.device)
        self.channels_last = tc.get("channels_last", True)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        self.model = model
        self.ema = EMA(model, tc.get("ema_decay", 0.999), tc.get("ema_tau", 300))
        decay, no_decay = [], []
        for p in self.trainable:
            (no_decay if p.ndim <= 1 else decay).append(p)
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": tc.get("weight_decay", 0.02)},
                                      {"params": no_decay, "weight_decay": 0.0}], lr=tc["lr"])
        self.loss_fn = LOSSES[cfg["model"]["arch"]]
        self.class_w = torch.tensor(self.cw, device=self.device)

    def restore(self):
        """The run state: new, or last.pt's (weights, EMA, optimiser, history, schedule)."""
        tc, budget_s = self.tc, self.budget_s
        self.state = {"epoch": 0, "elapsed_s": 0.0, "best_ap": -1.0, "planned_epochs": tc["epochs"], "history": []}
        if not self.resuming:
            return
        ck = torch.load(self.ckpt_path, map_location=self.device)
        self.model.load_state_dict(ck["model"])
        self.ema.model.load_state_dict(ck["ema"])
        self.ema.updates = ck["ema_updates"]
        self.opt.load_state_dict(ck["opt"])
        state = self.state = ck["state"]
        self.log(f"resumed after epoch {state['epoch']}, {state['elapsed_s'] / 60:.1f} min trained")
        if not budget_s and "planned_at" not in state:
            state["planned_epochs"] = tc["epochs"]
        elif budget_s and "planned_at" in state and budget_s != state.get("budget_s"):
            # A new budget stretches (or shortens) the cosine schedule from here on.
            per_epoch = state["elapsed_s"] / max(state["epoch"], 1)
            left = max(0, int((budget_s - state["elapsed_s"]) // max(per_epoch, 1e-3)))
            state["planned_epochs"] = max(state["epoch"], min(tc["epochs"], state["epoch"] + left))
            state["budget_s"] = budget_s
            self.log(f"time budget now {budget_s / 60:.0f} min: {state['planned_epochs']} epochs planned")

    def build_loader(self):
        tc, hw = self.tc, self.hw
        cache = ImageCache(self.train_s, hw, self.cfg["aug"].get("scale", [0.75, 1.25])[1], log=self.log)
        repeats = None
        if tc.get("repeat_thr"):
            repeats = repeat_factors(self.train_s, tc["repeat_thr"], tc.get("repeat_max", 4))
            self.log(f"repeat-factor sampling (thr {tc['repeat_thr']}): {int(repeats.sum())} field draws per epoch from {len(repeats)} fields")
        self.loader = TrainLoader(cache, hw, tc["batch"], self.cfg["aug"], self.seed, repeats)
        self.val_imgs, self.val_gts = load_eval_set(self.val_s[: tc.get("val_max_images", 10 ** 9)], hw, log=self.log)
        self.steps = len(self.loader)

    def run_epoch(self, e):
        t0 = time.time()
        avg = self.train_epoch(e)
        train_s = time.time() - t0
        m, best_weights, which = self.validate(e)
        epoch_s = time.time() - t0
        state = self.state
        state["elapsed_s"] += epoch_s
        state["epoch"] = e + 1
        rec = {"epoch": e + 1, "lr": self.opt.param_groups[0]["lr"], **{"loss_" + k: round(v, 4) for k, v in avg.items()},
               **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in m.items()},
               "epoch_s": round(epoch_s, 1), "train_s": round(train_s, 1), "elapsed_min": round(state["elapsed_s"] / 60, 2)}
        state["history"].append(rec)
        self.plan_from_budget(e, epoch_s)
        self.log(f"epoch {e + 1}/{state['planned_epochs']} loss {avg['loss']:.4f} (" +
                 " ".join(f"{k} {v:.3f}" for k, v in avg.items() if k != "loss") +
                 (f") val AP50 {m['AP50']:.3f} AP {m['AP']:.3f} type acc {m['type_acc']:.3f} balanced {m['type_bal']:.3f}" if m else ")") +
                 (f" ({which} weights; EMA {m['AP_ema']:.3f}, trained {m['AP_trained']:.3f})" if "AP_ema" in m else "") +
                 f" [{epoch_s:.0f} s]")
        if m and m["AP"] > state["best_ap"]:
            state["best_ap"] = m["AP"]
            state["best_epoch"] = e + 1
            atomic_save({"model": best_weights.state_dict(), "weights": which, "config": self.cfg, "epoch": e + 1, "metrics": m},
                        os.path.join(self.run_dir, "best.pt"))
        if self.budget_s and state["elapsed_s"] + epoch_s > self.budget_s and state["epoch"] < state["planned_epochs"]:
            self.log(f"time budget reached after epoch {e + 1}")
            state["planned_epochs"] = state["epoch"]
        self.save()

    def train_epoch(self, e):
        """One pass over the loader; returns the mean of each loss part."""
        model, opt, tc = self.model, self.opt, self.tc
        train_mode(model)
        sums, n = {}, 0
        for i, (x, targets) in enumerate(self.loader.epoch(e, self.device)):
            step = e * self.steps + i
            for g in opt.param_groups:
                g["lr"] = lr_at(step, self.steps, self.state["planned_epochs"], tc)
            if self.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            out = model(x)
            loss, parts = self.loss_fn(model, out, targets, self.class_w, self.cfg.get("loss", {}))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.trainable, tc.get("clip", 10.0))
            opt.step()
            self.ema.update(model)
            parts["loss"] = loss.item()
            for k, v in parts.items():
                sums[k] = sums.get(k, 0.0) + v
            n += 1
            if not math.isfinite(parts["loss"]):
                sys.exit(f"non-finite loss at epoch {e} step {i}: {parts}")
        return {k: v / max(n, 1) for k, v in sums.items()}

    def validate(self, e):
        """Val metrics ({} on an epoch without validation), the better weights and their name."""
        # Validation every epoch on the last third (where the best weights are), sparser before.
        every, planned = self.tc.get("val_every", 1), self.state["planned_epochs"]
        if not ((e + 1) % every == 0 or e + 1 >= planned - planned // 3):
            return {}, self.ema.model, "ema"
        m = evaluate(self.ema.model, self.val_imgs, self.val_gts, self.device)
        # In a short schedule the EMA can trail the trained weights (measured: val AP 0.658 EMA vs
        # 0.683 trained weights after 36 epochs at decay 0.999), so both are validated and the better kept.
        best_weights, which = self.ema.model, "ema"
        if self.tc.get("validate_trained_weights", True):
            m_raw = evaluate(self.model, self.val_imgs, self.val_gts, self.device)
            both = {"AP_ema": m["AP"], "AP_trained": m_raw["AP"]}
            if m_raw["AP"] > m["AP"]:
                m, best_weights, which = m_raw, self.model, "trained"
            m.update(both)
        return m, best_weights, which

    def plan_from_budget(self, e, epoch_s):
        """With a time budget, sizes the cosine schedule after epoch 1 and again after epoch 3."""
        state, budget_s, tc = self.state, self.budget_s, self.tc
        if budget_s and "planned_at" not in state:
            # Fix the schedule length once, from the first epoch's time, so the LR anneals fully.
            fit = int(budget_s // max(epoch_s, 1e-3))
            state["planned_epochs"] = max(1, min(tc["epochs"], fit))
            state["planned_at"] = e + 1
            state["budget_s"] = budget_s
            self.log(f"time budget {budget_s / 60:.0f} min: {state['planned_epochs']} epochs planned ({epoch_s:.0f} s/epoch)")
        elif budget_s and state.get("planned_at") == 1 and e + 1 == 3:
            # The first epoch carries start-up costs (caches, kernel selection): plan again from
            # epochs 2-3 while the learning rate is still near its peak.
            per_epoch = (state["elapsed_s"] - state["history"][0]["epoch_s"]) / 2
            fit = int(budget_s // max(per_epoch, 1e-3))
            state["planned_epochs"] = max(3, min(tc["epochs"], fit))
            state["planned_at"] = 3
            self.log(f"time budget {budget_s / 60:.0f} min: {state['planned_epochs']} epochs planned ({per_epoch:.0f} s/epoch over epochs 2-3)")

    def save(self):
        """last.pt (what a later session resumes from) and metrics.json, both replaced atomically."""
        state, tc = self.state, self.tc
        atomic_save({"model": self.model.state_dict(), "ema": self.ema.model.state_dict(), "ema_updates": self.ema.updates,
                     "opt": self.opt.state_dict(), "state": state, "config": self.cfg}, self.ckpt_path)
        atomic_json({"id": self.cfg["id"], "arch": self.cfg["model"]["arch"], "input": list(self.hw),
                     "gflops": round(self.flops / 1e9, 3), "params": self.params, "epochs_done": state["epoch"],
                     "planned_epochs": state["planned_epochs"], "minutes": round(state["elapsed_s"] / 60, 2),
                     "best_epoch": state.get("best_epoch"),
                     "best_val": state["history"][state["best_epoch"] - 1] if state.get("best_epoch") else None,
                     "init": tc.get("init"), "type_counts": self.counts.tolist(), "type_loss_weights": self.cw.tolist(),
                     "device": str(self.device), "history": state["history"]}, self.metrics_path)


def main(argv=None):
    args = parse_args(argv)
    cfg = config_from_args(args)
    Trainer(cfg, args.out, restart=args.restart, resume=args.resume,
            time_budget_min=args.time_budget_min, threads=args.threads).run()


if __name__ == "__main__":
    main()
