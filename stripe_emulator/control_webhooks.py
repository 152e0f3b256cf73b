"""Control endpoints that make webhook delivery misbehave (see `webhook_faults.py`).

No authentication, like every `/_emulator/` endpoint. Used by the chaos soak (scripts/soak).
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .params import Int, Num, Str
from .routing import route
from .webhook_faults import KINDS, WebhookFault

WEBHOOK_FAULT = {
    "kind": Str(required=True, choices=KINDS),
    "count": Int(minimum=1),
    "type": Str(),
    "delay": Num(),
}


@route("POST", "/_emulator/webhook_faults", schema=WEBHOOK_FAULT)
def add_webhook_fault(ctx: Context) -> dict[str, Any]:
    """Plan a fault for the next matching webhook deliveries (optionally by event type prefix)."""
    params = ctx.params
    delay = min(max(float(params.get("delay") or 2.0), 0.0), 300.0)
    fault = WebhookFault(params["kind"], params.get("count") or 1, params.get("type") or "", delay)
    ctx.emulator.webhooks.faults.add(fault)
    return {"kind": fault.kind, "count": fault.remaining, "type": fault.type_prefix, "delay": delay}


@route("GET", "/_emulator/webhook_faults", schema={})
def webhook_faults_applied(ctx: Context) -> dict[str, Any]:
    """How many webhook faults were applied, by kind, and how many are still planned."""
    plan = ctx.emulator.webhooks.faults
    return {"applied": dict(plan.applied), "pending": plan.pending()}
