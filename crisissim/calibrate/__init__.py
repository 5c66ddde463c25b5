"""Calibration: from a contact centre's own log to a validated scenario, and a back-test of the fit.

``calibrate(contacts, staffing=..., churn=...)`` reads a contact log (CSV or Parquet, streamed in
bounded memory), fits arrivals, handle times, censored patience, repeats, staffing and churn,
and returns a :class:`Calibration`; :func:`scenario_yaml` writes it as commented scenario YAML;
:func:`backtest` simulates the fitted scenario under the log's own staffing and compares it
interval by interval with what the log saw. The export side (``crisissim run --contacts``) is
:mod:`crisissim.calibrate.export`. This package sits beside ``crisissim.study``: it drives the
engine's public API, and the engine knows nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from crisissim.calibrate.accumulate import read_contacts
from crisissim.calibrate.logformat import CHURN_COLUMNS, CONTACT_COLUMNS, STAFFING_COLUMNS, parse_mapping
from crisissim.calibrate.model import Calibration, build, read_churn, read_staffing
from crisissim.calibrate.read import DataError, TableReader
from crisissim.calibrate.scenario_text import scenario_yaml

__all__ = ["Calibration", "DataError", "calibrate", "check_interval", "parse_mapping", "scenario_yaml"]

SERVICE_THRESHOLD = 1 / 3  # minutes: the scenario's default service-level threshold (20 s)


def check_interval(minutes: float, shown: str | None = None) -> float:
    """``minutes`` if it divides a day into whole slots of 5 minutes or more, else ValueError."""
    if not (5 <= minutes <= 1440) or abs(1440 / minutes - round(1440 / minutes)) > 1e-9:
        raise ValueError("expected a length that divides a day into whole slots of 5 minutes or more, "
                         f"got {shown or f'{minutes:g}m'}")
    return minutes


def calibrate(contacts: str | Path, *, staffing: str | Path | None = None, churn: str | Path | None = None,
              interval: float = 30.0, mapping: dict[str, str] | None = None, tz: str | None = None,
              time_format: str | None = None, progress: Callable[[int, int], None] | None = None) -> Calibration:
    """Fit a scenario's parts from a contact log; raise :class:`DataError` (one line) on bad data.

    ``interval`` (minutes) must divide a day; ``mapping`` maps canonical column names to the
    file's; ``tz`` converts timestamps that carry an offset to that IANA zone's wall clock.
    """
    check_interval(interval)
    kw: dict[str, Any] = {"mapping": mapping, "tz": tz, "time_format": time_format}
    reader = TableReader(contacts, CONTACT_COLUMNS, hashed=("customer",), what="contact log", **kw)
    summary = read_contacts(reader, interval, SERVICE_THRESHOLD, progress)
    staff_rows = staff_reader = None
    if staffing is not None:
        staff_reader = TableReader(staffing, STAFFING_COLUMNS, what="staffing file", **kw)
        staff_rows = read_staffing(staff_reader)
    churn_rows, churn_note = None, ""
    if churn is not None:
        churn_reader = TableReader(churn, CHURN_COLUMNS, hashed=("customer",), what="churn file", **kw)
        churn_rows = read_churn(churn_reader, summary.tau)
        churn_note = f"churn status from {Path(churn).name}"
    elif summary.has.get("churned"):
        churn_note = "churn status from the log's churned column"
    return build(summary, Path(contacts).name, staff_rows, staff_reader, churn_rows, churn_note)
