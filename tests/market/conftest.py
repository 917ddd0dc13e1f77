import pytest


@pytest.fixture
def market(world):
    """world plus the matrix samples of the market (offer "khóm ma trận", demand "thơm", connection, deal)."""
    from tests.market.matrix import market_samples

    world.samples.update(market_samples(world, world.samples))
    return world
