"""The contact-log format: the columns ``crisissim run --contacts/--staffing`` writes and
``crisissim calibrate`` reads (documented for people in ``scenarios/DATA.md``).

Column names here are the canonical ones; a real export's own names are mapped onto
them with ``--map arrival=CallStart,wait_seconds=QueueTime``. Durations are seconds
(a number, or ``h:mm:ss`` / ``mm:ss``); timestamps are ISO 8601 with or without a
time-zone offset (``2024-03-04T08:30:00+08:00``); flags are ``1``/``0`` (``true``/``false``,
``yes``/``no`` also read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ANSWERED, ABANDONED, DEFLECTED, OPEN = 0, 1, 2, 3
OUTCOMES = ("answered", "abandoned", "deflected", "open")
"""Outcome codes by index: answered (an agent took it), abandoned (the customer hung up while
waiting), deflected (self-service absorbed it), open (still waiting or in service when the log ends)."""

OUTCOME_WORDS = {
    "answered": ANSWERED, "handled": ANSWERED, "served": ANSWERED, "completed": ANSWERED,
    "abandoned": ABANDONED, "abandon": ABANDONED, "hung up": ABANDONED,
    "deflected": DEFLECTED, "self-service": DEFLECTED,
    "open": OPEN,
}
"""Words read as each outcome (case-insensitive)."""

EXPORT_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Scenario time 0 in an export: Monday 1 January 2024, 00:00 UTC."""

DEFAULT_TYPE = "contacts"
DEFAULT_CHANNEL = "phone"
DEFAULT_POOL = "agents"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # timestamp | text | seconds | flag | outcome | number
    required: bool
    doc: str


def _cols(*cols: Column) -> dict[str, Column]:
    return {c.name: c for c in cols}


CONTACT_COLUMNS = _cols(
    Column("arrival", "timestamp", True, "When the contact arrived (ISO 8601; an offset such as +08:00 is read)."),
    Column("type", "text", False, f"Contact type (queue, skill, reason); one type `{DEFAULT_TYPE}` when absent."),
    Column("channel", "text", False, f"Channel (`phone`, `chat`…); `{DEFAULT_CHANNEL}` when absent."),
    Column("outcome", "outcome", True, "`answered`, `abandoned`, `deflected` (self-service) or `open` (in the system when the log ends)."),
    Column("wait_seconds", "seconds", True,
           "Seconds from arrival until an agent answered (answered), until the customer hung up (abandoned), "
           "or until the log ended (open, still waiting); empty for deflected."),
    Column("handle_seconds", "seconds", True, "Seconds an agent spent on an answered contact; empty otherwise."),
    Column("pool", "text", False, "Staff pool (team) that answered it; for an open contact, set when an agent has it."),
    Column("customer", "text", False, "Customer id: links repeat contacts and churn to one customer."),
    Column("repeat", "flag", False, "1 if the customer contacted about the same issue before (inferred from `customer` when absent)."),
    Column("resolved", "flag", False, "Answered contacts: 1 if the agent resolved the issue (disposition); empty otherwise."),
    Column("churned", "flag", False, "1 if this customer churned (left) during the log, on every row of the customer."),
    Column("churned_at", "timestamp", False, "When the customer churned; empty if they did not."),
)
"""Columns of a contact log, in export order."""

STAFFING_COLUMNS = _cols(
    Column("interval_start", "timestamp", True, "Start of the interval; a row lasts until the pool's next row."),
    Column("pool", "text", False, f"Staff pool; `{DEFAULT_POOL}` when absent."),
    Column("agents", "number", True, "Agents on duty and available for contacts (average over the interval)."),
)
"""Columns of a staffing file (one row per interval and pool)."""

CHURN_COLUMNS = _cols(
    Column("customer", "text", True, "Customer id, as in the contact log."),
    Column("churned", "flag", True, "1 if the customer churned, 0 if they stayed."),
    Column("churned_at", "timestamp", False, "When they churned (optional)."),
)
"""Columns of a churn file (one row per customer; repeated rows must agree). A contact log
with ``churned`` columns is itself a churn file."""


def parse_mapping(text: str | None) -> dict[str, str]:
    """``"arrival=CallStart,wait_seconds=Queue Time"`` → ``{"arrival": "CallStart", ...}``; ValueError on bad input."""
    out: dict[str, str] = {}
    if not text:
        return out
    known = set(CONTACT_COLUMNS) | set(STAFFING_COLUMNS) | set(CHURN_COLUMNS)
    for part in text.split(","):
        if not part.strip():
            continue
        name, eq, theirs = part.partition("=")
        name, theirs = name.strip(), theirs.strip()
        if not eq or not name or not theirs:
            raise ValueError(f"cannot read {part.strip()!r} (expected COLUMN=THEIR_NAME, e.g. arrival=CallStart)")
        if name not in known:
            raise ValueError(f"unknown column {name!r} (expected one of {', '.join(sorted(known))})")
        if name in out:
            raise ValueError(f"column {name!r} is mapped twice")
        out[name] = theirs
    return out
