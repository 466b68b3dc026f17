"""Validation that can fail: each fact's basis, and the predictions the record contradicts.

The criteria are the ones written in ``sco_sim.case.validation`` before the runs (PREDICTIVE_LEVEL, the
90 % predictive range); these tests fix which verdicts docs/VALIDATION.md reports and check them on
a seed that is not the documentation's. A prediction on the boundary (P1) is held to a band, not
to a verdict that one stream could flip.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sco_sim.case.validation import (
    BASES,
    BUILT_IN,
    CONTRADICTED,
    FACTS,
    INDEPENDENT,
    PARTLY_CIRCULAR,
    PREDICTIONS,
    PREDICTIVE_LEVEL,
    RECORD_VERDICTS,
    _record_outside,
    _record_summit_texts_without,
    _record_withheld,
    markdown,
    run_predictions,
)

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "VALIDATION.md"
REPLICATIONS = 400
SEED = 777  # not the documentation's seed

BASIS = {  # the classification docs/VALIDATION.md gives, with its reason in sco_sim.case.validation
    "F1": PARTLY_CIRCULAR,
    "F2": PARTLY_CIRCULAR,
    "F3": BUILT_IN,
    "F4": PARTLY_CIRCULAR,
    "F5": PARTLY_CIRCULAR,
    "F6": BUILT_IN,
    "F7": INDEPENDENT,
    "F8": PARTLY_CIRCULAR,
    "F9": INDEPENDENT,
    "F10": BUILT_IN,
    "P1": INDEPENDENT,
    "P2": PARTLY_CIRCULAR,
    "P3": INDEPENDENT,
}


@pytest.fixture(scope="module")
def predictions():
    return {r.id: r for r in run_predictions(replications=REPLICATIONS, seed=SEED)}


def test_every_fact_and_prediction_has_a_basis_with_a_reason():
    for f in FACTS + PREDICTIONS:
        assert f.basis in BASES, f.id
        assert len(f.basis_reason) > 40, f.id
    assert {f.id: f.basis for f in FACTS + PREDICTIONS} == BASIS


def test_documented_basis_matches_the_module():
    text = DOC.read_text(encoding="utf-8")
    documented = dict(re.findall(
        r"^\| ([FP]\d+) \| [a-z ]+ \| (independent|partly circular|built in) \|", text, re.M))
    assert documented == BASIS


def test_the_record_statistics_the_predictions_use():
    # From the bundled record (docs/DATA.md section 5): no blockage by Pakistan or China; one by
    # Russia among the founders (the stalled development bank); India outside a text at every
    # summit from 2018 (the Belt and Road paragraph) and twice in 2023.
    assert _record_withheld("Pakistan", 2017, 2025) == 0
    assert _record_withheld("China", 2001, 2016) == 0
    assert _record_withheld("Russia", 2001, 2016) == 1
    assert _record_summit_texts_without("India", 18, 25) == 9
    texts, documents = _record_outside("India", 18, 25)
    assert texts < documents / 10


def test_china_the_founders_lone_blocker_is_contradicted(predictions):
    r = predictions["P3"]
    assert r.verdict == CONTRADICTED
    assert r.figure("China's share of the founders' lone objections").value > 0.8
    assert r.figure("model probability of the record's count").value < PREDICTIVE_LEVEL / 2


def test_india_withholding_a_large_share_is_contradicted(predictions):
    r = predictions["P2"]
    assert r.verdict == CONTRADICTED
    share = r.figure("share of all items India withholds")
    texts, documents = _record_outside("India", 18, 25)
    assert share.low > 1.5 * texts / documents  # the record's share well below the 90 % range


def test_pakistan_on_counter_terrorism_is_unlikely_but_on_the_boundary(predictions):
    # The model has Pakistan withhold consent on a large share of counter-terrorism items, so the
    # record's none is improbable; at about PREDICTIVE_LEVEL, its verdict depends on the stream:
    # held to a band, reported as borderline in docs/VALIDATION.md.
    r = predictions["P1"]
    assert r.verdict in RECORD_VERDICTS
    assert r.figure("share of counter_terrorism items Pakistan").value > 0.1
    assert 0.005 < r.figure("model probability of the record's count").value < 0.2


def test_predictions_render(predictions):
    text = markdown(list(predictions.values()))
    for key in ("P1", "P2", "P3"):
        assert f"### {key}: " in text


def test_documented_prediction_verdicts_match_the_model(predictions):
    # P1 sits on the criterion's boundary (see above): its documented verdict is not re-checked.
    text = DOC.read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| (P\d+) \| (consistent|contradicted) \|", text, re.M))
    assert set(documented) == {"P1", "P2", "P3"}
    for key in ("P2", "P3"):
        assert documented[key] == predictions[key].verdict, key
