"""The domain core loads nothing but the standard library (SPEC §5).

Its imports are checked statically by import-linter (``pyproject.toml``: "The domain core is
pure"); this test checks what importing it really loads, in an interpreter without
site-packages, where any third-party import would fail outright.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import bot.domain

DOMAIN_DIR = Path(bot.domain.__file__).parent
REPO_ROOT = DOMAIN_DIR.parent.parent


def _is_stdlib(module: str) -> bool:
    top = module.split(".")[0]
    # sysconfig's build-time data module is the standard library's, under a platform name.
    return top in sys.stdlib_module_names or top.startswith("_sysconfigdata_")


def test_importing_the_domain_loads_no_third_party_module() -> None:
    names = sorted(f"bot.domain.{m.stem}" for m in DOMAIN_DIR.glob("*.py") if m.stem != "__init__")
    assert {"bot.domain.circles", "bot.domain.scoring", "bot.domain.views"} <= set(names)
    script = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "before = set(sys.modules)\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert set(names) <= set(loaded)
    outside = [m for m in loaded if m.split(".")[0] != "bot" and not _is_stdlib(m)]
    assert outside == []
    assert [m for m in loaded if m.startswith("bot.") and not m.startswith("bot.domain")] == []
