"""The stepping tables: one gate-table row per bar position for the four metrical features, added
per meter without moving the rows handed out before."""

import torch

from segue.engine.ml.model import MAX_BEATS, create_model, meter_of
from segue.engine.ml.step_tables import step_tables
from tests.engine.ml.test_model import SMALL


def test_a_positions_metrical_row_is_the_sum_of_its_four_feature_rows():
    model = create_model(SMALL, seed=4)
    tables = step_tables(model)
    offsets, cfg = tables.offsets, model.config
    waltz = meter_of((3, 4), cfg.steps_per_quarter)
    rows = tables.metrical_rows(waltz, cfg)
    assert len(rows) == waltz.steps_per_bar
    before = tables.gate_table.clone()
    jig = meter_of((6, 8), cfg.steps_per_quarter)
    tables.metrical_rows(jig, cfg)  # another meter's rows go after the waltz's
    assert torch.equal(tables.gate_table[: len(before)], before)
    assert tables.metrical_rows(waltz, cfg) is rows
    table = tables.gate_table
    for position, [row] in enumerate(rows):
        parts = [offsets["position"] + min(position, cfg.bar_rows - 1),
                 offsets["beat_phase"] + min(position % waltz.beat_steps, cfg.beat_phase_rows - 1),
                 offsets["beat"] + min(position // waltz.beat_steps, MAX_BEATS - 1),
                 offsets["meter"] + waltz.meter_id]
        assert torch.allclose(table[row], table[parts].sum(0), atol=1e-6)


def test_the_tables_are_made_anew_when_a_weight_changes():
    model = create_model(SMALL, seed=4)
    first = step_tables(model)
    assert step_tables(model) is first
    with torch.no_grad():
        model.head.bias.add_(1.0)
    assert step_tables(model) is not first
