"""Seeded synthetic force data with planted serial perpetrators and a ground truth.

Nothing here is real: names are drawn from generic lists, postcodes use the
non-existent area "ZZ", neighbourhoods are invented.

Calibration (HMIC 2014, Kent Police, 12 months): about 9,010 domestic-abuse
crimes a year, of which 3,550 assault with injury and 75 assault with intent
to cause serious harm (both `violence_with_injury` here), 558 harassment, 188
sexual offences; the remaining 4,639 are spread over the other categories by
this module's own assumption (CATEGORY_WEIGHTS). DASH risk 71% standard, 19%
medium, 10% high. About a quarter of incidents are from repeat victims: a
perpetrator-victim "career" has a geometric number of incidents with mean 4/3.

Background careers can never qualify under the ACPO rule by construction
(each background suspect has at most one intimate-partner victim). The planted
careers are built so their outcome is known from their dates alone; that is
the ground truth (`truth.json`), independent of the scan's code:
- serial_current / serial_historic: 2-4 unconnected intimate-partner victims
  of violence within one window, ending inside / before the window at the
  end date;
- decoys that must not be reported: victims who are sisters (connected),
  violence against partners more than the window apart, a second partner
  harassed but not threatened with violence, a partner and a parent.
"""

from perp_graph.synth.config import SynthConfig, Truth
from perp_graph.synth.generator import generate
from perp_graph.synth.vocabulary import (
    CATEGORIES,
    CATEGORY_INDEX,
    CATEGORY_WEIGHTS,
    KENT_CRIMES_PER_YEAR,
    NEIGHBOURHOODS,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_INDEX",
    "CATEGORY_WEIGHTS",
    "KENT_CRIMES_PER_YEAR",
    "NEIGHBOURHOODS",
    "SynthConfig",
    "Truth",
    "generate",
]
