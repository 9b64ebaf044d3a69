"""The metronome's click and the count-in's: a General MIDI wood block on the percussion channel,
louder on the bar's first beat. When clicks happen is the timeline's affair
(:mod:`engine.live.timeline`); this is what one sounds like.
"""

from __future__ import annotations

METRONOME_CHANNEL = 9  # General MIDI percussion (channel 10)
CLICK_ACCENT, CLICK_BEAT = 76, 77  # GM high and low wood block
CLICK_VELOCITIES = (110, 80)
CLICK_SECONDS = 0.05


def click_note(accent: bool) -> tuple[int, int]:
    """(pitch, velocity) of a click: the bar's first beat is accented."""
    if accent:
        return CLICK_ACCENT, CLICK_VELOCITIES[0]
    return CLICK_BEAT, CLICK_VELOCITIES[1]


def sound_click(output, accent: bool, when: float) -> None:
    """Sound a click at clock time ``when`` on a :class:`engine.live.player_output.PlayerOutput`,
    ended ``CLICK_SECONDS`` later."""
    pitch, velocity = click_note(accent)
    if output.sound(METRONOME_CHANNEL, pitch, velocity, when):
        output.hold((METRONOME_CHANNEL, pitch), when + CLICK_SECONDS)
