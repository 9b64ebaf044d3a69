"""The MusicXML of a file, checked before music21 reads it.

An ``.mxl`` archive is unpacked here, not by music21, after the sizes its directory declares are
checked (a small archive may unpack to gigabytes; Python's zipfile never reads a member past its
declared size). The score's text is then scanned for what music21 would hang on or read wrongly
(a meter of 9999 beats, a note in octave 994, a tuplet of thousands) and for its size in notes,
against :mod:`engine.limits`. Each check raises ValueError with the reason in a musician's words.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from segue.engine import limits

_ROOTFILE = re.compile(rb'<rootfile[^>]*full-path\s*=\s*["\']([^"\']+)["\']')
_NOTE = re.compile(rb"<note[\s>/]")
_TIME = re.compile(rb"<time[\s>].*?</time>", re.S)
_BEATS = re.compile(rb"<beats>([^<]*)</beats>")
_BEAT_TYPE = re.compile(rb"<beat-type>([^<]*)</beat-type>")
_OCTAVE = re.compile(rb"<octave>([^<]*)</octave>")
_TUPLET_NUMBERS = re.compile(rb"<(actual-notes|normal-notes)>([^<]*)</")
_DECLARED_ENCODING = re.compile(rb'^(\s*<\?xml[^>]*?encoding\s*=\s*["\'])([A-Za-z0-9._-]+)(["\'])')
_BOMS = (  # the 4-byte marks first: UTF-32 LE starts with UTF-16 LE's mark
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
MAX_MXL_MEMBERS = 1000
OCTAVE_RANGE = (-1, 9)  # MIDI notes 0-127 lie in octaves -1 (C-1) to 9 (G9)


def unpack_mxl(data: bytes) -> bytes:
    """The score inside an ``.mxl`` archive; ValueError when it is not one or unpacks too large."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValueError("it is not valid MusicXML (not a readable .mxl archive)") from None
    if len(members) > MAX_MXL_MEMBERS:
        raise ValueError(f"it is an archive of {len(members):,} files, not a MusicXML score")
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.MAX_MXL_UNPACKED_BYTES:
        raise ValueError(
            f"it unpacks to {limits.size_words(unpacked)}, over the "
            f"{limits.size_words(limits.MAX_MXL_UNPACKED_BYTES)} Segue reads from a MusicXML score"
        )
    names = [member.filename for member in members]
    score = None
    try:
        if "META-INF/container.xml" in names:
            found = _ROOTFILE.search(archive.read("META-INF/container.xml"))
            if found and found.group(1).decode("utf-8", "replace") in names:
                score = found.group(1).decode("utf-8", "replace")
        if score is None:
            score = next(
                (n for n in names if n.lower().endswith((".xml", ".musicxml"))
                 and not n.startswith("META-INF/")),
                None,
            )
        if score is None:
            raise ValueError("it is not valid MusicXML (the archive holds no score)")
        return archive.read(score)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as error:
        raise ValueError(f"it is not valid MusicXML (the archive is damaged: {error})") from None


def as_utf8(xml: bytes) -> bytes:
    """The score's XML as UTF-8 whatever it came in (Finale and music21's own corpus write
    UTF-16), its declaration saying so, so the checks below and music21 read the same text;
    ValueError when it cannot be decoded."""
    codec = None
    for bom, name in _BOMS:
        if xml.startswith(bom):
            codec, xml = name, xml[len(bom):]
            break
    try:
        if codec is not None and codec != "utf-8":
            xml = xml.decode(codec).encode("utf-8")
        else:
            declared = _DECLARED_ENCODING.match(xml)
            name = declared.group(2).decode("ascii").lower() if declared else "utf-8"
            if codecs.lookup(name).name not in ("utf-8", "ascii"):
                xml = xml.decode(name).encode("utf-8")
    except (UnicodeError, LookupError) as error:
        raise ValueError(f"it is not valid MusicXML (its text cannot be decoded: {error})") from None
    return _DECLARED_ENCODING.sub(rb"\1UTF-8\3", xml, count=1)


def _number(text: bytes) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def check_musicxml(xml: bytes) -> None:
    """ValueError when the score is over Segue's limits or holds what music21 hangs on."""
    limits.check_size(len(xml), limits.MAX_MUSICXML_BYTES, "a MusicXML score")
    if b"<!ENTITY" in xml:
        raise ValueError("it declares XML entities, which Segue does not read")
    notes = len(_NOTE.findall(xml))
    if notes > limits.MAX_MUSICXML_NOTES:
        raise ValueError(
            f"it has {notes:,} notes, more than the {limits.MAX_MUSICXML_NOTES:,} Segue reads "
            "from one MusicXML score"
        )
    for time in _TIME.findall(xml):
        beats = [_beats(found) for found in _BEATS.findall(time)]
        beat_types = [_number(found) for found in _BEAT_TYPE.findall(time)]
        for numerator, denominator in zip(beats, beat_types):
            limits.check_meter(numerator or 0, denominator or 0)
    low, high = OCTAVE_RANGE
    for found in _OCTAVE.findall(xml):
        octave = _number(found)
        if octave is not None and not low <= octave <= high:
            raise ValueError(
                f"a note in octave {octave} is outside the MIDI range (octaves {low} to {high}, "
                "C-1 to G9)"
            )
    low, high = limits.TUPLET_RANGE
    for kind, found in _TUPLET_NUMBERS.findall(xml):
        count = _number(found)
        if count is not None and not 1 <= count <= high:
            raise ValueError(
                f"it has a tuplet of {count:,} {kind.decode().replace('-', ' ')}, outside what "
                f"Segue reads ({low} to {high} notes in the time of {low} to {high})"
            )


def _beats(text: bytes) -> int | None:
    """``3+2`` beats as 5; None when it is not a number."""
    try:
        return sum(int(part) for part in text.split(b"+"))
    except ValueError:
        return None
