"""Hypothesis strategies shared by the property and exactness tests: valid scenarios over the schema."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def valid_scenarios(draw, mechanisms: bool = True, drafting: str | None = None, rule_type: str | None = None,
                    weighted: bool | None = None, threshold: bool | None = None, min_dims: int = 1):
    """Valid scenario dictionaries over the whole schema (the SCO mechanisms when asked).

    ``drafting``, ``rule_type``, ``weighted`` and ``threshold`` pin those choices (for tests that
    must cover each of them); ``None`` draws them.
    """
    d = draw(st.integers(min_dims, 3))
    dims = [f"d{k}" for k in range(d)]
    if draw(st.booleans()):
        lows = [draw(st.floats(-2.0, 0.0)) for _ in dims]
        bounds = [[lo, lo + draw(st.floats(0.5, 3.0))] for lo in lows]
    else:
        bounds = [[0.0, 1.0]] * d

    def point():
        return [min(max(lo + draw(st.floats(0.0, 1.0)) * (hi - lo), lo), hi) for lo, hi in bounds]

    meetings = draw(st.integers(1, 4))
    if rule_type is None:
        rule_type = draw(st.sampled_from(["unanimity", "consensus_minus_one", "majority"]))
    rule: dict = {"type": rule_type}
    if rule_type == "majority":
        rule["weighted"] = draw(st.booleans()) if weighted is None else weighted
        if (draw(st.booleans()) if threshold is None else threshold):
            rule["threshold"] = draw(st.floats(0.2, 1.0))

    proposer = draw(
        st.sampled_from(["rotating_chair", "capability_weighted", "major_powers", "random"])
    )
    n = draw(st.integers(2, 7))
    side_payments = mechanisms and draw(st.booleans())
    need_major = proposer == "major_powers" or side_payments
    majors = draw(st.integers(1 if need_major else 0, n))
    agenda: dict = {
        "items_per_meeting": draw(st.integers(1, 4)),
        "proposer": proposer,
        "deadlocked": draw(st.sampled_from(["drop", "carry_over"])),
    }
    if draw(st.booleans()):
        agenda["issue_shares"] = [draw(st.floats(0.1, 3.0)) for _ in dims]
    if d >= 2 and draw(st.booleans()):
        agenda["package_probability"] = draw(st.floats(0.05, 1.0))
        agenda["package_size"] = draw(st.integers(2, d))

    raw = {
        "scenario": {"name": "random", "meetings": meetings},
        "space": {"dimensions": dims, "bounds": bounds},
        "rule": rule,
        "agenda": agenda,
        "negotiation": {
            "drafting": drafting or draw(st.sampled_from(["step", "setter", "compromise"])),
            "max_rounds": draw(st.integers(0, 3)),
            "concession": draw(st.floats(0.0, 1.0)),
            "proposal_step": draw(st.floats(0.0, 1.0)),
            "noise": draw(st.sampled_from([0.0, 0.05, 0.5])),
            "setter_noise": draw(st.sampled_from([0.0, 0.05, 0.5])),
        },
        "status_quo": {
            "position": "uniform" if draw(st.booleans()) else point(),
            "drift": draw(st.sampled_from([0.0, 0.05, 0.5])),
            "fixed": draw(st.booleans()),
        },
    }
    if draw(st.booleans()):
        raw["generate"] = {
            "members": n,
            "majors": majors,
            "salience": draw(st.sampled_from([1.0, [draw(st.floats(0.0, 2.0)) for _ in dims]])),
            "tolerance": draw(st.sampled_from([0.0, 0.05])),
            "major_capability": draw(st.floats(0.5, 5.0)),
        }
        names = [f"Major{i + 1}" for i in range(majors)]
        names += [f"Minor{i + 1}" for i in range(n - majors)]
        if majors == 0:
            names = [f"P{i + 1}" for i in range(n)]
    else:
        names = [f"M{i}" for i in range(n)]
        raw["members"] = [
            {
                "name": names[i],
                "group": "major" if i < majors else "minor",
                "ideal": point(),
                "salience": [draw(st.floats(0.0, 2.0)) for _ in dims],
                "capability": draw(st.floats(0.0, 1.0)) if i else draw(st.floats(0.01, 1.0)),
                "tolerance": draw(st.sampled_from([0.0, 0.02, 0.1])),
            }
            for i in range(n)
        ]
        if mechanisms:
            for i, m in enumerate(raw["members"]):
                if i and draw(st.integers(0, 3)) == 0:  # member 0 (a major if any) is a founder
                    m["joins"] = draw(st.integers(1, meetings))
                if draw(st.integers(0, 3)) == 0:
                    m["ideal_sd"] = draw(st.sampled_from([0.05, [0.1] * d]))
    if proposer == "rotating_chair" and draw(st.booleans()):
        agenda["first_chair"] = draw(st.sampled_from(names))
    pairs = draw(st.lists(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True)
                          .map(tuple), max_size=3, unique_by=lambda p: frozenset(p)))
    if pairs:
        raw["rivalries"] = [
            {"members": list(pair), "intensity": draw(st.sampled_from([0.0, 0.05, 0.3])),
             "cancels_tolerance": draw(st.booleans())}
            for pair in pairs
        ]
    if not mechanisms:
        return raw
    if draw(st.booleans()):
        rule["subset_texts"] = draw(st.integers(0, n - 1))
        rule["subset_moves_status_quo"] = draw(st.booleans())
        rule["subset_texts_from"] = draw(st.integers(1, meetings))
    if majors and draw(st.booleans()):
        agenda["major_agenda_share"] = draw(st.sampled_from([0.3, 1.0]))
    if side_payments:
        raw["side_payments"] = {"enabled": True, "budget": draw(st.sampled_from([0.0, 0.1, 1.0]))}
    if draw(st.booleans()):
        raw["community"] = {
            "growth": draw(st.sampled_from([0.0, 0.01, 0.05])),
            "decay": draw(st.sampled_from([0.0, 0.01, 0.05])),
        }
        if draw(st.booleans()):
            raw["community"]["max_tolerance"] = 0.2
    if draw(st.booleans()):
        entry: dict = {"member": draw(st.sampled_from(names))}
        if draw(st.booleans()):
            entry["drift"] = [draw(st.sampled_from([-0.1, 0.0, 0.05])) for _ in dims]
            entry["start"] = draw(st.integers(1, meetings))
            if draw(st.booleans()):
                entry["end"] = draw(st.integers(entry["start"], meetings))
        if "drift" not in entry or draw(st.booleans()):
            entry["shocks"] = [{"meeting": draw(st.integers(1, meetings)),
                                "shift": [draw(st.sampled_from([-1.0, 0.3])) for _ in dims]}]
        raw["pressure"] = [entry]
    return raw
