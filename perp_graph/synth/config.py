"""What the generator is asked for (SynthConfig) and what it planted (Truth)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from perp_graph.analytics.acpo import window_start
from perp_graph.synth.vocabulary import KENT_CRIMES_PER_YEAR


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. `incidents` None means Kent's annual volume for each year."""

    seed: int = 1
    years: int = 5
    incidents: int | None = None
    end_date: dt.date = field(default_factory=dt.date.today)
    window_years: int = 3
    #: planted careers per 1,000 background careers
    serial_current_rate: float = 12.0
    serial_historic_rate: float = 6.0
    decoy_rate: float = 4.0
    early_warning_rate: float = 3.0
    escalation_rate: float = 3.0
    #: share of people recorded a second time under another id (perp_graph.synth_duplicates)
    duplicates: float = 0.0

    @property
    def total_incidents(self) -> int:
        """Incidents to generate in all (Kent's annual volume per year when not given)."""
        return self.incidents if self.incidents is not None else KENT_CRIMES_PER_YEAR * self.years

    @property
    def start_date(self) -> dt.date:
        """The first day of records: `years` before the end date."""
        return window_start(self.end_date, self.years)


@dataclass
class Truth:
    """What was planted (as generator indices), and so what the ACPO scan must say."""

    serial: list[dict] = field(default_factory=list)
    non_serial: list[dict] = field(default_factory=list)
    #: issue 7's alerts, planted: one step from the definition with a new partner ...
    early_warning: list[dict] = field(default_factory=list)
    #: ... incidents more frequent and more serious ...
    escalation: list[int] = field(default_factory=list)
    #: ... and pairs each recorded as a suspect against the other
    counter_allegations: list[tuple[int, int]] = field(default_factory=list)
