"""The social feed as the trainee reads it: customers' posts, the company's statements and replies.

The engine says when a post arrives and whether it is negative; the scenario's feed
templates (``contact_types.<type>.feed``) give it an author, words and a reach. Which
template a post wears is drawn from a stream of the run's seed keyed by the post's time,
so a replay shows the same feed however the game was paced. The company's public posts
(an option's or action's ``post`` text) appear when they take effect; the social team's
answers appear as one reply per quarter hour with the number of posts answered. No pygame.
"""

from __future__ import annotations

from dataclasses import dataclass

from crisissim.engine.rng import generator

REPLY_EVERY = 15.0  # simulated minutes between the social team's reply entries
KEEP = 80  # feed items kept


@dataclass(frozen=True)
class FeedItem:
    """One line of the feed. ``kind``: ``post`` (a customer), ``company`` (a statement),
    ``reply`` (the social team, ``count`` posts answered) or ``message`` (the facilitator's);
    texts are scenario texts or None."""

    t: float
    kind: str
    contact_type: str | None
    author: object | None
    text: object | None
    reach: int = 0
    tone: str = "negative"
    count: int = 0


class Feed:
    """The feed of one run of ``sc`` under ``seed``."""

    def __init__(self, sc, seed: int):
        self.sc = sc
        self.seed = int(seed)
        self.items: list[FeedItem] = []
        self._seen_posts: set[tuple] = set()
        self._seen_sources: set[tuple] = set()
        self._social = [n for n, t in sc.contact_types.items() if sc.channels[t.channel].kind == "social"]
        self._served = {n: 0 for n in self._social}
        self._reply_slot = 0
        self._last: dict[tuple, object] = {}

    def _add(self, item: FeedItem) -> None:
        self.items.append(item)
        if len(self.items) > KEEP:
            del self.items[: len(self.items) - KEEP]

    def _pick(self, options: list, key: str):
        if not options:
            return None
        rng = generator(self.seed, f"game:feed:{key}")
        return options[int(rng.integers(len(options)))]

    def take_posts(self, recent_posts) -> None:
        """New customer posts from a snapshot's ``recent_posts`` [(minutes, type, negative)]."""
        for t, kind, negative in recent_posts:
            key = (round(t, 6), kind, negative)
            if key in self._seen_posts:
                continue
            self._seen_posts.add(key)
            spec = self.sc.contact_types.get(kind)
            feed = spec.feed if spec is not None else None
            pool = [] if feed is None else [p for p in feed.posts if (p.tone == "negative") == bool(negative)]
            last = self._last.get((kind, bool(negative)))
            if len(pool) > 1 and last in pool:  # never the same words twice in a row
                pool = [p for p in pool if p is not last]
            tpl = self._pick(pool, f"{kind}:{key[0]:.6f}")
            self._last[(kind, bool(negative))] = tpl
            tone = "negative" if negative else "neutral"
            if tpl is None:
                self._add(FeedItem(t, "post", kind, None, None, 0, tone))
            else:
                self._add(FeedItem(t, "post", kind, tpl.author, tpl.text, tpl.reach, tpl.tone))
        if len(self._seen_posts) > 4 * KEEP:
            keep = {(round(t, 6), k, n) for t, k, n in recent_posts}
            self._seen_posts &= keep

    def take_event(self, e: dict, spec) -> None:
        """A log event; an ``effect_start`` of an option or action with a ``post`` text is a statement."""
        if e["kind"] != "effect_start" or spec is None or not getattr(spec, "post", ""):
            return
        key = (e["t"], e["source"])
        if key in self._seen_sources:
            return
        self._seen_sources.add(key)
        self._add(FeedItem(e["t"], "company", None, None, spec.post, 0, "neutral"))

    def take_message(self, e: dict) -> None:
        """A facilitator's message (a ``message`` log event): shown as a post of its tone."""
        self._add(FeedItem(e["t"], "message", None, None, e["text"], 0, e.get("tone", "neutral")))

    def take_replies(self, now: float, stats) -> None:
        """Posts answered by the social team since the last reply entry (one entry per quarter hour)."""
        slot = int(now // REPLY_EVERY)
        if slot <= self._reply_slot:
            return
        self._reply_slot = slot
        for name in self._social:
            st = stats.get(name)
            if st is None:
                continue
            n = st.served - self._served[name]
            if n <= 0:
                continue
            self._served[name] = st.served
            feed = self.sc.contact_types[name].feed
            text = self._pick(list(feed.replies) if feed is not None else [], f"reply:{name}:{slot}")
            self._add(FeedItem(now, "reply", name, None, text, 0, "neutral", n))
