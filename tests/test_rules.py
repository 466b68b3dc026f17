"""Decision rules on hand-built vote profiles, the registry, and the module's doctests."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import sco_sim.model.rules
from sco_sim.model.rules import (
    RULES,
    consensus_minus_one,
    majority,
    resolve,
    unanimity,
    voting_weights,
)

Y, N = True, False


def votes(*v: bool) -> np.ndarray:
    return np.array(v, dtype=bool)


# --------------------------------------------------------------------------- unanimity


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (votes(Y), True),
        (votes(N), False),
        (votes(Y, Y, Y), True),
        (votes(Y, N, Y), False),
        (votes(N, Y, Y), False),
        (votes(Y, Y, N), False),
        (votes(N, N, N), False),
        (votes(Y, Y, Y, Y, Y, Y, Y, Y), True),
        (votes(Y, Y, Y, Y, Y, Y, Y, N), False),
    ],
)
def test_unanimity(accept, expected) -> None:
    assert bool(unanimity(accept, np.ones(len(accept)))) is expected


def test_unanimity_ignores_weights() -> None:
    """One objector blocks however little capability it has."""
    accept = votes(Y, Y, N)
    assert not unanimity(accept, np.array([0.49, 0.49, 0.02]))
    assert unanimity(votes(Y, Y, Y), np.array([0.49, 0.49, 0.02]))


# --------------------------------------------------------------------------- consensus minus one


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (votes(Y, Y, Y), True),  # no objector
        (votes(Y, N, Y), True),  # one objector cannot block
        (votes(N, Y, Y), True),
        (votes(N, N, Y), False),  # two objectors block
        (votes(N, N, N), False),
        (votes(N), True),  # a lone member objecting is still "minus one"
        (votes(N, N), False),
        (votes(Y, Y, Y, Y, Y, N), True),
        (votes(Y, Y, Y, Y, N, N), False),
    ],
)
def test_consensus_minus_one(accept, expected) -> None:
    assert bool(consensus_minus_one(accept, np.ones(len(accept)))) is expected


# --------------------------------------------------------------------------- majority


@pytest.mark.parametrize(
    ("accept", "threshold", "expected"),
    [
        # simple majority: strictly more than half
        (votes(Y, Y, N), None, True),  # 2/3 > 1/2
        (votes(Y, N, N), None, False),  # 1/3
        (votes(Y, N), None, False),  # tie 1/2 is not a majority
        (votes(Y, Y, Y, N, N, N), None, False),  # tie 3/6
        (votes(Y, Y, Y, Y, N, N), None, True),  # 4/6
        (votes(Y, Y, Y, N, N), None, True),  # 3/5
        (votes(N, N, N, N, N), None, False),
        # 2/3 threshold: 4 of 6 reaches it exactly even though 4/6 != 2/3 in binary
        (votes(Y, Y, Y, Y, N, N), 2 / 3, True),
        (votes(Y, Y, Y, N, N, N), 2 / 3, False),
        (votes(Y, Y, N), 2 / 3, True),
        (votes(Y, N, N), 2 / 3, False),
        # threshold 1/2 given explicitly: a tie reaches it (>=, unlike the default >)
        (votes(Y, N), 0.5, True),
        (votes(Y, Y, Y, N, N, N), 0.5, True),
        # threshold 1: unanimity
        (votes(Y, Y, Y), 1.0, True),
        (votes(Y, Y, N), 1.0, False),
        # 4 of 5 = 0.8
        (votes(Y, Y, Y, Y, N), 0.8, True),
        (votes(Y, Y, Y, N, N), 0.8, False),
    ],
)
def test_majority_unweighted(accept, threshold, expected) -> None:
    assert bool(majority(accept, np.ones(len(accept)), threshold)) is expected


CAPABILITY = np.array([0.4, 0.25, 0.2, 0.1, 0.05])  # capability shares, sum to one


@pytest.mark.parametrize(
    ("accept", "threshold", "expected"),
    [
        # yes share 0.4 + 0.25 = 0.65 > 0.5 although only 2 of 5 members say yes
        (votes(Y, Y, N, N, N), None, True),
        # 0.2 + 0.1 + 0.05 = 0.35: 3 of 5 members, but a minority of capability
        (votes(N, N, Y, Y, Y), None, False),
        # 0.4 + 0.1 = 0.5: a tie in capability fails the simple majority ...
        (votes(Y, N, N, Y, N), None, False),
        # ... but reaches an explicit 1/2 threshold
        (votes(Y, N, N, Y, N), 0.5, True),
        # 0.4 + 0.25 = 0.65 < 2/3; adding 0.05 gives 0.7 >= 2/3
        (votes(Y, Y, N, N, N), 2 / 3, False),
        (votes(Y, Y, N, N, Y), 2 / 3, True),
        # everyone but the largest: 0.6
        (votes(N, Y, Y, Y, Y), 0.6, True),
        (votes(N, Y, Y, Y, Y), 0.61, False),
    ],
)
def test_majority_weighted_by_capability(accept, threshold, expected) -> None:
    weight = voting_weights(CAPABILITY, weighted=True)
    assert bool(majority(accept, weight, threshold)) is expected


def test_voting_weights() -> None:
    cap = np.array([0.5, 0.3, 0.2])
    np.testing.assert_array_equal(voting_weights(cap, weighted=True), cap)
    np.testing.assert_array_equal(voting_weights(cap, weighted=False), np.ones(3))


def test_weighted_share_does_not_need_normalised_weights() -> None:
    """The yes share is relative to the total weight: raw capability units give the same answer."""
    accept = votes(Y, Y, N, N, N)
    for threshold in (None, 0.6, 2 / 3):
        assert bool(majority(accept, CAPABILITY * 20, threshold)) == bool(
            majority(accept, CAPABILITY, threshold)
        )


@pytest.mark.parametrize("name", ["unanimity", "consensus_minus_one", "majority"])
def test_rules_are_vectorised_over_leading_axes(name) -> None:
    """A batch of profiles gives the same answers as the profiles one by one."""
    rng = np.random.default_rng(3)
    batch = rng.random((4, 7, 6)) < 0.7
    weight = rng.random(6) + 0.1
    rule = RULES[name]
    threshold = 2 / 3 if name == "majority" else None
    out = rule(batch, weight, threshold)
    assert out.shape == (4, 7)
    for i in range(4):
        for j in range(7):
            assert bool(out[i, j]) == bool(rule(batch[i, j], weight, threshold))


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize(
    ("name", "fn"),
    [
        ("unanimity", unanimity),
        ("consensus_minus_one", consensus_minus_one),
        ("majority", majority),
    ],
)
def test_registry_resolves_names(name, fn) -> None:
    assert RULES[name] is fn
    assert resolve(name) is fn


def test_registry_covers_the_schema_rule_types() -> None:
    from typing import get_args

    from sco_sim.inputs.scenario import Rule

    schema_types = set(get_args(Rule.model_fields["type"].annotation))
    assert schema_types <= set(RULES)


@pytest.mark.parametrize("name", ["qualified_majority", "Unanimity", ""])
def test_unknown_rule_raises_key_error(name) -> None:
    with pytest.raises(KeyError, match="unknown decision rule") as info:
        resolve(name)
    assert "unanimity" in str(info.value)  # the message lists the known rules


def test_doctests_pass() -> None:
    result = doctest.testmod(sco_sim.model.rules)
    assert result.attempted >= 6  # one or more examples for each of the three rules
    assert result.failed == 0
