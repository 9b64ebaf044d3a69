"""The generation controls, once: each control's range, default and step (:class:`Span`), and
:class:`GenerationOptions`, the one options object :func:`engine.ml.sampling.iter_generate` and
:func:`engine.ml.fill.iter_fill` take.

No torch here: the panel reads its ranges from this module and the GUI builds options before
torch has loaded. The spans are the panel's (and a saved session's) ranges; the options accept
the wider ranges the engine can honour (benchmarks draw 64 variations, tests a greedy 0.001).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from segue.engine import keys
from segue.engine.melody import DEFAULT_PITCH_RANGE, check_steps_per_quarter
from segue.engine.melody_json import check_int, shown

# The key lock's two words: the piece keeps the lock (re-exported for the panel).
from segue.engine.piece import KEY_LOCK_AUTO as KEY_LOCK_AUTO
from segue.engine.piece import KEY_LOCK_OFF as KEY_LOCK_OFF

MAX_VARIATIONS = 256  # the most continuations (or fill candidates) one run draws together
MAX_BEAM_WIDTH = MAX_VARIATIONS
DEFAULT_TARGET_ENTROPY = 2.0  # bits, for adaptive_temperature=True


@dataclass(frozen=True)
class Span:
    """The values one control of the panel takes: ``low``-``high`` (both included), its
    ``default``, and the ``step`` its widget moves by; ``whole`` for a count."""

    label: str  # the control in a musician's words, for messages ("temperature 3 is outside ...")
    low: float
    high: float
    default: float
    step: float = 1
    whole: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        return self.low, self.high

    def clamp(self, value: float) -> float:
        return min(self.high, max(self.low, value))

    def check(self, value: object) -> float | int:
        """``value`` when it is in the span (a float for a number, an int for a whole span);
        ValueError saying which control and why otherwise."""
        if self.whole:
            return check_int(self.label, value, int(self.low), int(self.high))
        return float(check_number(self.label, value, self.low, self.high))


TEMPERATURE = Span("temperature", 0.1, 2.0, 1.0, step=0.05)
REST_WEIGHT = Span("rest weight", 0.0, 2.0, 1.0, step=0.05)
# Follow the seed's default is the strength whose continuations the folk model predicts best
# (bars 5-8 given bars 1-4, Essen validation split, 300 tunes: 2.827 total bits/note against
# 3.070 off, 2.835 at 0.3 and 2.845 at 0.5); its continuations then echo a seed bar 12% of the
# time, transposed or not (the real ones 21%), where 1 echoes most bars.
FOLLOW_SEED = Span("follow seed", 0.0, 1.0, 0.4, step=0.05)
BARS = Span("length in bars", 1, 32, 4, whole=True)
VARIATIONS = Span("number of variations", 1, 8, 4, whole=True)
PITCH_LOW = Span("lowest pitch", 0, 127, DEFAULT_PITCH_RANGE[0], whole=True)
PITCH_HIGH = Span("highest pitch", 0, 127, DEFAULT_PITCH_RANGE[1], whole=True)
RNG_SEED = Span("random seed", 0, 2**31 - 1, 0, whole=True)


def check_number(name: str, value: object, low: float, high: float) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number, got {shown(value)}")
    if not low <= value <= high:  # also refuses NaN; exact for ints of any size
        raise ValueError(f"{name} {shown(value)} is outside {low:g}-{high:g}")
    return value


def check_strength(follow_seed: object) -> float:
    """``follow_seed`` as a float in [0, 1]; ValueError otherwise."""
    if isinstance(follow_seed, bool) or not isinstance(follow_seed, (int, float)) or not 0 <= follow_seed <= 1:
        raise ValueError(f"follow seed must be a number from 0 to 1, got {follow_seed!r}")
    return float(follow_seed)


def check_pitch_range(pitch_range: object) -> tuple[int, int] | None:
    """``None`` (the model's range) or ``(low, high)`` MIDI pitches as ints; ValueError otherwise."""
    if pitch_range is None:
        return None
    try:
        low, high = (int(v) for v in pitch_range)
    except (TypeError, ValueError):
        raise ValueError(f"pitch range must be two MIDI pitches (low, high), got {pitch_range!r}") from None
    if not 0 <= low <= high <= 127:
        raise ValueError(f"pitch range {low}-{high} is not a valid MIDI range (0-127, low <= high)")
    return low, high


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _count(name: str, value: object, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ValueError(f"{name} must be an integer from 1 to {high}, got {value!r}")
    return value


@dataclass(frozen=True)
class GenerationOptions:
    """How to sample a continuation (or a fill): every control, checked when built.

    The same model, seed, options and a set ``rng_seed`` on the same device give the same notes.
    Where the music starts and stopping are not options: they are arguments of the calls.
    """

    temperature: float = 1.0  # > 0: lower is safer, higher wilder; at most 0.001 is greedy
    rest_weight: float = 1.0  # >= 0: fewer or more rests (0: none, 1: the model's, 2: mostly)
    variations: int = 1  # continuations drawn together, 1 to MAX_VARIATIONS
    rng_seed: int | None = None  # the draws' seed (>= 0); None draws a fresh one, reported back
    key: str | None = None  # a key lock: a key name ('F# minor'), 'auto' (the seed's), None
    pitch_range: tuple[int, int] | None = None  # (low, high) MIDI pitches; None: the model's
    follow_seed: float = 0.0  # 0-1: how strongly to follow the seed's own motifs
    top_p: float | None = None  # nucleus sampling in (0, 1]; None (or 1): off
    adaptive_temperature: bool | float | None = None  # True or a target entropy in bits
    beam_width: int | None = None  # beam search for the most likely continuations instead
    # The grid (steps per quarter) the new notes start and end on, when coarser than the
    # model's (a straight piece, 4, under a triplet model, 12: engine.ml.grid_lock); None: the
    # seed's, on its snaps (a triplet grid's 1/16 and 1/16T steps). engine.ml.grid_view sets it
    # for a piece on a coarser grid.
    note_grid: int | None = None

    def __post_init__(self):
        if _finite("temperature", self.temperature) <= 0:
            raise ValueError(f"temperature must be greater than 0, got {self.temperature!r}")
        if _finite("rest weight", self.rest_weight) < 0:
            raise ValueError(f"rest weight must be 0 or more, got {self.rest_weight!r}")
        object.__setattr__(self, "temperature", float(self.temperature))
        object.__setattr__(self, "rest_weight", float(self.rest_weight))
        _count("variations", self.variations, MAX_VARIATIONS)
        seed = self.rng_seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ValueError(f"rng_seed must be a non-negative integer, got {seed!r}")
        if self.key is not None:
            if not isinstance(self.key, str):
                raise ValueError(f"key must be a name such as 'C major', or 'auto', got {self.key!r}")
            if self.key.strip().lower() != KEY_LOCK_AUTO:
                keys.parse_key(self.key)  # ValueError for a name that is not a key
        object.__setattr__(self, "pitch_range", check_pitch_range(self.pitch_range))
        object.__setattr__(self, "follow_seed", check_strength(self.follow_seed))
        if self.top_p is not None and not 0 < _finite("top-p", self.top_p) <= 1:
            raise ValueError(f"top-p must be in (0, 1], got {self.top_p!r}")
        target = self.adaptive_temperature
        if target not in (None, False, True) and _finite("adaptive temperature target", target) <= 0:
            raise ValueError(f"the adaptive temperature target (bits) must be positive, got {target!r}")
        if self.note_grid is not None:
            check_steps_per_quarter(self.note_grid)
        if self.beam_width is not None:
            _count("beam width", self.beam_width, MAX_BEAM_WIDTH)
            if self.variations > self.beam_width:
                raise ValueError(
                    f"beam search returns at most beam width ({self.beam_width}) variations, "
                    f"not {self.variations}"
                )

    def replace(self, **changes) -> GenerationOptions:
        """These options with ``changes`` (checked again); TypeError for an unknown option."""
        return dataclasses.replace(self, **changes)
