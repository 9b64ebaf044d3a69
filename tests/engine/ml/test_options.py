"""The generation controls: one options object, checked when built; each panel control's span."""

import math

import pytest

from segue.engine.ml import options as opts
from segue.engine.ml.options import GenerationOptions, Span
from segue.engine.ml.request import GenerationSettings


def test_defaults_sample_once_from_the_model_as_it_learned():
    options = GenerationOptions()
    assert (options.temperature, options.rest_weight, options.variations) == (1.0, 1.0, 1)
    assert options.rng_seed is None and options.key is None and options.pitch_range is None
    assert options.follow_seed == 0.0 and options.beam_width is None


@pytest.mark.parametrize("changes, message", [
    (dict(temperature=0), "temperature must be greater than 0"),
    (dict(temperature=math.nan), "temperature must be a finite number"),
    (dict(temperature="hot"), "temperature must be a finite number"),
    (dict(rest_weight=-1), "rest weight must be 0 or more"),
    (dict(variations=0), "variations must be an integer from 1 to 256"),
    (dict(variations=True), "variations must be an integer"),
    (dict(rng_seed=-1), "rng_seed must be a non-negative integer"),
    (dict(key="H major"), "note name"),
    (dict(key=3), "key must be a name"),
    (dict(pitch_range=(80, 70)), "pitch range 80-70"),
    (dict(pitch_range="high"), "pitch range must be two MIDI pitches"),
    (dict(follow_seed=1.5), "follow seed must be a number from 0 to 1"),
    (dict(top_p=0), "top-p"),
    (dict(adaptive_temperature=-1.0), "adaptive temperature target"),
    (dict(beam_width=0), "beam width"),
    (dict(beam_width=2, variations=3), "at most beam width"),
])
def test_bad_options_are_refused_when_built(changes, message):
    with pytest.raises(ValueError, match=message):
        GenerationOptions(**changes)
    with pytest.raises(ValueError, match=message):
        GenerationOptions().replace(**changes)


def test_options_normalise_numbers_and_an_unknown_one_is_a_type_error():
    options = GenerationOptions(temperature=2, rest_weight=0, pitch_range=[40.0, 80], key="auto")
    assert options.temperature == 2.0 and isinstance(options.temperature, float)
    assert options.pitch_range == (40, 80)
    assert options == GenerationOptions(temperature=2.0, rest_weight=0.0, pitch_range=(40, 80), key="auto")
    with pytest.raises(TypeError):
        GenerationOptions().replace(loudness=3)


def test_each_span_holds_its_default_and_refuses_values_outside_it():
    spans = [value for value in vars(opts).values() if isinstance(value, Span)]
    assert len(spans) == 8
    for span in spans:
        assert span.low <= span.default <= span.high and span.step > 0
        assert span.check(span.default) == span.default
        with pytest.raises(ValueError, match=span.label):
            span.check(span.high + span.step)
        assert span.clamp(span.low - 1) == span.low and span.clamp(span.high + 1) == span.high
    assert isinstance(opts.BARS.check(4), int) and isinstance(opts.TEMPERATURE.check(1), float)


def test_the_settings_take_their_defaults_and_ranges_from_the_spans():
    settings = GenerationSettings()
    assert settings.temperature == opts.TEMPERATURE.default
    assert settings.bars == opts.BARS.default and settings.variations == opts.VARIATIONS.default
    assert (settings.pitch_low, settings.pitch_high) == (opts.PITCH_LOW.default, opts.PITCH_HIGH.default)
    with pytest.raises(ValueError, match="number of variations 9 is outside 1-8"):
        GenerationSettings(variations=opts.VARIATIONS.high + 1)
