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


def load_config(path):
    with open(path) as f:
        text = f.read()
    if path.endswith((".yaml", ".yml")):
        import yaml
        cfg = yaml.safe_load(text)
    else:
        cfg = json.loads(text)
    cfg.setdefault("id", os.path.splitext(os.path.basename(path))[0])
    cfg.setdefault("data", {})
    cfg.setdefault("aug", {})
    cfg.setdefault("loss", {})
    return cfg
