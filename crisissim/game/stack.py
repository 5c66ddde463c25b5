"""Scenes and the scene stack: pure state, no pygame, testable without a display.

A scene has ``startup``/``cleanup``/``handle_event``/``update(dt)``/``draw(surface)``.
Only the top scene gets events and updates; drawing runs from the topmost opaque
scene up, so an overlay (``overlay = True``, e.g. a decision card) is drawn over the
scene beneath it.
"""

from __future__ import annotations


class Scene:
    """Base scene; ``app`` gives fonts, words, options and the stack.

    Keys: a scene lists its :class:`crisissim.game.keys.Binding` objects in ``bindings()``;
    the app runs the one a key press matches (so the help overlay and the keys agree).
    Mouse and other events go to ``handle_event``.
    """

    overlay = False
    paints_background = False  # True: draw() covers the whole window (the app need not clear it first)
    help_title = "help.scene.generic"  # catalogue key naming the scene in the help overlay

    def __init__(self, app):
        self.app = app

    def bindings(self) -> list:
        """The keys this scene answers to."""
        return []

    def startup(self) -> None:
        """Called when the scene is pushed."""

    def cleanup(self) -> None:
        """Called when the scene is popped or replaced."""

    def handle_event(self, event) -> None:
        """One non-key input event (positions in window pixels)."""

    def update(self, dt: float) -> None:
        """Advance by ``dt`` real seconds."""

    def draw(self, surface) -> None:
        """Paint the scene; must not change any state."""

    def covers(self) -> list:
        """Parts of the window an overlay keeps for itself (rectangles: a side panel, a strip
        along the bottom); what lies beneath them is hidden. Default: none."""
        return []


class SceneStack:
    """Push, pop and replace scenes; ``top`` gets the input."""

    def __init__(self):
        self.scenes: list[Scene] = []

    def __len__(self) -> int:
        return len(self.scenes)

    @property
    def top(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def push(self, scene: Scene) -> Scene:
        self.scenes.append(scene)
        scene.startup()
        return scene

    def pop(self) -> Scene:
        if not self.scenes:
            raise IndexError("pop from an empty scene stack")
        scene = self.scenes.pop()
        scene.cleanup()
        return scene

    def replace(self, scene: Scene) -> Scene:
        """Pop the top scene (if any) and push ``scene`` in its place."""
        if self.scenes:
            self.pop()
        return self.push(scene)

    def clear(self) -> None:
        while self.scenes:
            self.pop()

    def visible(self) -> list[Scene]:
        """Scenes to draw, bottom first: the topmost opaque scene and the overlays above it."""
        i = len(self.scenes) - 1
        while i > 0 and self.scenes[i].overlay:
            i -= 1
        return self.scenes[max(i, 0):]
