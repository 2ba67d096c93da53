"""The domain core imports nothing but the standard library and itself (SPEC §5)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import bot.domain

DOMAIN_DIR = Path(bot.domain.__file__).parent
REPO_ROOT = DOMAIN_DIR.parent.parent
DOMAIN_PACKAGE = "bot.domain"


def _is_allowed(module: str) -> bool:
    """Whether ``module`` may be imported by the domain core."""
    if module == DOMAIN_PACKAGE or module.startswith(DOMAIN_PACKAGE + "."):
        return True
    return module.split(".")[0] in sys.stdlib_module_names


def _resolve_relative(*, module: str | None, level: int, package: str) -> str:
    """The absolute name of ``from <dots><module> import ...`` written inside ``package``."""
    parts = package.split(".")
    base = parts[: len(parts) - (level - 1)] if level - 1 < len(parts) else []
    return ".".join([*base, *([module] if module else [])])


def forbidden_imports(source: str, *, package: str = DOMAIN_PACKAGE) -> list[str]:
    """Return the modules imported by ``source`` that are neither stdlib nor the domain core.

    Covers ``import x``, ``from x import y``, relative imports (resolved against ``package``),
    imports nested in functions, and ``__import__("x")`` / ``importlib.import_module("x")``.
    """
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names = [_resolve_relative(module=node.module, level=node.level, package=package)]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if func_name in {"__import__", "import_module"} and isinstance(first, ast.Constant):
                names = [str(first.value)]
        found.extend(name for name in names if not _is_allowed(name))
    return found


def test_checker_flags_third_party_imports() -> None:
    assert forbidden_imports("import sqlalchemy") == ["sqlalchemy"]
    assert forbidden_imports("from slack_sdk.web import WebClient") == ["slack_sdk.web"]
    assert forbidden_imports("def f():\n    import sqlmodel\n") == ["sqlmodel"]
    assert forbidden_imports("import importlib\nimportlib.import_module('apscheduler')") == [
        "apscheduler"
    ]
    assert forbidden_imports("__import__('aiohttp')") == ["aiohttp"]


def test_checker_flags_the_rest_of_the_application() -> None:
    # The domain may not reach back into the application or the storage layer either.
    assert forbidden_imports("from bot import services") == ["bot"]
    assert forbidden_imports("import bot.services.core") == ["bot.services.core"]
    assert forbidden_imports("from storage.repository import save") == ["storage.repository"]
    assert forbidden_imports("from .. import services") == ["bot"]
    assert forbidden_imports("from ..blocks import status") == ["bot.blocks"]


def test_checker_accepts_stdlib_and_domain_imports() -> None:
    source = (
        "from __future__ import annotations\n"
        "import math, collections.abc\n"
        "from fractions import Fraction\n"
        "from bot.domain.circles import Circle\n"
        "from . import regions\n"
        "from .scoring import Tally\n"
        "import bot.domain\n"
    )
    assert forbidden_imports(source) == []


def test_every_domain_module_imports_only_stdlib_and_itself() -> None:
    modules = sorted(DOMAIN_DIR.glob("*.py"))
    assert {m.name for m in modules} >= {
        "__init__.py",
        "circles.py",
        "regions.py",
        "scoring.py",
        "nudges.py",
        "trends.py",
    }
    offenders = {
        m.name: bad for m in modules if (bad := forbidden_imports(m.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_importing_the_domain_loads_no_third_party_module() -> None:
    # A fresh interpreter without site-packages (-S): anything non-stdlib it manages to load
    # would come from the domain, and import would fail outright if a dependency were needed.
    names = sorted(
        f"{DOMAIN_PACKAGE}.{m.stem}" for m in DOMAIN_DIR.glob("*.py") if m.stem != "__init__"
    )
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
    outside = [m for m in loaded if m != "bot" and not _is_allowed(m)]
    assert outside == []
