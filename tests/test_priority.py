"""The RFGV priority score: one test per part of the published formula (README)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from perp_graph.analytics.offending import offending
from perp_graph.analytics.priority import (
    DEFAULT_HARM_DAYS,
    PrioritySettings,
    frequency_points,
    gravity_points,
    ranked,
    recency_points,
    score,
    victims_points,
)
from perp_graph.errors import ConfigError
from perp_graph.model import DEFAULT_VIOLENT_CATEGORIES, OFFENCE_CATEGORIES
from perp_graph.settings import load_settings
from tests.records import Records, records_dataset

AS_OF = "2024-06-30"


def scores(r: Records, as_of: str = AS_OF, settings: PrioritySettings | None = None):
    table = offending(records_dataset(r), dt.date.fromisoformat(as_of), DEFAULT_VIOLENT_CATEGORIES)
    return score(table, 3, settings or PrioritySettings())


def test_recency_is_25_on_the_day_and_halves_every_six_months():
    assert recency_points(0) == 25
    assert recency_points(182.5) == pytest.approx(12.5)
    assert recency_points(365) == pytest.approx(6.25)


def test_recency_counts_days_from_the_latest_incident_as_a_suspect():
    r = Records()
    r.abuse("I1", "2023-06-30", "P", "V")
    r.abuse("I2", "2024-06-20", "P", "V")
    r.abuse("I3", "2024-06-29", "V", "P")  # P as a victim does not count
    p = scores(r)["P"]
    assert p.days_since_latest == 10
    assert p.recency == round(recency_points(10), 1)


def test_frequency_is_5_per_incident_in_12_months_and_1_per_earlier_one_in_the_window():
    assert frequency_points(0, 0) == 0
    assert frequency_points(2, 5) == 13
    assert frequency_points(5, 5) == 25
    assert frequency_points(6, 9) == 25  # capped


def test_frequency_12_months_are_after_the_day_a_year_before():
    r = Records()
    r.abuse("I1", "2023-06-30", "P", "V")  # exactly a year before: not in the 12 months
    r.abuse("I2", "2023-07-01", "P", "V")
    r.abuse("I3", "2021-07-01", "P", "V")  # in the window (starts 2021-06-30)
    r.abuse("I4", "2021-06-29", "P", "V")  # before the window
    p = scores(r)["P"]
    assert (p.incidents_12_months, p.incidents_in_window) == (1, 3)
    assert p.frequency == 5 + 2


def test_frequency_counts_an_incident_once_whatever_its_victims():
    r = Records()
    r.incident(
        "I1", "2024-01-01", suspects=["P"], victims={"V1": "intimate_partner", "C": "family"}
    )
    assert scores(r)["P"].incidents_in_window == 1


def test_gravity_sums_harm_days_of_the_window_on_a_log_scale_full_at_five_years():
    assert gravity_points(0) == 0
    assert gravity_points(1825) == pytest.approx(25)
    assert gravity_points(5475) == 25
    assert gravity_points(180) == pytest.approx(25 * math.log10(181) / math.log10(1826))
    r = Records()
    r.abuse("I1", "2024-01-01", "P", "V", "violence_with_injury")
    r.abuse("I2", "2024-02-01", "P", "V", "criminal_damage")
    r.abuse("I3", "2020-02-01", "P", "V", "homicide")  # before the window
    p = scores(r)["P"]
    assert (
        p.harm_days
        == DEFAULT_HARM_DAYS["violence_with_injury"] + DEFAULT_HARM_DAYS["criminal_damage"]
    )


def test_the_harm_table_is_configurable_per_category(tmp_path):
    config = tmp_path / "force.toml"
    config.write_text("[priority.harm_days]\nviolence_with_injury = 60\n")
    settings = load_settings(config=config).priority
    assert settings.harm("violence_with_injury") == 60
    assert settings.harm("homicide") == DEFAULT_HARM_DAYS["homicide"]
    r = Records()
    r.abuse("I1", "2024-01-01", "P", "V", "violence_with_injury")
    assert scores(r, settings=settings)["P"].harm_days == 60


def test_the_default_harm_table_covers_every_category():
    assert set(DEFAULT_HARM_DAYS) == set(OFFENCE_CATEGORIES)


def test_victims_counts_distinct_intimate_partner_victims_in_the_window_any_category():
    assert [victims_points(n) for n in (0, 1, 2, 3, 4)] == [0, 10, 20, 25, 25]
    r = Records()
    r.abuse("I1", "2024-01-01", "P", "V1", "coercive_control")  # any category
    r.abuse("I2", "2024-02-01", "P", "V1")  # the same victim again
    r.abuse("I3", "2024-03-01", "P", "V2", rts="")
    r.relate("P", "V2", "ex_intimate_partner")  # a partner by relationship record
    r.abuse("I4", "2024-03-01", "P", "M", rts="family")  # not a partner
    r.abuse("I5", "2020-03-01", "P", "V3")  # before the window
    p = scores(r)["P"]
    assert p.intimate_partner_victims == 2
    assert p.victims == 20


def test_only_perpetrators_with_an_incident_in_the_window_are_scored():
    r = Records()
    r.abuse("I1", "2021-06-29", "P", "V")
    r.abuse("I2", "2024-07-01", "Q", "V")  # after the as-of date
    assert scores(r) == {}


def test_score_is_the_weighted_sum_of_the_parts_and_the_band_follows_it(tmp_path):
    r = Records()
    r.abuse("I1", "2024-06-30", "P", "V1", "strangulation")
    r.abuse("I2", "2024-06-01", "P", "V2")
    p = scores(r)["P"]
    assert p.score == round(p.recency + p.frequency + p.gravity + p.victims, 1)
    assert 60 <= p.score < 80 and p.band == "medium"  # the default bands: 80 and 60
    config = tmp_path / "force.toml"
    config.write_text("[priority]\nhigh_at = 99\nmedium_at = 50\n[priority.weights]\nvictims = 0\n")
    settings = load_settings(config=config).priority
    q = scores(r, settings=settings)["P"]
    assert q.score == round(p.recency + p.frequency + p.gravity, 1)
    assert q.band == "medium"


def test_ranking_is_highest_score_first():
    r = Records()
    r.abuse("I1", "2024-06-30", "A", "V1", "strangulation")
    r.abuse("I2", "2022-01-01", "B", "V2", "threats")
    assert [p.person_id for p in ranked(scores(r))] == ["A", "B"]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("[priority]\nspeed = 1\n", "unknown key"),
        ("[priority.weights]\nluck = 1\n", "not a part"),
        ("[priority.weights]\nrecency = -1\n", "must be a number"),
        ("[priority.harm_days]\nburglary = 5\n", "not a contract category"),
        ("[priority]\nhigh_at = 10\nmedium_at = 20\n", "medium_at must not be above"),
    ],
)
def test_a_bad_priority_config_names_the_key_and_the_fix(tmp_path, text, problem):
    config = tmp_path / "force.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=problem):
        load_settings(config=config)
