"""`sdo demo` plays one release pulse: the signed hook's answer, the DM to the members who are
not away, and the line status and the digest show after their clicks."""

from __future__ import annotations

import io
from pathlib import Path

from bot.sandbox.demo import run_demo


async def test_the_demo_shows_one_release_pulse(tmp_path: Path) -> None:
    out = io.StringIO()
    await run_demo(out, tmp_path)
    text = out.getvalue()
    assert "signed with it → 202" in text
    assert "The next tick asks 4 of 5 members (the one on vacation is not asked)." in text
    assert "Did a customer accept *v2.3*?" in text
    # In the first team's status and its digest.
    assert text.count("Release v2.3: 3 of 4 say accepted") == 2
