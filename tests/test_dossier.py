"""What a briefing says about a perpetrator: one test per judgement the dossier makes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from perp_graph.analytics.acpo import scan
from perp_graph.analytics.dossier import (
    UNKNOWN_NEIGHBOURHOOD,
    Dossier,
    build_dossiers,
    initials,
)
from perp_graph.analytics.routing import route
from perp_graph.model import ScanParameters
from tests.records import Records, records_dataset

AS_OF = "2024-06-30"


def dossiers(records: Records, as_of: str = AS_OF) -> dict[str, Dossier]:
    dataset = records_dataset(records)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(as_of))
    result = scan(dataset, parameters)
    about = dataset.about([f.person_id for f in result.perpetrators])
    return {d.person_id: d for d in build_dossiers(result.perpetrators, about, parameters)}


def serial(r: Records, p: str = "P", first: str = "2022-03-10", second: str = "2023-05-20"):
    """P abuses two unconnected partners inside one window."""
    r.abuse(f"{p}-I1", first, p, f"{p}-V1")
    r.abuse(f"{p}-I2", second, p, f"{p}-V2")


# --- who and why -------------------------------------------------------------------------


def test_who_carries_name_date_of_birth_aliases_pnc_and_home():
    r = Records()
    r.person(
        "P",
        surname="Smith",
        forenames="John",
        date_of_birth="1980-02-03",
        aliases="Jack Smith; J Smyth",
        pnc_id="80/123456A",
        home_neighbourhood="Northgate",
    )
    serial(r)
    d = dossiers(r)["P"]
    assert (d.surname, d.forenames, d.date_of_birth) == ("Smith", "John", dt.date(1980, 2, 3))
    assert d.aliases == ("Jack Smith", "J Smyth")
    assert (d.pnc_id, d.home_neighbourhood) == ("80/123456A", "Northgate")


def test_why_counts_the_victims_in_the_current_window_and_their_months():
    r = Records()
    r.abuse("I0", "2020-01-15", "P", "V0")  # outside the current window
    r.abuse("I1", "2021-07-03", "P", "V1")
    r.abuse("I2", "2022-03-10", "P", "V2")
    r.abuse("I3", "2023-05-20", "P", "V3")
    d = dossiers(r)["P"]
    assert d.status == "current"
    assert d.pattern_victims == 3
    assert d.pattern_window == (dt.date(2021, 6, 30), dt.date(2024, 6, 30))
    assert d.pattern_span == (dt.date(2021, 7, 3), dt.date(2023, 5, 20))


def test_why_uses_the_first_window_for_a_historic_perpetrator():
    r = Records()
    serial(r, first="2015-01-10", second="2016-02-01")
    d = dossiers(r)["P"]
    assert d.status == "historic"
    assert d.pattern_window == (dt.date(2013, 2, 1), dt.date(2016, 2, 1))
    assert d.pattern_victims == 2


# --- timeline --------------------------------------------------------------------------------


def test_timeline_holds_every_incident_in_any_role_up_to_the_as_of_date():
    r = Records()
    serial(r)
    r.incident("N1", "2023-01-01", "criminal_damage", suspects=["P"], victims={"X": "other"})
    r.incident("C1", "2023-02-01", "violence_with_injury", suspects=["V9"], victims={"P": ""})
    r.incident("W1", "2023-03-01", "threats", suspects=["Z"], witnesses=("P",))
    r.abuse("LATE", "2024-07-01", "P", "V5")  # after the as-of date
    d = dossiers(r)["P"]
    assert [(t.incident_id, t.role, t.qualifying) for t in d.timeline] == [
        ("P-I1", "suspect", True),
        ("N1", "suspect", False),
        ("C1", "victim", False),
        ("W1", "witness", False),
        ("P-I2", "suspect", True),
    ]
    counter = next(t for t in d.timeline if t.incident_id == "C1")
    assert [s.person_id for s in counter.suspects] == ["V9"]


# --- victims to safeguard ----------------------------------------------------------------------


def test_victims_are_everyone_the_perpetrator_is_suspect_against_qualifying_first():
    r = Records()
    serial(r)
    r.incident("N1", "2024-01-01", "harassment", suspects=["P"], victims={"X": "family"})
    d = dossiers(r)["P"]
    assert [(v.person.person_id, v.qualifying, v.relationship) for v in d.victims] == [
        ("P-V2", True, "intimate_partner"),
        ("P-V1", True, "intimate_partner"),
        ("X", False, "family"),
    ]


def test_victims_are_masked_as_initials_and_reference_unless_unmasked():
    r = Records()
    r.person("P-V1", surname="Victimson", forenames="Alice Jane")
    serial(r)
    ref = dossiers(r)["P"].victim_ref("P-V1")
    assert ref.label() == "A.V. (ref P-V1)"
    assert "Victimson" not in ref.label() and "Alice" not in ref.label()
    assert ref.label(unmask=True) == "Alice Jane VICTIMSON (P-V1)"


def test_initials_skip_punctuation_and_never_fail():
    assert initials("  'Anne-Marie", "O'Brien") == "A.O."
    assert initials(None, "") == "?.?."


def test_highest_risk_and_incident_counts_per_victim():
    r = Records()
    r.abuse("I1", "2022-01-01", "P", "V1")
    r.incidents[-1]["risk_level"] = "high"
    r.abuse("I2", "2022-06-01", "P", "V1")
    r.incidents[-1]["risk_level"] = "medium"
    r.abuse("I3", "2023-01-01", "P", "V2")
    victim = next(v for v in dossiers(r)["P"].victims if v.person.person_id == "V1")
    assert (victim.incidents, victim.highest_risk) == (2, "high")
    assert (victim.first_on, victim.last_on) == (dt.date(2022, 1, 1), dt.date(2022, 6, 1))


# --- what constrains them now ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "shown", "ending_soon"),
    [
        ("2024-01-01", "2024-06-29", False, False),  # ended the day before
        ("2024-01-01", "2024-06-30", True, True),  # ends on the as-of date: 0 days left
        ("2024-01-01", "2024-07-28", True, True),  # 28 days left
        ("2024-01-01", "2024-07-29", True, False),  # 29 days left
        ("2024-07-01", "2024-12-31", False, False),  # starts after the as-of date
        ("", "", True, False),  # no dates recorded: in force, end unknown
    ],
)
def test_orders_in_force_on_the_as_of_date_and_ending_within_28_days(
    start, end, shown, ending_soon
):
    r = Records()
    serial(r)
    r.order("P", "dvpo", start, end, protected="P-V1")
    d = dossiers(r)["P"]
    assert bool(d.constraints) is shown
    assert bool(d.ending_soon) is ending_soon
    if ending_soon:
        assert d.actions[0].text == "Re-contact and re-assess the victims"
        assert d.actions[0].urgent


def test_custody_shows_the_expected_release_date_first():
    r = Records()
    serial(r)
    r.order("P", "restraining_order", "2023-01-01", "2025-01-01", protected="P-V1")
    r.order("P", "custody", "2024-05-01", "2024-07-10")
    d = dossiers(r)["P"]
    assert [c.order_type for c in d.constraints] == ["custody", "restraining_order"]
    custody = d.constraints[0]
    assert (custody.end_date, custody.days_left, custody.ending_soon) == (
        dt.date(2024, 7, 10),
        10,
        True,
    )
    assert "expected release 10 Jul 2024" in d.actions[0].reason


def test_custody_without_a_release_date_asks_for_it():
    r = Records()
    serial(r)
    r.order("P", "custody", "2024-05-01", "")
    assert any(a.text == "Find out the expected release date" for a in dossiers(r)["P"].actions)


def test_a_victim_is_protected_by_the_orders_in_force_that_name_them():
    r = Records()
    serial(r)
    r.order("P", "non_molestation_order", "2024-01-01", "2025-01-01", protected="P-V2")
    r.order("P", "dvpo", "2023-01-01", "2023-02-01", protected="P-V1")  # ended
    by_id = {v.person.person_id: v for v in dossiers(r)["P"].victims}
    assert by_id["P-V2"].protected_by == ("Non-molestation order",)
    assert by_id["P-V1"].protected_by == ()


# --- flags -------------------------------------------------------------------------------------


def test_flags_firearms_children_and_latest_risk():
    r = Records()
    r.person("P", firearms_certificate=True)
    serial(r)
    r.incidents[0].update(children_present=True, risk_level="high")
    r.incidents[1].update(children_present=False)
    r.incident("N1", "2024-02-01", "harassment", suspects=["P"], victims={"X": ""})
    r.incidents[-1].update(risk_level="medium")
    d = dossiers(r)["P"]
    assert d.firearms_certificate is True
    assert d.children_present_incidents == 1
    assert (d.latest_risk.incident_id, d.latest_risk.risk_level) == ("N1", "medium")
    texts = [a.text for a in d.actions]
    assert "Ask firearms licensing to review the certificate" in texts
    assert "Check children's safeguarding referrals are in place" in texts


# --- partner and Clare's Law -------------------------------------------------------------------


def test_current_partner_is_an_ongoing_intimate_partner_relationship():
    r = Records()
    serial(r)
    r.relate("P", "NEW", "intimate_partner", "2024-03-01", "")
    d = dossiers(r)["P"]
    assert (d.partner.person.person_id, d.partner.current, d.partner.is_victim) == (
        "NEW",
        True,
        False,
    )
    assert any("Clare's Law" in a.text and "current partner" in a.text for a in d.actions)


def test_without_a_current_partner_the_most_recent_one_is_named():
    r = Records()
    serial(r)  # P-V2 on 2023-05-20 is the latest partner seen
    r.relate("P", "OLD", "ex_intimate_partner", "2010-01-01", "2012-01-01")
    d = dossiers(r)["P"]
    assert (d.partner.person.person_id, d.partner.current, d.partner.is_victim) == (
        "P-V2",
        False,
        True,
    )
    assert d.partner.seen_on == dt.date(2023, 5, 20)


def test_an_ended_relationship_is_not_current():
    r = Records()
    serial(r)
    r.relate("P", "EX", "intimate_partner", "2023-06-01", "2024-01-31")
    d = dossiers(r)["P"]
    assert (d.partner.person.person_id, d.partner.current) == ("EX", False)


# --- routing ---------------------------------------------------------------------------------


def test_routed_to_home_and_to_every_qualifying_incidents_neighbourhood():
    r = Records()
    r.person("P", home_neighbourhood="Home")
    serial(r)
    r.incidents[0]["neighbourhood"] = "Away"
    r.incident("N1", "2024-01-01", "harassment", suspects=["P"], victims={"X": ""})
    r.incidents[-1]["neighbourhood"] = "Elsewhere"  # not qualifying: not routed
    d = dossiers(r)["P"]
    assert d.neighbourhoods == ("Away", "Home")
    assert sorted(route([d])) == ["Away", "Home"]


def test_without_any_neighbourhood_the_perpetrator_still_gets_a_pack():
    r = Records()
    serial(r)
    assert dossiers(r)["P"].neighbourhoods == (UNKNOWN_NEIGHBOURHOOD,)


def test_briefing_order_puts_current_and_ending_soon_first():
    r = Records()
    serial(r, "A", "2022-01-01", "2022-02-01")
    serial(r, "B", "2022-01-01", "2022-02-01")
    r.order("B", "custody", "2024-01-01", "2024-07-05")
    serial(r, "H", "2015-01-01", "2015-02-01")  # historic
    r.order("H", "custody", "2024-01-01", "2024-07-05")
    dataset = records_dataset(r)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(AS_OF))
    result = scan(dataset, parameters)
    ordered = build_dossiers(result.perpetrators, dataset.about(["A", "B", "H"]), parameters)
    assert [d.person_id for d in ordered] == ["B", "A", "H"]


# --- issue 16 --------------------------------------------------------------------------------


def test_clause1_custody_ended_in_the_last_7_days_is_a_release_to_act_on():
    r = Records()
    serial(r)
    r.order("P", "custody", "2024-01-01", "2024-06-27")
    r.order("P", "licence", "2024-06-27", "2024-07-20")
    d = dossiers(r)["P"]
    assert [c.days_left for c in d.released] == [-3]
    assert d.release_days == -3 and d.next_release is d.released[0]
    assert d.actions[0].text == "Re-contact and re-assess the victims"
    assert d.actions[0].reason == "released from custody 3 days ago (27 Jun 2024)"
    r2 = Records()
    serial(r2)
    r2.order("P", "custody", "2024-01-01", "2024-06-20")  # 10 days ago: not in the shift's 7
    assert dossiers(r2)["P"].released == ()


def test_clause2_historic_people_without_a_high_score_get_no_full_dossier():
    r = Records()
    serial(r, "P")
    serial(r, "H", "2015-01-01", "2015-06-01")
    found = dossiers(r)
    assert found["P"].full and not found["H"].full
    assert {t.incident_id for t in found["P"].other_incidents}.isdisjoint(
        found["P"].finding.qualifying_incident_ids
    )


def test_clause4_the_worst_harm_is_the_gravest_chip_category_and_ranks_count_current_only():
    r = Records()
    serial(r, "P")
    r.abuse("P-I3", "2024-01-01", "P", "P-V1", "threats_to_kill")
    r.abuse("P-I4", "2024-02-01", "P", "P-V1", "strangulation")
    serial(r, "Q")
    serial(r, "H", "2015-01-01", "2015-06-01")
    found = dossiers(r)
    assert found["P"].worst_harm == "strangulation" and found["Q"].worst_harm is None
    assert {found["P"].force_rank, found["Q"].force_rank} == {(1, 2), (2, 2)}
    assert found["H"].force_rank is None


def test_clause5_urgent_actions_come_first_in_words_that_read_right():
    r = Records()
    serial(r)
    r.relate("P", "NEW", "intimate_partner", "2024-01-01")  # Clare's Law: not urgent
    r.incident(
        "P-I3",
        "2024-05-01",
        "violence_with_injury",
        suspects=["P"],
        victims={"P-V2": "ex_intimate_partner"},
    )
    for incident in r.incidents:
        incident["children_present"] = incident["incident_id"] == "P-I3"
    r.order("P", "bail_conditions", "2024-06-01", "2024-07-04")  # urgent
    actions = dossiers(r)["P"].actions
    urgent = [a.urgent for a in actions]
    assert urgent == sorted(urgent, reverse=True) and urgent[0]
    assert actions[0].reason == "Bail conditions: ends 04 Jul 2024 (in 4 days)"
    assert any(a.reason == "children present at 1 incident" for a in actions)


def test_ending_soon_people_are_those_whose_constraint_in_force_ends_within_the_days():
    """The order's third part read from the orders alone (issue 18: the scan orders its
    perpetrators without the records about them), as the dossiers' constraints say it."""
    from perp_graph.analytics.dossier_order import ENDING_SOON_DAYS, ending_soon_people

    as_of = dt.date(2026, 6, 30)
    day = pd.Timestamp(as_of)
    rows = [
        ("EDGE", day - pd.Timedelta(days=30), day + pd.Timedelta(days=ENDING_SOON_DAYS)),
        ("TODAY", None, day),
        ("LATER", day, day + pd.Timedelta(days=ENDING_SOON_DAYS + 1)),
        ("ENDED", day - pd.Timedelta(days=30), day - pd.Timedelta(days=1)),
        ("NOT_YET", day + pd.Timedelta(days=1), day + pd.Timedelta(days=2)),
        ("OPEN", day - pd.Timedelta(days=30), None),
    ]
    orders = pd.DataFrame(rows, columns=["person_id", "start_date", "end_date"]).astype(
        {"start_date": "datetime64[s]", "end_date": "datetime64[s]"}
    )
    assert ending_soon_people(orders, as_of) == {"EDGE", "TODAY"}
    assert ending_soon_people(orders.iloc[:0], as_of) == set()
