"""What the live tests share: ``rig(**kwargs)``, players on a fake clock (``test_player.Rig``),
each released and closed when the test ends (a module's own ``rig`` takes its place)."""

import pytest


@pytest.fixture
def rig():
    from tests.engine.live.test_player import Rig

    rigs = []

    def make(**kwargs):
        made = Rig(**kwargs)
        rigs.append(made)
        return made

    yield make
    for made in rigs:
        made.clock.release()
        made.player.close()
