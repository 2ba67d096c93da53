"""The Teams app package: the zip Teams takes, filled in from teams/, or one clear line why not."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.cli import main
from bot.config import ConfigError
from bot.teams.package import ASSETS, build_package

APP_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
URL = "https://pulse.example.com"
HOST = "pulse.example.com"
SCHEMA_VERSION = "1.30"
SCHEMA_URL = "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"


def _entries(package: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(package) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _manifest(package: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(_entries(package)["manifest.json"])
    return manifest


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return build_package(app_id=APP_ID, public_url=URL, out=tmp_path / "teams.zip")


def test_the_zip_holds_exactly_the_manifest_and_both_icons_at_its_root(
    package: Path, tmp_path: Path
) -> None:
    assert package == tmp_path / "teams.zip"
    assert sorted(_entries(package)) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_carries_the_app_id_the_host_and_the_schema_version(package: Path) -> None:
    manifest = _manifest(package)
    assert manifest["$schema"] == SCHEMA_URL
    assert manifest["manifestVersion"] == SCHEMA_VERSION
    assert manifest["id"] == APP_ID
    assert manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == [HOST]
    assert manifest["developer"]["privacyUrl"] == f"https://{HOST}/privacy"
    assert manifest["version"] == installed_version("sdo-pulse")
    assert "${" not in _entries(package)["manifest.json"].decode()


def test_the_bot_offers_every_command_in_teams_and_in_personal_chat(package: Path) -> None:
    bot = _manifest(package)["bots"][0]
    assert bot["scopes"] == ["team", "personal"]
    assert bot["supportsFiles"] is False
    commands = {
        scope: [command["title"] for command in entry["commands"]]
        for entry in bot["commandLists"]
        for scope in entry["scopes"]
    }
    expected = ["help", "setup", "pulse", "status", "digest", "schedule", "managers"]
    assert commands == {"team": expected, "personal": expected}


def test_the_icons_are_a_192_pixel_colour_png_and_a_32_pixel_white_outline(
    package: Path,
) -> None:
    entries = _entries(package)
    color = Image.open(io.BytesIO(entries["color.png"]))
    outline = Image.open(io.BytesIO(entries["outline.png"]))
    assert (color.format, color.size) == ("PNG", (192, 192))
    rgb = color.convert("RGB").tobytes()
    colours = {rgb[i : i + 3] for i in range(0, len(rgb), 3)}
    assert len({c for c in colours if len(set(c)) > 1}) > 3  # several colours, not only greys
    assert (outline.format, outline.size) == ("PNG", (32, 32))
    pixels = outline.convert("RGBA").tobytes()
    alphas = pixels[3::4]
    assert min(alphas) == 0
    assert max(alphas) == 255
    assert {pixels[4 * i : 4 * i + 3] for i, alpha in enumerate(alphas) if alpha} == {b"\xff" * 3}


def test_the_committed_manifest_keeps_its_placeholders_for_the_build() -> None:
    text = (ASSETS / "manifest.json").read_text()
    assert set(re.findall(r"\$\{([A-Z_]+)\}", text)) == {"MICROSOFT_APP_ID", "SDO_PUBLIC_HOST"}


def test_an_explicit_version_and_an_upper_case_app_id_are_written_as_teams_wants(
    tmp_path: Path,
) -> None:
    package = build_package(
        app_id=APP_ID.upper(), public_url=URL + "/", out=tmp_path / "x.zip", version="2.3.4"
    )
    manifest = _manifest(package)
    assert (manifest["id"], manifest["version"], manifest["validDomains"]) == (
        APP_ID,
        "2.3.4",
        [HOST],
    )


def test_the_same_inputs_build_the_same_bytes(package: Path, tmp_path: Path) -> None:
    again = build_package(app_id=APP_ID, public_url=URL, out=tmp_path / "again.zip")
    assert again.read_bytes() == package.read_bytes()


@pytest.mark.parametrize(
    ("app_id", "says"),
    [
        ("", "MICROSOFT_APP_ID is not set"),
        ("${MICROSOFT_APP_ID}", "MICROSOFT_APP_ID still holds a placeholder"),
        ("00000000-0000-0000-0000-000000000000", "MICROSOFT_APP_ID still holds a placeholder"),
        ("not-a-guid", "MICROSOFT_APP_ID is not a GUID (got 'not-a-guid')"),
        ("3f2504e04f8911d39a0c0305e82c3301", "MICROSOFT_APP_ID is not a GUID"),
    ],
)
def test_an_app_id_that_is_not_a_guid_is_refused_in_one_line(
    app_id: str, says: str, tmp_path: Path
) -> None:
    out = tmp_path / "teams.zip"
    with pytest.raises(ConfigError) as refused:
        build_package(app_id=app_id, public_url=URL, out=out)
    message = str(refused.value)
    assert message.startswith(says)
    assert "\n" not in message
    assert "Azure Bot" in message
    assert not out.exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "SDO_PUBLIC_URL is not set"),
        ("${SDO_PUBLIC_URL}", "SDO_PUBLIC_URL still holds a placeholder"),
        ("http://pulse.example.com", "SDO_PUBLIC_URL must be an https:// URL with a host name"),
        ("pulse.example.com", "SDO_PUBLIC_URL must be an https:// URL with a host name"),
        ("https://", "SDO_PUBLIC_URL must be an https:// URL with a host name"),
        ("https://pulse.example.com:8443", "SDO_PUBLIC_URL must be https://<host> on the stand"),
        ("https://pulse.example.com/api/messages", "SDO_PUBLIC_URL must be just https://<host>"),
    ],
)
def test_a_public_url_that_is_not_https_with_a_host_is_refused_in_one_line(
    url: str, says: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as refused:
        build_package(app_id=APP_ID, public_url=url, out=tmp_path / "teams.zip")
    message = str(refused.value)
    assert message.startswith(says)
    assert "\n" not in message
    assert not (tmp_path / "teams.zip").exists()


def test_a_version_teams_cannot_take_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"MAJOR\.MINOR\.PATCH.*'0\.2\.0\.dev1'"):
        build_package(app_id=APP_ID, public_url=URL, out=tmp_path / "x.zip", version="0.2.0.dev1")


def test_the_cli_writes_the_package_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("SDO_PUBLIC_URL", URL)
    out = tmp_path / "sdo-pulse-teams.zip"
    assert main(["teams-package", "--out", str(out)]) == 0
    assert _manifest(out)["id"] == APP_ID
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed
    assert "Upload an app" in printed
    assert "@SDO Pulse setup" in printed


def test_the_cli_flags_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "not-a-guid")
    monkeypatch.delenv("SDO_PUBLIC_URL", raising=False)
    out = tmp_path / "flags.zip"
    assert main(["teams-package", "--out", str(out), "--app-id", APP_ID, "--public-url", URL]) == 0
    assert _manifest(out)["validDomains"] == [HOST]


def test_the_cli_writes_to_sdo_pulse_teams_zip_by_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv("SDO_PUBLIC_URL", URL)
    assert main(["teams-package"]) == 0
    assert sorted(_entries(tmp_path / "sdo-pulse-teams.zip")) == [
        "color.png",
        "manifest.json",
        "outline.png",
    ]


def test_the_cli_without_an_app_id_says_so_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    monkeypatch.setenv("SDO_PUBLIC_URL", URL)
    out = tmp_path / "teams.zip"
    assert main(["teams-package", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("sdo: MICROSOFT_APP_ID is not set: ")
    assert captured.err.count("\n") == 1
    assert not out.exists()


@pytest.fixture
def assets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of teams/ the package is built from, for a test to spoil."""
    copy = tmp_path / "teams"
    copy.mkdir()
    for name in ("manifest.json", "color.png", "outline.png"):
        (copy / name).write_bytes((ASSETS / name).read_bytes())
    monkeypatch.setattr("bot.teams.package.ASSETS", copy)
    return copy


def _png(size: int, colour: tuple[int, int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (size, size), colour).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("color.png", _png(64, (25, 113, 194, 255)), "teams/color.png must be a 192×192 PNG"),
        ("outline.png", _png(32, (255, 0, 0, 255)), "teams/outline.png must be white on a trans"),
        ("outline.png", b"not a png", "teams/outline.png is not an image"),
    ],
)
def test_an_icon_teams_would_refuse_stops_the_build(
    assets: Path, name: str, data: bytes, says: str, tmp_path: Path
) -> None:
    (assets / name).write_bytes(data)
    with pytest.raises(ConfigError) as refused:
        build_package(app_id=APP_ID, public_url=URL, out=tmp_path / "teams.zip")
    assert str(refused.value).startswith(says)
    assert not (tmp_path / "teams.zip").exists()


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda m: m.update(name={"short": "SDO Pulse"}), "teams/manifest.json has no name.full"),
        (lambda m: m.update(accentColor=""), "teams/manifest.json has no accentColor"),
        (
            lambda m: m["developer"].update(websiteUrl="https://${SDO_WEBSITE}/"),
            "teams/manifest.json still holds ${SDO_WEBSITE}",
        ),
        (
            lambda m: m.update(manifestVersion="1.19"),
            "teams/manifest.json: $schema is not the schema of version 1.19",
        ),
        (
            lambda m: m["description"].update(short="x" * 81),
            "teams/manifest.json: description.short is longer than 80",
        ),
    ],
)
def test_a_manifest_teams_would_refuse_stops_the_build(
    assets: Path, spoil: Callable[[dict[str, Any]], object], says: str, tmp_path: Path
) -> None:
    manifest = json.loads((assets / "manifest.json").read_text())
    spoil(manifest)
    (assets / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigError) as refused:
        build_package(app_id=APP_ID, public_url=URL, out=tmp_path / "teams.zip")
    assert str(refused.value).startswith(says)
    assert not (tmp_path / "teams.zip").exists()
