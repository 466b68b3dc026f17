"""What a run reports, declared once: the columns of the meetings, members and items tables and
the outcome codes of an agenda item.

The Mesa model's DataCollector, the compiled engine's table builder, summaries, sweeps and the
documentation all read these declarations; docs/MODEL.md section 9 describes them.
"""

from __future__ import annotations

from typing import NamedTuple

NO_TEXT, CONSENSUS, SUBSET = 0, 1, 2
OUTCOME_NAMES = ("none", "consensus", "subset")  # index = outcome code


class Column(NamedTuple):
    """One column of a results table: its name, dtype and meaning."""

    name: str
    dtype: str
    doc: str


MEETING_COLUMNS = (
    Column("replication", "int64", "replication number (its random streams)"),
    Column("meeting", "int64", "meeting number, from 1"),
    Column("members_present", "int64", "members in the organisation at this meeting"),
    Column("items", "int64", "agenda items negotiated"),
    Column("adopted", "int64", "items ending with a text (consensus + subset)"),
    Column("consensus", "int64", "items ending with a text every member present accepts"),
    Column("subset_texts", "int64", "items ending with a text of the others (a few members objecting)"),
    Column("deadlocked", "int64", "items ending with no text"),
    Column("null_drafts", "int64", "items whose first draft left the status quo where it was"),
    Column("rounds", "int64", "consultation (amendment) rounds tabled"),
    Column("carried_in", "int64", "items carried over from the last meeting"),
    Column("side_payments", "int64", "items passed by buying objectors off"),
    Column("side_payment_total", "float64", "utility paid in side payments"),
)
MEMBER_COLUMNS = (
    Column("replication", "int64", "replication number"),
    Column("meeting", "int64", "meeting number, from 1"),
    Column("member", "object", "member state"),
    Column("present", "bool", "whether it had joined by this meeting"),
    Column("objections", "int64", "items it objected to (at the last vote taken)"),
    Column("sole_vetoes", "int64", "items without a consensus text on which it was the only objector"),
    Column("distance_to_status_quo", "float64", "its salience-weighted distance to the status quo after the meeting"),
    Column("tolerance", "float64", "its tolerance (sense of community) after the meeting"),
)
ITEM_COLUMNS = (
    Column("replication", "int64", "replication number"),
    Column("meeting", "int64", "meeting number, from 1"),
    Column("item", "int64", "agenda slot, from 1"),
    Column("issue_area", "object", "the dimension(s) the item concerns, joined by '+'"),
    Column("carried_over", "bool", "carried over from the last meeting"),
    Column("proposer", "object", "the member that drafted it"),
    Column("adopted", "bool", "it ended with a text"),
    Column("outcome", "object", "'consensus', 'subset' (a text of the others) or 'none'"),
    Column("null_draft", "bool", "the first draft left the status quo where it was"),
    Column("rounds", "int64", "consultation rounds tabled"),
    Column("objectors", "object", "members objecting at the last vote, joined by ';'"),
    Column("payer", "object", "the major power that paid objectors off, or ''"),
    Column("side_payment", "float64", "utility paid"),
)
TABLES = {"meetings": MEETING_COLUMNS, "members": MEMBER_COLUMNS, "items": ITEM_COLUMNS}
