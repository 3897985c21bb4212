"""The training package's tests: /usr/bin/python3 -m pytest -q scripts/train/tests (Debian's
python3-pytest; the tests that need python3-torch skip without it)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
