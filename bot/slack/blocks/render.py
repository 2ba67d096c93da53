"""Block Kit as plain text, the way a person reads it (the demo prints this; tests read it)."""

from __future__ import annotations

from typing import Any


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return str(obj or "")


def _element(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "button":
        label = _text(element.get("text"))
        return f"[{label}]*" if element.get("style") == "primary" else f"[{label}]"
    if kind in ("mrkdwn", "plain_text"):
        return str(element.get("text", ""))
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    if kind == "static_select":
        options = " / ".join(_text(o.get("text")) for o in element.get("options", []))
        return f"<select: {options}>"
    if kind == "checkboxes":
        return " ".join(f"[ ] {_text(o.get('text'))}" for o in element.get("options", []))
    if kind == "plain_text_input":
        return "<text input>"
    return ""


def render_blocks(blocks: list[dict[str, Any]]) -> str:
    """One line (or more) per block; buttons as ``[Label]``, the chosen one as ``[Label]*``."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text(block.get('text'))} ==")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text(block.get("text")))
            lines += [_text(f) for f in block.get("fields", [])]
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"]))
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  " + " ".join(_element(e) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("—" * 20)
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
        elif kind == "input":
            lines.append(f"{_text(block.get('label'))}: {_element(block.get('element', {}))}")
    return "\n".join(lines)


def render_message(message: dict[str, Any]) -> str:
    """A message or a view: its blocks, or its fallback text when it has none."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):  # form-encoded API calls carry blocks as JSON text
        import json

        blocks = json.loads(blocks)
    if blocks:
        return render_blocks(blocks)
    return str(message.get("text", ""))
