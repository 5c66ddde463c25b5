"""Where the bundled scenarios and assets are: the source tree, or the installed share folder.

An editable install (the quick start) reads ``scenarios/`` and ``assets/`` beside the
package; a regular ``pip install`` copies them to ``<prefix>/share/crisissim/``.
"""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path


def data_dir(name: str) -> Path:
    """The folder ``name`` (``scenarios`` or ``assets``) of this installation."""
    here = Path(__file__).resolve().parent.parent / name
    if here.is_dir():
        return here
    for prefix in (sysconfig.get_path("data"), sys.prefix):
        shared = Path(prefix) / "share" / "crisissim" / name
        if shared.is_dir():
            return shared
    return here
