"""The agencies' spread for an item and the rule for when they disagree."""

from agencies.spread import DISAGREEMENT_LEVELS, Spread, disagree


def test_two_levels_apart_is_a_disagreement():
    """Ratings 1 and 3 are DISAGREEMENT_LEVELS apart, so the agencies disagree."""
    spread = Spread(ratings=[("Police", 1), ("Health", 3)], partnership_rating=2)
    assert DISAGREEMENT_LEVELS == 2
    assert (spread.lowest, spread.highest, spread.disagree) == (1, 3, True)


def test_one_level_apart_is_not():
    """Ratings 2 and 3 differ by one level only: no disagreement."""
    assert not Spread(ratings=[("Police", 2), ("Health", 3)]).disagree


def test_an_agency_not_rated_does_not_count():
    """An agency with no rating is listed but left out of the lowest, highest and rule."""
    spread = Spread(ratings=[("Police", 0), ("Health", None), ("Council", 1)])
    assert spread.ratings[1] == ("Health", None)
    assert (spread.lowest, spread.highest, spread.disagree) == (0, 1, False)


def test_no_ratings_at_all_has_no_spread():
    """With nobody rated there is no lowest or highest and no disagreement."""
    spread = Spread(ratings=[("Police", None)])
    assert (spread.lowest, spread.highest, spread.disagree) == (None, None, False)


def test_bare_ratings_follow_the_same_rule():
    """disagree() over bare ratings ignores None and applies the same two-level rule."""
    assert disagree([0, None, 2]) and not disagree([None, 3]) and not disagree([])
