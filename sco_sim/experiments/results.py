"""Reading a results folder back: what ``sco-sim run/compare --out`` or ``sco-sim sweep --out`` wrote.

:func:`load_results` checks the folder and returns a :class:`Results` whose tables are read on
first use. Anything that is not a complete results folder (no such folder, no or unreadable
``manifest.json``, a manifest of another program, tables missing, a sweep with no finished runs)
raises :class:`~sco_sim.inputs.errors.InputError` with one problem naming the folder and ``RESULTS``.

Two layouts are recognised:

* ``run`` / ``compare``: ``manifest.json`` (versions, scenarios [{path, sha256, name}], seed,
  replications, meetings, command), ``summary.json`` (one summary, or ``{"scenarios": [...],
  "differences": [...]}``), ``meetings.parquet``, ``members.parquet``, ``items.parquet`` (each
  with a leading ``scenario`` column).
* ``sweep``: ``manifest.json`` with ``"format": "sco-sim sweep v1"`` and ``runs/*.parquet`` (one
  row per design point and replication), read through :class:`sco_sim.experiments.store.ResultStore`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..inputs.config import Config, build_config
from ..inputs.errors import InputError, Problem

RUN_FILES = ("meetings.parquet", "members.parquet", "items.parquet", "summary.json")
SWEEP_FORMAT = "sco-sim sweep v1"
EXPECTED = ("a results folder written by `sco-sim run/compare --out DIR` (manifest.json, "
            "summary.json, meetings/members/items.parquet) or by `sco-sim sweep --out DIR`")


def _fail(path: Path | str, message: str, field_: str = "RESULTS") -> InputError:
    return InputError([Problem(str(path), field_, message)])


@dataclass
class ScenarioFile:
    """One scenario recorded in a manifest and what became of its file since."""

    name: str
    path: str  # as recorded
    sha256: str | None
    resolved: Path | None  # where it was found, None if not found
    status: str  # "unchanged", "changed" (sha256 differs), "missing", "unknown" (no hash recorded)
    config: Config | None = None  # built when the file is found and unchanged
    error: str | None = None  # why the configuration could not be built


@dataclass
class Results:
    """A checked results folder; tables are read lazily."""

    path: Path
    layout: str  # "run", "compare" or "sweep"
    manifest: dict
    summary_data: dict | None = None
    _configs: list[ScenarioFile] | None = field(default=None, repr=False)
    _indices: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ identity

    @property
    def seed(self) -> int | None:
        """The master seed of the results."""
        seed = self.manifest.get("seed")
        return int(seed) if isinstance(seed, int) else None

    @property
    def replications(self) -> int | None:
        """Replications per scenario (per design point for sweeps)."""
        r = self.manifest.get("replications")
        return int(r) if isinstance(r, int) else None

    @property
    def command(self) -> str:
        """The command that wrote the folder."""
        return str(self.manifest.get("command", ""))

    @property
    def version(self) -> str:
        """The sco-sim version that wrote the folder."""
        return str((self.manifest.get("versions") or {}).get("sco-sim", "unknown"))

    @property
    def is_sweep(self) -> bool:
        """True for a sweep results folder."""
        return self.layout == "sweep"

    @property
    def title(self) -> str:
        """A short human name: the scenario (run), "n scenarios" (compare), the experiment's name."""
        if self.is_sweep:
            exp = self.manifest.get("experiment") or {}
            return str(exp.get("name") or self.path.name)
        names = self.scenario_names
        return names[0] if len(names) == 1 else f"{len(names)} scenarios"

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names (run/compare) or labels (sweep), in order."""
        if self.is_sweep:
            exp = self.manifest.get("experiment") or {}
            labels = [s.get("label") for s in exp.get("scenarios") or [] if s.get("label")]
            if labels:
                return labels
            return list(dict.fromkeys(self.runs["scenario"].astype(str)))
        return [s["scenario"] for s in self.summaries]

    # ------------------------------------------------------------------ run / compare

    @property
    def summaries(self) -> list[dict]:
        """One summary per scenario (``summary.json``, a compare's ``scenarios`` list)."""
        if self.summary_data is None:
            return []
        if "scenarios" in self.summary_data:
            return list(self.summary_data["scenarios"])
        return [self.summary_data]

    @property
    def differences(self) -> list[dict]:
        """Paired differences from the first scenario (compare only)."""
        return list((self.summary_data or {}).get("differences") or [])

    @cached_property
    def meetings(self) -> pd.DataFrame:
        """One row per (scenario, replication, meeting)."""
        return self._read("meetings")

    @cached_property
    def members(self) -> pd.DataFrame:
        """One row per (scenario, replication, meeting, member)."""
        return self._read("members")

    @cached_property
    def items(self) -> pd.DataFrame:
        """One row per agenda item."""
        return self._read("items")

    def _read(self, table: str) -> pd.DataFrame:
        p = self.path / f"{table}.parquet"
        try:
            return pd.read_parquet(p, engine="pyarrow")
        except Exception as exc:  # noqa: BLE001 - an unreadable table is bad input, not a bug
            raise _fail(self.path, f"{table}.parquet cannot be read ({type(exc).__name__}); "
                        f"expected {EXPECTED}") from None

    def member_names(self, scenario: str) -> list[str]:
        """The scenario's members in file order (summary.json sorts them by name)."""
        cfg = self.configs().get(scenario)
        if cfg is not None:
            return list(cfg.names)
        m = self.members
        names = m.loc[m["scenario"].astype(str) == scenario, "member"].astype(str)
        if len(names):
            return list(dict.fromkeys(names))
        for s in self.summaries:
            if s["scenario"] == scenario:
                return list(s.get("members") or {})
        return []

    def events(self, scenario: str) -> list[tuple[int, str]]:
        """Accessions during the run as ``(first meeting with the new members, label)``."""
        for s in self.summaries:
            if s["scenario"] == scenario:
                return [(int(p["first_meeting"]), "+" + ", ".join(p["joined"]))
                        for p in s.get("periods") or [] if p.get("joined")]
        return []

    def presence(self) -> pd.DataFrame:
        """``scenario, meeting, member, present``: who sat at each meeting (same in every replication)."""
        m = self.members
        if "present" not in m.columns:
            return pd.DataFrame(columns=["scenario", "meeting", "member", "present"])
        return (m.groupby(["scenario", "meeting", "member"], sort=False)["present"].max()
                .reset_index())

    # ------------------------------------------------------------------ scenario files

    def scenario_files(self) -> list[ScenarioFile]:
        """The scenario files recorded in the manifest, found and checked against their hashes.

        A recorded relative path is looked up from the current directory, then from the results
        folder and its parent. The configuration is built only for files whose SHA-256 still
        matches (the file the results came from).
        """
        if self._configs is not None:
            return self._configs
        from ..inputs.scenario import load_scenario, scenario_hash

        meetings = self.manifest.get("meetings")
        if self.is_sweep:
            exp = self.manifest.get("experiment") or {}
            entries = [{"name": s.get("label"), "path": s.get("path"), "sha256": s.get("sha256")}
                       for s in exp.get("scenarios") or []]
            meetings = exp.get("meetings", meetings)
        else:
            entries = list(self.manifest.get("scenarios") or [])
        out = []
        for e in entries:
            recorded = str(e.get("path") or "")
            found = self._find(recorded)
            sha = e.get("sha256")
            sf = ScenarioFile(str(e.get("name") or recorded), recorded, sha, found, "missing")
            if found is not None:
                try:
                    now = scenario_hash(found)
                except Exception as exc:  # noqa: BLE001
                    sf.error = f"{type(exc).__name__}: {exc}"
                    now = None
                sf.status = "unknown" if not sha else ("unchanged" if now == sha else "changed")
                if sf.status in ("unchanged", "unknown") and now is not None:
                    try:
                        sf.config = build_config(load_scenario(found),
                                                 meetings=int(meetings) if meetings else None)
                    except InputError as exc:
                        sf.error = exc.one_line()
            out.append(sf)
        self._configs = out
        return out

    def _find(self, recorded: str) -> Path | None:
        if not recorded:
            return None
        p = Path(recorded)
        candidates = [p] if p.is_absolute() else [p, self.path / p, self.path.parent / p]
        for c in candidates:
            if c.is_file():
                return c
        return None

    def configs(self) -> dict[str, Config]:
        """Configurations of the scenario files that are found and unchanged, by scenario name."""
        return {sf.name: sf.config for sf in self.scenario_files() if sf.config is not None}

    # ------------------------------------------------------------------ sweep

    @cached_property
    def runs(self) -> pd.DataFrame:
        """A sweep's run rows (one per design point and replication), ``status == "ok"`` only."""
        from .store import ResultStore

        df = ResultStore(self.path).read_runs()
        if "status" in df.columns:
            df = df[df["status"] == "ok"].reset_index(drop=True)
        return df

    @property
    def parameters(self) -> list[str]:
        """A sweep's parameter columns (dotted paths)."""
        return list(self.manifest.get("parameters") or [])

    @property
    def design(self) -> str | None:
        """A sweep's design type (factorial, lhs, random, sobol, morris)."""
        exp = self.manifest.get("experiment") or {}
        return (exp.get("design") or {}).get("type")

    def sensitivity(self, metric: str = "deadlock_rate") -> pd.DataFrame | None:
        """Sobol / Morris indices of a sobol or morris sweep (None for other designs).

        The experiment is rebuilt from the manifest (its files must still exist); raises
        InputError when that fails.
        """
        if self.design not in ("sobol", "morris"):
            return None
        if metric not in self._indices:
            from .experiment import from_description
            from .sensitivity import analyze

            exp = from_description(self.manifest.get("experiment") or {})
            self._indices[metric] = analyze(exp, self.runs, metric)
        return self._indices[metric]


    def attribution(self) -> pd.DataFrame | None:
        """A sweep's attribution table (None without scenarios to attribute).

        Computed from the run rows (paired differences by replication; nothing is re-run); only
        experiments with an ``[attribution]`` chain have one.
        """
        if not self.is_sweep:
            return None
        exp = self.manifest.get("experiment") or {}
        if not exp.get("attribution"):
            return None
        if "attribution" not in self._indices:
            from .experiment import attribution, from_description

            self._indices["attribution"] = attribution(self.runs, from_description(exp))
        return self._indices["attribution"]

    def chairs(self, scenario: str) -> list[str]:
        """The chair of meetings 1, 2, ... of a run's scenario ([] when its file is not found)."""
        cfg = self.configs().get(scenario)
        if cfg is None:
            return []
        return [cfg.names[cfg.chair(m)] for m in range(cfg.meetings)]


def _read_json(path: Path, folder: Path, name: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise _fail(folder, f"{name} is not readable JSON; expected {EXPECTED}") from None


def load_results(results_dir: str | Path) -> Results:
    """Check a results folder and return it; InputError (field ``RESULTS``) if it is not one."""
    path = Path(results_dir)
    if not path.exists():
        raise _fail(path, f"no such folder; expected {EXPECTED}")
    if not path.is_dir():
        raise _fail(path, f"is a file, not a folder; expected {EXPECTED}")
    mpath = path / "manifest.json"
    if not mpath.is_file():
        raise _fail(path, f"has no manifest.json; expected {EXPECTED}")
    manifest = _read_json(mpath, path, "manifest.json")
    if not isinstance(manifest, dict):
        raise _fail(path, f"manifest.json is not an object; expected {EXPECTED}")
    if manifest.get("format") == SWEEP_FORMAT:
        from .store import ResultStore

        store = ResultStore(path)
        done = store.done("runs")
        if not done:
            raise _fail(path, "the sweep has no finished runs yet (runs/*.parquet); run or resume "
                        "it with the command in manifest.json")
        store.check_readable("runs")  # a damaged or foreign chunk is named, not read
        tasks = manifest.get("tasks")
        if isinstance(tasks, int) and len(done) < tasks:
            raise _fail(path, f"the sweep is incomplete ({len(done)} of {tasks} tasks finished); "
                        "resume it with the command in manifest.json")
        return Results(path, "sweep", manifest)
    if "format" in manifest:
        raise _fail(path, f"manifest.json has format {manifest['format']!r}, which sco-sim does not "
                    f"read; expected {EXPECTED}")
    missing_keys = [k for k in ("scenarios", "seed", "replications", "command") if k not in manifest]
    if missing_keys or not isinstance(manifest.get("scenarios"), list) or not manifest["scenarios"]:
        raise _fail(path, f"manifest.json is not an sco-sim manifest (missing {missing_keys or ['scenarios']}); "
                    f"expected {EXPECTED}")
    missing = [f for f in RUN_FILES if not (path / f).is_file()]
    if missing:
        raise _fail(path, f"is incomplete: {', '.join(missing)} missing; expected {EXPECTED}")
    summary = _read_json(path / "summary.json", path, "summary.json")
    if not isinstance(summary, dict) or not ("scenarios" in summary or "metrics" in summary):
        raise _fail(path, f"summary.json is not an sco-sim summary; expected {EXPECTED}")
    layout = "compare" if "scenarios" in summary else "run"
    return Results(path, layout, manifest, summary)
