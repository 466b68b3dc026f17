"""sco-sim: an agent-based model of Shanghai Cooperation Organization consensus decisions.

The names a script or notebook needs are importable from here (loaded on first use, so that
``import sco_sim`` stays cheap for the command line):

>>> from sco_sim import load_scenario, build_config, simulate  # doctest: +SKIP
>>> results = simulate(build_config(load_scenario("scenarios/sco_2017_3plus5.toml")), 100, seed=7)  # doctest: +SKIP
"""

from importlib import import_module, metadata

try:
    __version__ = metadata.version("sco-sim")
except metadata.PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

# public name -> module that defines it
_EXPORTS = {
    "load_scenario": "sco_sim.inputs.scenario",
    "build_config": "sco_sim.inputs.config",
    "simulate": "sco_sim.engine",
    "summarize": "sco_sim.analysis.summary",
    "compare": "sco_sim.analysis.summary",
    "load_results": "sco_sim.experiments.results",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    """Load a public name's module on first use (PEP 562)."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sco_sim' has no attribute {name!r}")
