"""Run configuration files (JSON, or YAML when PyYAML is installed)."""
import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def repo_root():
    return REPO


def resolve(path):
    """Relative paths in configs and on the command line are relative to the repository root."""
    if path is None:
        return None
    return path if os.path.isabs(path) else os.path.join(REPO, path)


def _merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_config(path):
    """A config may name another ("extends": "cnet320.json", beside it) and change some keys:
    a later training stage of the same model. Its "id" names the run; "model_id" the export."""
    with open(path) as f:
        text = f.read()
    if path.endswith((".yaml", ".yml")):
        import yaml
        cfg = yaml.safe_load(text)
    else:
        cfg = json.loads(text)
    if "extends" in cfg:
        base = load_config(os.path.join(os.path.dirname(path), cfg.pop("extends")))
        base.setdefault("model_id", base["id"])
        base.pop("id")
        cfg = _merge(base, cfg)
    cfg.setdefault("id", os.path.splitext(os.path.basename(path))[0])
    cfg.setdefault("data", {})
    cfg.setdefault("aug", {})
    cfg.setdefault("loss", {})
    return cfg
