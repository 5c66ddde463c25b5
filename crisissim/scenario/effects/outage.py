"""``outage``: a channel goes down."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import Known, Lasting, Levers, Problems, unknown


class OutageEffect(Lasting):
    """A channel goes down: new contacts on it fail at once (counted as abandoned). ``{effect: outage, channel: chat, duration: 1h}``"""

    effect: Literal["outage"]
    """The primitive's name (``outage``)."""
    channel: str
    """The channel that is down."""

    def check(self, known: Known) -> Problems:
        if self.channel not in known.channels:
            yield "channel", unknown("channel", self.channel, known.channels)

    def fold(self, levers: Levers) -> None:
        for i in levers.targets(self.channel):
            levers.down[i] = True
