"""Example counts for the property tests under the hypothesis profiles of conftest.py."""

from __future__ import annotations

from hypothesis import settings

EXPLORE_EXAMPLES = 10_000


def examples(n: int, explore: int = EXPLORE_EXAMPLES) -> int:
    """A property's max_examples: ``n`` under the dev and ci profiles, ``explore`` under the explore profile.

    A count set in ``@settings`` overrides the profile's, so every property that sets one goes through
    here; a test lowers ``explore`` only when 10,000 examples would take more than about ten minutes.
    """
    return explore if settings().max_examples == EXPLORE_EXAMPLES else n
