"""A scenario as an EMA Workbench ``Model`` (optional: ``pip install "sco-sim[ema]"``).

`EMA Workbench <https://emaworkbench.readthedocs.io>`_ users explore a model with their own
samplers, scenario discovery (PRIM) and optimisers. :func:`scenario_model` wraps one scenario file:

* its **uncertainties** and **levers** are dotted parameter paths, the same as ``sco-sim sweep
  --set`` (:mod:`sco_sim.inputs.parameters`): ``{"members.*.tolerance": (0.0, 0.1)}`` gives a real range,
  an int field (``negotiation.max_rounds``) an integer range, a list of values a categorical
  parameter (``{"rule.type": ["unanimity", "majority"]}``);
* its **outcomes** are the run metrics of :func:`sco_sim.analysis.summary.per_run` (deadlock rate,
  throughput, ...), each the mean over ``replications`` replications, as ``ScalarOutcome`` s.

>>> from sco_sim.analysis.ema import scenario_model  # doctest: +SKIP
>>> from ema_workbench import SequentialEvaluator
>>> model = scenario_model("scenarios/sco_2017_3plus5.toml",
...                        uncertainties={"members.*.tolerance": (0.0, 0.1),
...                                       "rivalries.India-Pakistan.intensity": (0.0, 0.1)},
...                        replications=50, seed=7)
>>> with SequentialEvaluator(model) as evaluator:
...     experiments, outcomes = evaluator.perform_experiments(scenarios=100)

Randomness: every experiment runs replications ``0 .. replications - 1`` of the master ``seed``
(a ``Constant`` of the model), so the outcomes are a function of the inputs and the seed alone:
the same experiment gives the same outcomes in any order, on any evaluator, and two experiments
are compared on common random numbers, as in ``sco-sim sweep``. EMA's own samplers (LHS, Monte
Carlo) draw the *design* from numpy's global generator: call ``numpy.random.seed`` first, or pass
your own list of ``ema_workbench.Scenario`` s, for a reproducible design.

EMA names must be Python identifiers, so each parameter is named by :func:`ema_name`
(``members.*.tolerance`` -> ``members_all_tolerance``) and keeps its dotted path as its
``variable_name``. A value the scenario's schema rejects stops the experiment with the one-line
message (EMA raises it as an ``EMAError``); it never yields another experiment's outcomes.

No core module imports this one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence

from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    Constant,
    IntegerParameter,
    Model,
    RealParameter,
    ScalarOutcome,
)

from ..engine import simulate
from ..inputs import parameters
from ..inputs.config import build_config
from ..inputs.scenario import load_raw, parse_scenario
from .summary import per_run
from .vocabulary import RUN_RATES

#: the optimisation direction of each run metric (EMA's ``ScalarOutcome.kind``); others are INFO
DIRECTIONS = {
    "deadlock_rate": ScalarOutcome.MINIMIZE,
    "throughput": ScalarOutcome.MAXIMIZE,
    "adoption_rate": ScalarOutcome.MAXIMIZE,
    "consensus_rate": ScalarOutcome.MAXIMIZE,
}

#: a range ``(low, high)`` or a list of values, per dotted parameter path
Spec = Mapping[str, Sequence[Any]]


def ema_name(path: str) -> str:
    """The EMA name (an identifier) of a dotted path: ``members.*.tolerance`` -> ``members_all_tolerance``."""
    name = re.sub(r"\W+", "_", path.replace("*", "all")).strip("_")
    return name if not name[:1].isdigit() else f"p_{name}"


def _parameter(path: str, spec: Sequence[Any]):
    """The EMA parameter for one path: a range for ``(low, high)``, categories for a list."""
    name = ema_name(path)
    kind = parameters.kind(path)
    if isinstance(spec, tuple):
        if len(spec) != 2:
            raise ValueError(f"{path}: a range is (low, high), got {spec!r}")
        low, high = spec
        if kind == "int":
            return IntegerParameter(name, int(low), int(high), variable_name=path)
        if kind == "float":
            return RealParameter(name, float(low), float(high), variable_name=path)
        raise ValueError(f"{path}: a {kind or 'non-scalar'} field takes a list of values, not a range")
    values = list(spec)
    if not values:
        raise ValueError(f"{path}: expected (low, high) or a non-empty list of values")
    if kind == "bool" and sorted(values) == [False, True]:
        return BooleanParameter(name, variable_name=path)
    return CategoricalParameter(name, values, variable_name=path)


def _candidates(spec: Sequence[Any]) -> list[Any]:
    """The values of a spec worth checking against the schema: a range's ends, every category."""
    return list(spec) if not isinstance(spec, tuple) else [spec[0], spec[1]]


class ScenarioFunction:
    """The model function EMA calls: dotted-path keyword values in, mean run metrics out.

    A module-level class rather than a closure so that EMA's multiprocessing evaluator can pickle it.
    """

    def __init__(self, raw: dict, source: str, metrics: Sequence[str], meetings: int | None,
                 engine: str):
        self.raw = raw
        self.source = source
        self.metrics = tuple(metrics)
        self.meetings = meetings
        self.engine = engine

    def config(self, values: Mapping[str, Any]):
        """The scenario with ``values`` (dotted path -> value) applied, validated, as a Config."""
        raw = self.raw
        for path, value in values.items():
            raw = parameters.apply(raw, path, parameters.coerce(path, value), source=self.source)
        if self.meetings is not None:
            raw = parameters.apply(raw, "scenario.meetings", self.meetings, source=self.source)
        return build_config(parse_scenario(raw, self.source))

    def __call__(self, seed: int, replications: int, **values: Any) -> dict[str, float]:
        """Run ``replications`` replications under master ``seed`` and return each metric's mean."""
        runs = per_run(run(self.config(values), int(replications), int(seed), self.engine))
        return {m: float(runs[m].mean()) for m in self.metrics}


def run(config, replications: int, seed: int, engine: str = "vectorised"):
    """The adapter's one call into the simulator (the project's seeded streams)."""
    return simulate(config, replications, seed, engine=engine, items=False)


def scenario_model(
    scenario: str | Path,
    uncertainties: Spec | None = None,
    levers: Spec | None = None,
    *,
    replications: int = 20,
    seed: int = 0,
    metrics: Sequence[str] = RUN_RATES,
    meetings: int | None = None,
    engine: str = "vectorised",
    name: str | None = None,
) -> Model:
    """An EMA Workbench ``Model`` of a scenario file.

    ``uncertainties`` and ``levers`` map dotted parameter paths to ``(low, high)`` (a real or
    integer range, by the field's type) or to a list of values (categorical). Every range end and
    category is checked against the scenario's schema here, so a bad value is an
    :class:`~sco_sim.inputs.errors.InputError` before any experiment runs. ``metrics`` are columns of
    :func:`sco_sim.analysis.summary.per_run`; each outcome is its mean over the replications. ``name``
    (letters and digits, EMA's rule) defaults to the file name without its other characters.
    """
    path = Path(scenario)
    source = str(scenario)
    raw = load_raw(path)
    parse_scenario(raw, source)  # the file itself must be valid
    unknown = [m for m in metrics if m not in RUN_RATES]
    if unknown:
        raise ValueError(f"unknown metrics {unknown}; expected some of {list(RUN_RATES)}")
    specs = {**(uncertainties or {}), **(levers or {})}
    if len(specs) != len(uncertainties or {}) + len(levers or {}):
        raise ValueError("a parameter path is both an uncertainty and a lever")
    names = [ema_name(p) for p in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"two parameter paths give the same EMA name: {names}")
    function = ScenarioFunction(raw, source, metrics, meetings, engine)
    for p, spec in specs.items():
        for value in _candidates(spec):
            function.config({p: value})  # raises InputError naming the file and the path
    model = Model(name or re.sub(r"[^0-9A-Za-z]", "", path.stem), function=function)
    model.uncertainties = [_parameter(p, s) for p, s in (uncertainties or {}).items()]
    model.levers = [_parameter(p, s) for p, s in (levers or {}).items()]
    model.constants = [Constant("seed", int(seed)), Constant("replications", int(replications))]
    model.outcomes = [ScalarOutcome(m, kind=DIRECTIONS.get(m, ScalarOutcome.INFO)) for m in metrics]
    return model

