"""Social feed templates: who posts what about a contact type, and how the company replies.

The engine decides when a post arrives and whether it is negative; the game dresses
each post in one of these templates (chosen from the seed, so a replay shows the
same feed). Texts may be given per language (see :mod:`crisissim.scenario.text`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crisissim.scenario.text import LocalText100, LocalText500


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class PostTemplate(_Part):
    """One post a customer might write: ``{author: {en: Worried parent, zh: 担心的家长}, text: …, reach: 1200}``."""

    author: LocalText100
    """Who posts (a persona, not a real name)."""
    text: LocalText500
    """What the post says."""
    reach: int = Field(1000, ge=0, le=10**10)
    """How many people see it (followers and shares)."""
    tone: Literal["negative", "neutral", "positive"] = "negative"
    """Its sentiment. The engine decides whether a post is negative; a negative post takes a
    negative template, any other post a neutral or positive one."""


class FeedTemplates(_Part):
    """How posts of a social contact type read in the game's feed."""

    posts: list[PostTemplate] = Field(default_factory=list, max_length=200)
    """Templates for customers' posts."""
    replies: list[LocalText500] = Field(default_factory=list, max_length=200)
    """What the social team writes when it answers posts (one is shown per batch of answers)."""
