"""The capture client's Recording, on made-up cycles: what the real-device test trusts to time."""

from tests.engine.audio.jack_capture import Recording

RATE, PERIOD = 48000, 480  # 10 ms cycles


def recording(starts, cycles=()):
    return Recording(RATE, PERIOD, [], ((0, 0.0), (4800, 0.1)), 0, tuple(cycles), tuple(starts))


def test_stall_is_how_much_later_than_one_period_a_cycle_began():
    every_10_ms = recording([0.00, 0.01, 0.02, 0.03])
    assert abs(every_10_ms.stall(0.0, 1.0)) < 1e-9
    late = recording([0.00, 0.01, 0.045, 0.055, 0.065])  # the third began 25 ms late
    assert abs(late.stall(0.0, 1.0) - 0.025) < 1e-9
    assert abs(late.stall(0.04, 0.05) - 0.025) < 1e-9  # the gap before the first cycle counts
    assert abs(late.stall(0.05, 1.0)) < 1e-9  # a window after it does not
    assert recording([]).stall(0.0, 1.0) == 0.0


def test_seconds_times_a_frame_by_its_own_cycle_start_else_by_the_clock_pair():
    late = recording([], cycles=[(960, 0.5)])  # a loud cycle that began at 0.5 s
    assert abs(late.seconds(960 + 48) - 0.501) < 1e-9
    assert abs(late.seconds(2400) - 0.05) < 1e-9  # outside it: between the start and stop pairs


def test_timing_measures_each_note_from_the_shared_latency_allowing_the_machines_stalls():
    scheduled = [0.095, 0.295, 0.495]
    frames = [4800, 14400, 24000]  # heard in loud cycles that began at 0.1, 0.3 and 0.5 s

    def heard(third_at, starts=()):
        cycles = [(4800, 0.1), (14400, 0.3), (24000, third_at)]
        loud = [(frame, frame + 100) for frame in frames]
        return Recording(RATE, PERIOD, loud, ((0, 0.0), (48000, 1.0)), 0, tuple(cycles),
                         tuple(starts))

    usual, off = heard(0.5).timing(scheduled, 0.001)
    assert abs(usual - 0.005) < 1e-9 and off == []
    usual, off = heard(0.53).timing(scheduled, 0.001)  # the third 30 ms later than the others
    assert [index for index, _, _ in off] == [2] and abs(usual - 0.005) < 1e-9
    stalled = [0.47, 0.48, 0.515, 0.525]  # a cycle that began 25 ms late just before it
    assert heard(0.53, stalled).timing(scheduled, 0.006)[1] == []
    assert heard(0.53, stalled).timing(scheduled, 0.001)[1] != []  # the stall is not all of it
