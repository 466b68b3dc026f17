"""The SCO record (sco_sim/case/data/): it loads through the package, is internally consistent,
every value is sourced, and the history scenario takes its meetings and chairs from it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SCENARIOS, build_package

from sco_sim.case import record
from sco_sim.inputs.config import build_config
from sco_sim.inputs.errors import InputError
from sco_sim.inputs.scenario import load_raw, parse_scenario
from sco_sim.model.agenda import major_weights

FOUNDERS = ["China", "Russia", "Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan"]
HISTORY = SCENARIOS / "sco_history_2001_2025.toml"
TABLES = {"summits": record.summits, "blockages": record.blockages, "accessions": record.accessions}
SOURCE_COLUMNS = {name: [c for c in load().columns if c == "source" or c.endswith("_source") or c == "source_alt"]
                  for name, load in TABLES.items()}


# --------------------------------------------------------------------------- loading


def test_the_tables_ship_inside_the_package():
    folder = resources.files("sco_sim.case").joinpath("data")
    for name in ("summits.csv", "blockages.csv", "accessions.csv", "README.md"):
        assert folder.joinpath(name).is_file(), name


def test_pyproject_declares_them_as_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = cfg["tool"]["setuptools"]["package-data"]["sco_sim.case"]
    package = ROOT / "sco_sim" / "case"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert shipped == set((package / "data").iterdir())


def test_a_built_package_ships_and_loads_them(tmp_path):
    """Built as a wheel would be (setuptools build_py, outside the source tree), the record loads."""
    build_package(tmp_path)
    load = ("import sco_sim.case.record as r, sys; assert r.__file__.startswith(sys.argv[1]); "
            "print(len(r.summits()), len(r.blockages()), len(r.accessions())); "
            "print([m for m in ('click', 'matplotlib', 'rich', 'sco_sim.cli') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", load, str(tmp_path / "lib")], cwd=tmp_path, check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tmp_path / "lib")})
    counts, imported = out.stdout.splitlines()
    assert counts == f"{len(record.summits())} {len(record.blockages())} {len(record.accessions())}"
    assert imported == "[]"  # the loader is pure pandas: no CLI or plotting


def test_columns_are_typed():
    s = record.summits()
    assert str(s["date"].dtype).startswith("datetime64")
    assert s["documents"].dtype == "Int64" and s["meeting"].dtype == "Int64"
    assert s["declaration_signed_by_all"].dtype == "boolean"
    assert all(isinstance(v, tuple) for v in s["members_present"])
    assert str(record.blockages()["date"].dtype).startswith("datetime64")


# --------------------------------------------------------------------------- summits


def test_25_summits_one_a_year_with_unique_increasing_dates():
    s = record.summits()
    assert len(s) == 25
    assert list(s["meeting"]) == list(range(1, 26))
    assert list(s["year"]) == list(range(2001, 2026))
    assert s["date"].is_unique and s["date"].is_monotonic_increasing
    starts = s["date_start"].dropna()
    assert (starts < s.loc[starts.index, "date"]).all()


def test_first_and_last_summits():
    s = record.summits()
    assert (s.iloc[0]["host_city"], s.iloc[0]["date"]) == ("Shanghai", pd.Timestamp("2001-06-15"))
    assert (s.iloc[-1]["host_city"], s.iloc[-1]["date"]) == ("Tianjin", pd.Timestamp("2025-09-01"))


@pytest.mark.parametrize("year, expected", [
    (2001, FOUNDERS), (2016, FOUNDERS),
    (2017, FOUNDERS + ["India", "Pakistan"]), (2022, FOUNDERS + ["India", "Pakistan"]),
    (2023, FOUNDERS + ["India", "Pakistan", "Iran"]),
    (2024, FOUNDERS + ["India", "Pakistan", "Iran", "Belarus"]),
    (2025, FOUNDERS + ["India", "Pakistan", "Iran", "Belarus"]),
])
def test_members_per_year_follow_the_accession_dates(year, expected):
    assert record.members_in(year) == expected


def test_a_member_counts_from_its_accession_date():
    assert "India" not in record.members_on("2017-06-08")
    assert "India" in record.members_on("2017-06-09")


def test_members_present_at_each_summit_are_the_members_on_its_date():
    for _, r in record.summits().iterrows():
        assert sorted(r["members_present"]) == sorted(record.members_on(r["date"])), r["meeting"]


def test_admitted_members_are_those_whose_accession_is_that_meeting():
    acc = record.accessions().query("status == 'member'")
    for _, r in record.summits().iterrows():
        joined = acc.loc[acc["meeting"] == r["meeting"], "state"]
        assert sorted(r["admitted"]) == sorted(joined), r["meeting"]
        assert (acc.loc[acc["meeting"] == r["meeting"], "date"] == r["date"]).all()


def test_every_chair_is_present_and_chair_basis_says_where_it_comes_from():
    for _, r in record.summits().iterrows():
        assert r["chair"] in r["members_present"]
        if r["chair_basis"] == "host":
            assert r["chair"] == r["host_country"]


def test_document_counts_are_non_negative_integers_where_present():
    s = record.summits()
    for col in ("documents", "documents_alt", "documents_approx", "documents_named"):
        present = s[col].dropna()
        assert (present >= 0).all(), col
    # a total is described, and a lower bound is only given where no total exists
    assert (s.loc[s["documents"].notna(), "documents_counted"] != "").all()
    assert s.loc[s["documents_named"].notna(), "documents"].isna().all()


def test_texts_without_a_member_agree_with_the_blockages_table():
    s = record.summits().set_index("meeting")
    hos = record.blockages().query("body == 'heads_of_state'")
    for meeting, r in s.iterrows():
        rows = hos[hos["meeting"] == meeting]
        assert (r["texts_without_member"] != "") == (len(rows) > 0), meeting
        assert len(rows) == (len(r["texts_without_member"].split(";")) if r["texts_without_member"] else 0)
        assert set(r["outside"]) == {m for who in rows["withheld_by"] for m in who}, meeting
        assert (rows["date"] == r["date"]).all(), meeting


# --------------------------------------------------------------------------- sources


@pytest.mark.parametrize("name", TABLES)
def test_every_row_has_a_source_address(name):
    df = TABLES[name]()
    assert (df["source"] != "").all()
    for col in SOURCE_COLUMNS[name]:
        filled = df.loc[df[col] != "", col]
        assert filled.map(lambda v: v.startswith(("http://", "https://", "/work/shared/reference/"))).all(), col


def test_every_blockage_member_was_a_member_on_that_date():
    for _, r in record.blockages().iterrows():
        members = record.members_on(r["date"])
        assert set(r["withheld_by"]) <= set(members), r["id"]


# --------------------------------------------------------------------------- validation can fail


def _swap(monkeypatch, name: str, edit) -> None:
    """Make the loader read an edited copy of one table."""
    original = record._read

    def read(file: str) -> pd.DataFrame:
        df = original(file)
        return edit(df) if file == name else df

    monkeypatch.setattr(record, "_read", read)


@pytest.mark.parametrize("name, edit, message", [
    ("summits.csv", lambda df: df.assign(source=[""] + list(df["source"][1:])), "source: a value is required"),
    ("summits.csv", lambda df: df.assign(documents=["-3"] + list(df["documents"][1:])), "non-negative integer"),
    ("summits.csv", lambda df: df.assign(chair=["Mongolia"] + list(df["chair"][1:])), "unknown member"),
    ("summits.csv", lambda df: df.assign(documents_source=[""] + list(df["documents_source"][1:])),
     "documents is filled but documents_source is empty"),
    ("summits.csv", lambda df: df.drop(columns="notes"), "columns"),
    ("summits.csv", lambda df: df.iloc[::-1].reset_index(drop=True), "meeting must number the rows"),
    ("blockages.csv", lambda df: df.assign(source=["see above"] + list(df["source"][1:])), "page address"),
    ("blockages.csv", lambda df: df.assign(kind=["walked_out"] + list(df["kind"][1:])), "is not one of"),
    ("accessions.csv", lambda df: df.assign(date=["15 June 2001"] + list(df["date"][1:])), "YYYY-MM-DD"),
])
def test_a_malformed_table_is_rejected_on_load(monkeypatch, name, edit, message):
    _swap(monkeypatch, name, edit)
    loader = {"summits.csv": record.summits, "blockages.csv": record.blockages,
              "accessions.csv": record.accessions}[name]
    with pytest.raises(record.RecordError, match=message):
        loader()


# --------------------------------------------------------------------------- helpers for the calibration


def test_documents_by_period_summarises_the_sourced_counts():
    s = record.summits()
    table = record.documents_by_period()
    assert list(table.index) == ["2001-2017", "2018-2025"]
    assert list(table["summits"]) == [17, 8]
    late = s.loc[s["year"] >= 2018, "documents"].dropna().astype(float)
    assert table.loc["2018-2025", "counted"] == len(late)
    assert table.loc["2018-2025", "mean"] == pytest.approx(late.mean())
    assert table.loc["2018-2025", "min"] == late.min() and table.loc["2018-2025", "max"] == late.max()


def test_texts_without_member_per_year_counts_every_blockage_once():
    per_year = record.texts_without_member_per_year()
    blk = record.blockages()
    assert list(per_year.index) == list(range(2001, 2026))
    assert per_year.sum() == blk["kind"].isin(record.TEXT_KINDS).sum()
    assert per_year.loc[:2017].sum() == 0  # no text without a member is on record before India's accession
    everything = record.texts_without_member_per_year(kinds=record.KINDS)
    assert everything.sum() == len(blk) and (everything >= per_year).all()
    heads = record.texts_without_member_per_year(bodies=("heads_of_state",))
    assert heads.loc[2018:].gt(0).all()  # the Belt and Road paragraph, every summit since Qingdao


def test_per_meeting_lines_up_with_the_history_scenario():
    table = record.per_meeting()
    cfg = build_config(parse_scenario(load_raw(HISTORY), str(HISTORY)))
    assert list(table["meeting"]) == list(range(1, cfg.meetings + 1))
    assert list(table["members"]) == [int(cfg.present(m).sum()) for m in table["meeting"]]
    assert list(table["chair"]) == [cfg.names[cfg.chair(m - 1)] for m in table["meeting"]]
    # the first text without a member is at the meeting where the history file starts subset texts
    first = int(table.loc[table["texts_without_member"] > 0, "meeting"].min())
    assert first == load_raw(HISTORY)["rule"]["subset_texts_from"] == 18
    assert table["texts_without_member"].sum() == len(
        record.blockages().query("body == 'heads_of_state' and kind in @record.TEXT_KINDS"))


def test_outside_members_counts_who_withheld_consent():
    outside = record.outside_members()
    blk = record.blockages().query("kind in @record.TEXT_KINDS")
    assert outside.sum() == sum(len(w) for w in blk["withheld_by"])
    assert outside["India"] == sum("India" in w for w in blk["withheld_by"])


# --------------------------------------------------------------------------- the history scenario


def test_history_scenario_takes_its_meetings_and_chairs_from_the_record():
    cfg = build_config(parse_scenario(load_raw(HISTORY), str(HISTORY)))
    assert cfg.meetings == len(record.summits())
    assert [cfg.names[cfg.chair(m)] for m in range(cfg.meetings)] == record.chairs()


def test_history_scenario_accessions_match_the_record():
    raw = load_raw(HISTORY)
    joins = {m["name"]: m.get("joins", 1) for m in raw["members"]}
    acc = record.accessions().query("status == 'member'").set_index("state")["meeting"]
    assert joins == {state: int(meeting) for state, meeting in acc.items()}


def _history_with(**agenda) -> dict:
    raw = load_raw(HISTORY)
    raw["agenda"] = {**raw["agenda"], **agenda}
    return raw


@pytest.mark.parametrize("chairs, field, message", [
    (["China"] * 24, "agenda.chairs", "one chair per meeting (25), got 24"),
    (["China"] * 24 + ["Mongolia"], "agenda.chairs[24]", "unknown member 'Mongolia'"),
    (["China"] * 3 + ["India"] + ["China"] * 21, "agenda.chairs[3]", "India chairs meeting 4 but joins at meeting 17"),
])
def test_a_bad_chair_sequence_is_rejected(chairs, field, message):
    with pytest.raises(InputError) as err:
        parse_scenario(_history_with(chairs=chairs), "history.toml")
    assert any(p.field == field and message in p.message for p in err.value.problems), err.value.problems


def test_first_chair_must_agree_with_the_chair_sequence():
    with pytest.raises(InputError) as err:
        parse_scenario(_history_with(first_chair="Russia"), "history.toml")
    assert any(p.field == "agenda.first_chair" for p in err.value.problems)


def test_past_the_listed_chairs_the_rotation_continues_from_the_last_one():
    cfg = build_config(parse_scenario(load_raw(HISTORY), str(HISTORY)), meetings=27)
    order = [cfg.names[i] for i in cfg.chair_order]
    after_last = order[(order.index(record.chairs()[-1]) + 1) % len(order)]
    assert cfg.names[cfg.chair(25)] == after_last
    assert cfg.chair(26) != cfg.chair(25)


def test_without_a_sequence_the_chair_rotates_as_before():
    raw = load_raw(HISTORY)
    raw["agenda"].pop("chairs")
    cfg = build_config(parse_scenario(raw, str(HISTORY)))
    assert cfg.chairs is None
    assert cfg.names[cfg.chair(0)] == "China"  # first_chair


# --------------------------------------------------------------------------- claims in docs/DATA.md


def _config(name: str, edit=None):
    path = SCENARIOS / name
    raw = load_raw(path)
    if edit is not None:
        edit(raw)
    return build_config(parse_scenario(raw, str(path)))


def _halve_india(raw: dict) -> None:
    for m in raw["members"]:
        if m["name"] == "India":
            m["capability"] /= 2


def test_capability_enters_the_default_sco_runs():
    """DATA.md 2.4: the majors' agenda share and side-payment budgets both read capability."""
    base, half = _config("sco_2017_3plus5.toml"), _config("sco_2017_3plus5.toml", _halve_india)
    assert base.major_agenda_share > 0 and base.side_payments and base.side_budget > 0
    india, present = base.names.index("India"), base.present(1)
    assert half.budgets(1)[india] < base.budgets(1)[india]
    majors = np.array([g == "major" for g in base.groups])
    assert not np.allclose(major_weights(base.capability, majors, present),
                           major_weights(half.capability, majors, present))


def test_the_2017_file_adds_members_rivalries_and_subset_texts():
    """DATA.md: the 2001 -> 2017 comparison changes the rule too, not membership alone."""
    before, after = _config("sco_2001_2plus4.toml"), _config("sco_2017_3plus5.toml")
    assert (before.subset_texts, after.subset_texts) == (0, 1)
    assert set(after.names) - set(before.names) == {"India", "Pakistan"}
    assert np.isnan(before.rivalry).all() and (~np.isnan(after.rivalry)).sum() == 4  # two pairs, both ways


def test_the_2023_and_2024_files_move_the_first_chair():
    """DATA.md: first_chair China (2001, 2017), Kazakhstan (2023), China (2024)."""
    firsts = [_config(f) for f in ("sco_2001_2plus4.toml", "sco_2017_3plus5.toml",
                                   "sco_2023_iran.toml", "sco_2024_belarus.toml")]
    assert [c.names[c.chair(0)] for c in firsts] == ["China", "China", "Kazakhstan", "China"]


def test_the_figures_docs_data_md_states_about_the_record():
    """DATA.md section 5 counts rows and gaps; a change to the tables must update it."""
    s, blk = record.summits(), record.blockages()
    assert blk["kind"].value_counts().to_dict() == {"subset_text": 14, "no_text": 1, "stalled_proposal": 1}
    assert set(blk.loc[blk["kind"] == "subset_text", "withheld_by"]) == {("India",)}
    assert list(s.loc[s["documents"].isna(), "year"]) == [2003, 2004, 2005, 2007, 2008, 2009, 2010, 2011,
                                                          2013, 2014, 2015, 2022]
    assert list(record.documents_by_period()["counted"]) == [6, 7]
    assert list(s.loc[s["chair_basis"] == "host", "year"]) == [2002, 2005]


def test_every_reported_declaration_was_signed_by_all():
    """MODEL.md section 11: 23 meetings have a page on the signing, and none reports a member not signing."""
    signed = record.summits()["declaration_signed_by_all"]
    assert signed.notna().sum() == 23 and signed.dropna().all()
