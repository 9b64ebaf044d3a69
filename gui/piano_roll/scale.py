"""The scale the piano roll shows: which rows are in key, which is the tonic, fold and snap.

Plain Python with no Qt. The window tells the roll the key (the key lock's key, or the key
detected from the seed when the lock is off); the roll shades that scale's rows and marks the
tonic rows, as Ableton 12, Cubase and Helio do. Two options follow the key:

* fold to scale: only the scale's rows are shown, plus any row a note (or a pending variation's
  note) is on, so folding never hides music;
* snap to scale: a drawn or dragged note lands on the nearest scale note (Alt bypasses it, as it
  bypasses the time snap).

Without a key there is nothing to shade, fold or snap to, and the roll looks as it always did.
"""

from __future__ import annotations

from collections.abc import Iterable

from segue.engine import keys
from segue.engine.melody import MAX_PITCH, Melody


class RollScale:
    """The key shown on the roll (None: none) and the fold and snap options."""

    def __init__(self):
        self.key: str | None = None
        self.fold = False
        self.snap = False
        self._pitch_classes: frozenset[int] | None = None

    def set_key(self, key: str | None) -> bool:
        """Show ``key`` (a name such as 'D minor'; None: no key); True if it changed."""
        if key is not None:
            key = keys.key_name(*keys.parse_key(key))
        if key == self.key:
            return False
        self.key = key
        self._pitch_classes = keys.scale_pitch_classes(key) if key else None
        return True

    @property
    def pitch_classes(self) -> frozenset[int] | None:
        return self._pitch_classes

    @property
    def tonic(self) -> int | None:
        return keys.tonic_pitch_class(self.key) if self.key else None

    def folded_pitches(self, melodies: Iterable[Melody | None]) -> tuple[int, ...] | None:
        """The rows to show when folded: the scale's pitches and every pitch a note of
        ``melodies`` is on; None when not folded or without a key (every row shows)."""
        if not (self.fold and self._pitch_classes):
            return None
        shown = {p for p in range(MAX_PITCH + 1) if p % 12 in self._pitch_classes}
        for melody in melodies:
            if melody is not None:
                shown.update(n.pitch for n in melody.notes)
        return tuple(sorted(shown))

    def snap_pitch(self, pitch: int, bypass: bool = False) -> int:
        """``pitch`` moved to the nearest scale note when snapping to the scale (not bypassed)."""
        if not self.snap or bypass or not self.key:
            return pitch
        return keys.nearest_scale_pitch(pitch, self.key)
