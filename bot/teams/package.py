"""The Teams app package: ``teams/manifest.json`` and its two icons, filled in and zipped.

Teams installs a custom app from a zip holding exactly ``manifest.json``, ``color.png`` and
``outline.png`` at its root (Apps → Manage your apps → Upload an app, or the Teams admin center).
The committed manifest has two placeholders: ``${MICROSOFT_APP_ID}``, the Azure Bot's Microsoft
App ID (the app's ``id`` and the bot's ``botId``), and ``${SDO_PUBLIC_HOST}``, the host name of
``SDO_PUBLIC_URL``. Its ``version`` is replaced by the project's.

The assets are read from ``teams/`` at the root of the checkout this module runs from (a source
tree or ``pip install -e .``), so ``teams/`` stays the one place they live.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from bot.config import ConfigError, is_placeholder

ASSETS = Path(__file__).resolve().parents[2] / "teams"
MANIFEST = "manifest.json"
# Each icon's name in the package, its side in pixels, and whether it is the outline icon.
ICONS: Mapping[str, tuple[int, bool]] = {"color.png": (192, False), "outline.png": (32, True)}
DEFAULT_OUT = Path("sdo-pulse-teams.zip")
NEXT_STEPS = (
    "Upload it in Teams (Apps → Manage your apps → Upload an app; for the whole organisation, the "
    "Teams admin center → Teams apps → Manage apps → Upload new app), add the app to a team, then "
    "send `@SDO Pulse setup` in one of its channels."
)

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NIL_GUID = "00000000-0000-0000-0000-000000000000"
_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]*[a-z0-9])?$"
)
_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_TEMPLATE_VALUE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_LEFTOVER = re.compile(r"\$\{[^}\"]*\}?")
_WHERE_APP_ID = (
    "the Microsoft App ID on your Azure Bot's Configuration page in the Azure portal "
    "(or pass --app-id)"
)
_WHERE_URL = "the https:// address where `sdo serve` is reachable, e.g. https://pulse.example.com"
# Text limits of the manifest schema: (path, most characters).
_LIMITS = (
    (("name", "short"), 30),
    (("name", "full"), 100),
    (("description", "short"), 80),
    (("description", "full"), 4000),
    (("developer", "name"), 32),
)
_REQUIRED = (
    ("$schema",),
    ("manifestVersion",),
    ("version",),
    ("id",),
    ("developer", "name"),
    ("developer", "websiteUrl"),
    ("developer", "privacyUrl"),
    ("developer", "termsOfUseUrl"),
    ("name", "short"),
    ("name", "full"),
    ("description", "short"),
    ("description", "full"),
    ("icons", "color"),
    ("icons", "outline"),
    ("accentColor",),
)
# Zip entries carry this fixed time, so the same inputs build the same bytes.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def build_package(*, app_id: str, public_url: str, out: Path, version: str | None = None) -> Path:
    """Write the Teams app package to ``out`` and return its path.

    ``app_id`` is the Azure Bot's Microsoft App ID (a GUID), ``public_url`` the https address
    of ``sdo serve``; ``version`` defaults to the installed project's. Raises ``ConfigError``
    (one line) when an input or the result is not fit for Teams.
    """
    values = {"MICROSOFT_APP_ID": check_app_id(app_id), "SDO_PUBLIC_HOST": public_host(public_url)}
    manifest = _fill(_read_manifest(), values)
    manifest["version"] = check_version(version or _project_version())
    check_manifest(manifest)
    icons = {name: _read_asset(name) for name in ICONS}
    for name, data in icons.items():
        check_icon(name, data)
    files = {MANIFEST: (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode()}
    _write_zip(out, {**files, **icons})
    return out


def check_app_id(app_id: str) -> str:
    """The Microsoft App ID, lower-cased; ``ConfigError`` unless it is a real GUID."""
    value = (app_id or "").strip().lower()
    if is_placeholder(value) or value == _NIL_GUID:
        state = "is not set" if not value else "still holds a placeholder"
        raise ConfigError(f"MICROSOFT_APP_ID {state}: set it to {_WHERE_APP_ID}.")
    if not _GUID.match(value):
        raise ConfigError(
            f"MICROSOFT_APP_ID is not a GUID (got {_shown(app_id)}): set it to {_WHERE_APP_ID}."
        )
    return value


def public_host(public_url: str) -> str:
    """The host name of ``public_url``; ``ConfigError`` unless it is ``https://<host>``."""
    value = (public_url or "").strip()
    if is_placeholder(value):
        state = "is not set" if not value else "still holds a placeholder"
        raise ConfigError(f"SDO_PUBLIC_URL {state}: set it to {_WHERE_URL}.")
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    host = parts.hostname or ""
    if parts.scheme.lower() != "https" or not _HOST.match(host):
        problem = "an https:// URL with a host name"
    elif port not in (None, 443) or parts.username or parts.password:
        problem = "https://<host> on the standard port, with no user name"
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        problem = "just https://<host>, with no path"
    else:
        return host
    raise ConfigError(
        f"SDO_PUBLIC_URL must be {problem} (got {_shown(public_url)}): set it to {_WHERE_URL}."
    )


def check_version(version: str) -> str:
    """The app version; Teams takes ``MAJOR.MINOR.PATCH`` numbers only."""
    if not _SEMVER.match(version):
        raise ConfigError(
            f"the Teams app version must be MAJOR.MINOR.PATCH, numbers only "
            f"(got {_shown(version)})."
        )
    return version


def check_manifest(manifest: Mapping[str, Any]) -> None:
    """``ConfigError`` naming the first thing Teams would refuse in a filled-in manifest."""
    for path in _REQUIRED:
        if not _at(manifest, path):
            raise ConfigError(f"teams/{MANIFEST} has no {'.'.join(path)}.")
    for path, most in _LIMITS:
        if len(_at(manifest, path)) > most:
            raise ConfigError(
                f"teams/{MANIFEST}: {'.'.join(path)} is longer than {most} characters."
            )
    version = manifest["manifestVersion"]
    if f"/v{version}/" not in manifest["$schema"]:
        raise ConfigError(f"teams/{MANIFEST}: $schema is not the schema of version {version}.")
    bots = manifest.get("bots") or [{}]
    if bots[0].get("botId") != manifest["id"]:
        raise ConfigError(f"teams/{MANIFEST}: bots[0].botId is not the app id.")
    if sorted(manifest["icons"].values()) != sorted(ICONS):
        raise ConfigError(f"teams/{MANIFEST}: icons must be {' and '.join(ICONS)}.")
    left = _LEFTOVER.search(json.dumps(manifest, ensure_ascii=False))
    if left:
        raise ConfigError(f"teams/{MANIFEST} still holds {left.group(0)} after filling it in.")


def check_icon(name: str, data: bytes) -> None:
    """``ConfigError`` unless ``data`` is the PNG Teams wants for icon ``name``."""
    side, outline = ICONS[name]
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, SyntaxError) as exc:
        raise ConfigError(f"teams/{name} is not an image ({exc}).") from exc
    if image.format != "PNG" or image.size != (side, side):
        raise ConfigError(
            f"teams/{name} must be a {side}×{side} PNG, not a {image.width}×{image.height} "
            f"{image.format} (python teams/icons.py draws it)."
        )
    if outline:
        pixels = image.convert("RGBA").tobytes()
        alphas = pixels[3::4]
        coloured = any(
            alphas[i] and pixels[4 * i : 4 * i + 3] != b"\xff\xff\xff" for i in range(len(alphas))
        )
        if min(alphas) != 0 or coloured:
            raise ConfigError(f"teams/{name} must be white on a transparent ground.")


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    """``value`` with every ``${NAME}`` of ``values`` replaced, in every string it holds."""
    if isinstance(value, str):
        return _TEMPLATE_VALUE.sub(lambda m: values.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


def _at(manifest: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = manifest
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def _read_asset(name: str) -> bytes:
    try:
        return (ASSETS / name).read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(
            f"teams/{name} is not in {ASSETS}: build the Teams package from a checkout of "
            "SDO Pulse (pip install -e .)."
        ) from exc


def _read_manifest() -> dict[str, Any]:
    try:
        manifest = json.loads(_read_asset(MANIFEST))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"teams/{MANIFEST} is not valid JSON ({exc}).") from exc
    if not isinstance(manifest, dict):
        raise ConfigError(f"teams/{MANIFEST} is not a JSON object.")
    return manifest


def _project_version() -> str:
    try:
        return installed_version("sdo-pulse")
    except PackageNotFoundError as exc:
        raise ConfigError(
            "sdo-pulse is not installed, so the Teams app has no version: pip install -e ."
        ) from exc


def _write_zip(out: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` at the zip's root, replacing ``out`` only once the zip is complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name, data in files.items():
                entry = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, data)
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _shown(value: str) -> str:
    """``value`` quoted for an error line, cut short if it is long."""
    value = value.strip()
    return repr(value if len(value) <= 60 else value[:57] + "…")
