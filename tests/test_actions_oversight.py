"""The problem profile's oversight of the action register (issue 17, clause 5): figures per
quarter pinned on a hand-made register (on time, late, declined, missed, overdue at the
quarter's end; by kind and by neighbourhood), the findings in words, the page when the
register was never synced, and no names in the profile on either store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from perp_graph import api
from perp_graph.analytics.profile import FORCE, AreaProfile, Profile, history, quarters
from perp_graph.analytics.profile_actions import NEVER_SYNCED, add_oversight, oversight
from perp_graph.analytics.register import Change, Item, Recommendation
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.store.protocol import GraphStore
from tests.records import Records

D = dt.date.fromisoformat
AS_OF = D("2026-09-30")
PERIODS = quarters(AS_OF, 1)  # 2025 Q4, 2026 Q1, Q2, Q3


def at(day: str) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(10, 0), tzinfo=dt.UTC)


def item(
    name: str,
    kind: str,
    neighbourhood: str | None,
    raised: str,
    due: str,
    *events: tuple[str, str, str],
) -> Item:
    """An item raised on `raised`, due by `due`, then each (day, status, note) in turn."""
    history = [Change(at(raised), "sync", "open", None, "raised")]
    history += [Change(at(day), "u1", status, None, note) for day, status, note in events]
    last = history[-1]
    return Item(
        id=f"A-{name}",
        person_id=f"S-{name}",
        neighbourhood=neighbourhood,
        kind=kind,
        key="",
        text="do it",
        reason="because",
        evidence_ids=(),
        raised_on=D(raised),
        due_by=D(due),
        status=last.status,
        note=last.note,
        changed_by=last.user,
        changed_at=last.at,
        history=tuple(history),
    )


RECONTACT = "recontact_victims_before_release"
REGISTER = [
    # re-contact, Northside: done before, on and after the due date
    item("A", RECONTACT, "Northside", "2026-07-01", "2026-07-20", ("2026-07-15", "done", "")),
    item("B", RECONTACT, "Northside", "2026-07-01", "2026-07-20", ("2026-07-20", "done", "")),
    item("C", RECONTACT, "Northside", "2026-07-01", "2026-07-20", ("2026-07-21", "done", "")),
    # disclosure, Southside: overdue at the end of Q2, declined in Q3
    item(
        "D",
        "clares_law_disclosure",
        "Southside",
        "2026-04-10",
        "2026-05-15",
        ("2026-08-01", "declined", "no"),
    ),
    # MATAC: superseded after its due date (missed); one due on Q3's last day, still open
    item(
        "E",
        "matac_referral",
        "Northside",
        "2026-08-01",
        "2026-08-29",
        ("2026-09-05", "superseded", "superseded: released"),
    ),
    item("F", "matac_referral", "Northside", "2026-08-01", "2026-09-30"),
    # MARAC, Southside: open and overdue at the end of Q3
    item("G", "marac_referral", "Southside", "2026-09-01", "2026-09-08"),
    # protective order, no neighbourhood: superseded before its due date (no failure)
    item(
        "H",
        "protective_order",
        None,
        "2026-06-01",
        "2026-06-10",
        ("2026-06-05", "superseded", "superseded: order made"),
    ),
    # done on time in Q2; the sync's later "reason gone" note does not move it to Q3
    item(
        "I",
        "matac_referral",
        "Northside",
        "2026-04-01",
        "2026-04-08",
        ("2026-04-05", "done", "referred"),
        ("2026-08-01", "done", "reason gone: no longer escalating"),
    ),
]


def test_figures_per_quarter_on_a_hand_made_register():
    result = oversight(REGISTER, PERIODS, D("2026-09-30"), by_neighbourhood=True)
    assert result.synced and result.started == D("2026-04-01") and result.first == 2
    assert result.total.as_json() == {
        # before the register started: no figures, not zeros
        "raised": [None, None, 3, 6],
        "done_on_time": [None, None, 1, 2],
        "done_late": [None, None, 0, 1],
        "declined": [None, None, 0, 1],
        "missed": [None, None, 0, 1],
        "overdue_at_end": [None, None, 1, 1],
    }


def test_figures_by_kind_and_by_neighbourhood():
    result = oversight(REGISTER, PERIODS, D("2026-09-30"), by_neighbourhood=True)
    assert list(result.by_kind) == [
        RECONTACT,
        "clares_law_disclosure",
        "matac_referral",
        "marac_referral",
        "protective_order",
    ]
    recontact = result.by_kind[RECONTACT].at(3)
    assert recontact == {
        "raised": 3,
        "done_on_time": 2,
        "done_late": 1,
        "declined": 0,
        "missed": 0,
        "overdue_at_end": 0,
    }
    matac = result.by_kind["matac_referral"]
    assert matac.done_on_time[2:] == [1, 0] and matac.missed[2:] == [0, 1]
    assert matac.overdue_at_end[2:] == [0, 0]  # F is due on the quarter's last day: not yet
    assert list(result.by_neighbourhood) == ["Northside", "Southside", "not recorded"]
    south = result.by_neighbourhood["Southside"]
    assert south.overdue_at_end[2:] == [1, 1] and south.declined[2:] == [0, 1]
    assert result.by_neighbourhood["not recorded"].raised[2:] == [1, 0]


def test_the_findings_say_it_in_words():
    result = oversight(REGISTER, PERIODS, D("2026-09-30"))
    assert result.findings[0] == (
        "All actions: 2 of 4 done on time in 2026 Q3 (50%); 1 late, 1 missed; "
        "1 overdue and open on 30 Sep 2026."
    )
    assert (
        "Re-contact victims: 2 of 3 done on time in 2026 Q3 (67%); 1 late; "
        "0 overdue and open on 30 Sep 2026."
    ) in result.findings
    assert (
        "MARAC referral: none done or missed in 2026 Q3; 1 overdue and open on 30 Sep 2026."
    ) in result.findings


def test_a_partial_quarter_says_so():
    periods = quarters(D("2026-08-31"), 1)
    result = oversight(REGISTER, periods, D("2026-08-31"))
    assert result.findings[0].startswith(
        "All actions: 2 of 3 done on time in 2026 Q3 so far (to 31 Aug 2026, 62 of 92 days) (67%)"
    )


def test_a_register_never_synced_gives_no_figures():
    profile = Profile(
        AS_OF,
        PERIODS,
        AreaProfile(FORCE),
        (AreaProfile("Northside"),),
        False,
        history(PERIODS, None, 3),
        3,
    )
    add_oversight(profile, [], None)
    assert profile.force.actions is not None and not profile.force.actions.synced
    assert profile.force.findings == []  # the records' findings are left alone
    shown = profile.as_json()
    assert shown["force"]["actions"] == {"synced": False, "note": NEVER_SYNCED}
    assert shown["neighbourhoods"][0]["actions"]["synced"] is False


def test_a_neighbourhood_without_items_counts_zeros_from_the_register_start():
    profile = Profile(
        AS_OF,
        PERIODS,
        AreaProfile(FORCE),
        (AreaProfile("Northside"), AreaProfile("Eastside")),
        False,
        history(PERIODS, None, 3),
        3,
    )
    add_oversight(profile, REGISTER, D("2026-09-30"))
    east = profile.neighbourhoods[1].actions
    assert east is not None and east.synced and east.first == 2
    assert east.total.raised == [None, None, 0, 0]
    north = profile.neighbourhoods[0].actions
    assert north is not None and north.total.raised == [None, None, 1, 5]


# --- through the profile job, on both stores --------------------------------------------------


def records() -> Records:
    r = Records()
    r.person("S1", home_neighbourhood="Northside", surname="Zebedee", forenames="Quentin")
    r.person("V1", surname="Marchbanks", forenames="Olwen")
    r.person("V2", surname="Featherstonehaugh", forenames="Ysolde")
    r.abuse("I1", "2026-01-10", "S1", "V1", neighbourhood="Northside")
    r.abuse("I2", "2026-03-01", "S1", "V2", neighbourhood="Northside")
    return r


def recommendation(kind: str, due: str) -> Recommendation:
    return Recommendation(
        person_id="S1",
        neighbourhood="Northside",
        kind=kind,
        key="V2",
        text="Disclose to V2",
        reason="reason-7c1e about S1 and V2",
        evidence_ids=("I2",),
        raised_on=D("2026-07-01"),
        due_by=D(due),
    )


def test_the_profile_shows_the_register_and_never_names_anyone(
    store: GraphStore, store_settings: Settings, tmp_path: Path
):
    load_folder(records().write(tmp_path / "data"), store, store_settings)
    out = api.profile(store_settings, tmp_path / "never", as_of=AS_OF, years=1)
    page = out.index.read_text()
    assert page.count("never been synced") == 2  # in the key findings and its section
    assert json.loads((out.folder / "profile.json").read_text())["force"]["actions"] == {
        "synced": False,
        "note": NEVER_SYNCED,
    }
    store.register().sync(
        [recommendation("clares_law_disclosure", "2026-07-20")],
        {"S1"},
        D("2026-07-01"),
        at=at("2026-07-01"),
        user="sync",
    )
    out = api.profile(store_settings, tmp_path / "synced", as_of=AS_OF, years=1)
    figures = json.loads((out.folder / "profile.json").read_text())["force"]["actions"]
    assert figures["synced"] and figures["total"]["raised"] == [None, None, None, 1]
    assert figures["total"]["overdue_at_end"] == [None, None, None, 1]
    assert figures["by_neighbourhood"]["Northside"]["raised"][-1] == 1
    page = out.index.read_text()
    assert "Actions: are they carried out, and in time?" in page
    assert "All actions: none done or missed in 2026 Q3; 1 overdue and open on 30 Sep 2026." in page
    assert "Clare&#39;s Law disclosure" in page or "Clare's Law disclosure" in page
    for path in out.files:
        text = path.read_text()
        for word in ("Zebedee", "Quentin", "Marchbanks", "Olwen", "Featherstonehaugh", "Ysolde"):
            assert word not in text, (path, word)
        assert "Disclose to V2" not in text and "reason-7c1e" not in text
