"""MIDI channel messages as lists of bytes, and the checks for their values. No ports, no Qt.

``note_on``, ``note_off``, ``control_change``, ``program_change`` build one message;
``release_messages`` and ``panic_messages`` the sequences that silence notes; ``parse_note``
reads a note message back. ``check_channel`` and ``check_data`` are the one place where a
channel (0-15) or a data byte (0-127) is checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

NOTE_OFF, NOTE_ON, CONTROL_CHANGE, PROGRAM_CHANGE = 0x80, 0x90, 0xB0, 0xC0
CC_SUSTAIN, CC_ALL_SOUND_OFF, CC_RESET_CONTROLLERS, CC_ALL_NOTES_OFF = 64, 120, 121, 123
RELEASE_VELOCITY = 64  # the MIDI spec's value for "no release velocity"


def check_channel(channel: object) -> int:
    """``channel`` if it is a MIDI channel 0-15; ValueError otherwise."""
    if isinstance(channel, bool) or not isinstance(channel, int) or not 0 <= channel <= 15:
        raise ValueError(f"MIDI channel {channel!r} is outside 0-15 (shown to users as 1-16)")
    return channel


def check_data(name: str, value: object, low: int = 0) -> int:
    """``value`` if it is a data byte ``low``-127 (a pitch, velocity, program); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 127:
        raise ValueError(f"{name} {value!r} is outside {low}-127")
    return value


def note_on(channel: int, pitch: int, velocity: int) -> list[int]:
    return [NOTE_ON | channel, pitch, velocity]


def note_off(channel: int, pitch: int) -> list[int]:
    return [NOTE_OFF | channel, pitch, RELEASE_VELOCITY]


def control_change(channel: int, controller: int, value: int) -> list[int]:
    return [CONTROL_CHANGE | channel, controller, value]


def program_change(channel: int, program: int) -> list[int]:
    return [PROGRAM_CHANGE | channel, program]


def release_messages(
    sounding: Iterable[tuple[int, int]], channels: Iterable[int]
) -> list[list[int]]:
    """Note-off for each sounding (channel, pitch), then CC64=0 and CC123 on each channel."""
    messages = [note_off(channel, pitch) for channel, pitch in sounding]
    for channel in sorted(set(channels)):
        messages.append(control_change(channel, CC_SUSTAIN, 0))
        messages.append(control_change(channel, CC_ALL_NOTES_OFF, 0))
    return messages


def panic_messages() -> list[list[int]]:
    """All sound off, reset controllers and all notes off on each of the 16 channels."""
    return [
        control_change(channel, controller, 0)
        for channel in range(16)
        for controller in (CC_ALL_SOUND_OFF, CC_RESET_CONTROLLERS, CC_ALL_NOTES_OFF)
    ]


def parse_note(message: Sequence[int]) -> tuple[bool, int, int, int] | None:
    """(is_on, channel, pitch, velocity) for a note message, else None.

    A note-on with velocity 0 is a note-off (running-status keyboards send those).
    """
    if len(message) < 3:
        return None
    kind, channel = message[0] & 0xF0, message[0] & 0x0F
    if kind == NOTE_ON and message[2] > 0:
        return True, channel, message[1], message[2]
    if kind in (NOTE_OFF, NOTE_ON):
        return False, channel, message[1], 0
    return None
