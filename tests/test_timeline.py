"""The perpetrator's timeline (issue 16, clause 2): lanes, marks, bars, masking, alt text,
phone size and the same bytes for the same dossier, read back from the SVG."""

from __future__ import annotations

import base64
import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from perp_graph.analytics.acpo import scan
from perp_graph.analytics.dossier import Dossier, build_dossiers
from perp_graph.model import ScanParameters
from perp_graph.render.timeline import FONT_PX, MAX_LANES, WIDTH_PX, Timeline, timeline_figure
from tests.records import Records, records_dataset

AS_OF = "2026-11-30"
SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"


def dossier(records: Records, as_of: str = AS_OF) -> Dossier:
    dataset = records_dataset(records)
    parameters = ScanParameters(as_of=dt.date.fromisoformat(as_of))
    result = scan(dataset, parameters)
    about = dataset.about([f.person_id for f in result.perpetrators])
    (only,) = build_dossiers(result.perpetrators, about, parameters)
    return only


def serial(extra_victims: int = 0) -> Records:
    """P: four incidents against Alice Victimson (three qualifying in the window, one
    criminal damage), one against V2 before the window and one inside it, custody
    ending in 4 days, a restraining order with no end, and a counter-allegation."""
    r = Records()
    r.person("P", surname="Perp", forenames="Paul")
    r.person("V1", surname="Victimson", forenames="Alice")
    r.person("V2", surname="Otherly", forenames="Beth")
    r.abuse("I1", "2024-09-14", "P", "V1")
    r.abuse("I2", "2025-01-03", "P", "V1")
    r.abuse("I3", "2025-06-20", "P", "V1", category="criminal_damage")
    r.abuse("I4", "2026-11-10", "P", "V1")
    r.abuse("I0", "2022-03-01", "P", "V2")
    r.abuse("I5", "2025-05-02", "P", "V2")
    for k in range(3, 3 + extra_victims):
        r.abuse(f"J{k}", f"2026-{1 + k % 9:02d}-{10 + k % 18}", "P", f"V{k}")
    r.incident("C1", "2025-02-01", "violence_with_injury", suspects=["V2"], victims={"P": ""})
    r.order("P", "custody", "2026-11-12", "2026-12-04")
    r.order("P", "restraining_order", "2025-02-10", "", protected="V1")
    return r


def parse(timeline: Timeline) -> ET.Element:
    """The SVG as XML (its DOCTYPE left out: nothing to fetch)."""
    return ET.fromstring(re.sub(r"<\?xml[^>]*>|<!DOCTYPE[^>]*>", "", timeline.svg).strip())


def group(root: ET.Element, gid: str) -> ET.Element | None:
    return next((g for g in root.iter(f"{SVG}g") if g.get("id") == gid), None)


def text_of(root: ET.Element, gid: str) -> str:
    found = group(root, gid)
    assert found is not None, gid
    return "".join(found.itertext()).strip()


def marks(root: ET.Element, gid: str) -> list[ET.Element]:
    """The <use> elements (one per mark) of a lane's group of marks."""
    found = group(root, gid)
    return [] if found is None else list(found.iter(f"{SVG}use"))


def shape(root: ET.Element, gid: str) -> str:
    """The path of the marker a group of marks uses."""
    found = group(root, gid)
    assert found is not None, gid
    path = next(found.iter(f"{SVG}path"))
    return re.sub(r"\s+", " ", path.get("d", ""))


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return timeline_figure(dossier(serial()))


def test_one_lane_per_victim_labelled_by_their_masked_reference(timeline):
    root = parse(timeline)
    assert text_of(root, "victim-1-label") == "A.V. (ref V1) · 4 incidents"
    assert text_of(root, "victim-2-label") == "B.O. (ref V2) · 2 incidents"
    assert group(root, "victim-3-label") is None
    assert text_of(root, "other-label") == "Other involvement · 1 incident"


def test_qualifying_marks_differ_from_the_others_by_shape_not_only_colour(timeline):
    root = parse(timeline)
    assert len(marks(root, "victim-1-qualifying")) == 3
    assert len(marks(root, "victim-1-other")) == 1  # the criminal damage
    assert len(marks(root, "victim-2-qualifying")) == 1
    assert len(marks(root, "victim-2-outside")) == 1  # 2022: before the window
    assert len(marks(root, "other-involved")) == 1  # P as the victim
    assert shape(root, "victim-1-qualifying") != shape(root, "victim-1-other")
    assert shape(root, "victim-1-other") != shape(root, "other-involved")
    # in and outside the window: the same diamond, filled and hollow
    assert shape(root, "victim-1-qualifying") == shape(root, "victim-2-outside")
    fills = {
        gid: group(root, gid).find(f".//{SVG}use").get("style")  # type: ignore[union-attr]
        for gid in ("victim-1-qualifying", "victim-2-outside")
    }
    assert "fill: #ffffff" in fills["victim-2-outside"]
    assert "fill: #ffffff" not in fills["victim-1-qualifying"]


def test_custody_is_a_bar_with_its_release_and_an_open_order_runs_on(timeline):
    root = parse(timeline)
    assert text_of(root, "order-custody-label") == "Custody · release due 04 Dec 2026 (in 4 days)"
    assert group(root, "bar-custody") is not None
    assert group(root, "bar-custody-end") is not None
    assert text_of(root, "order-restraining_order-label") == ("Restraining order · no end recorded")
    assert group(root, "bar-restraining_order-open") is not None
    assert group(root, "bar-restraining_order-end") is None


def test_the_window_and_today_are_drawn(timeline):
    root = parse(timeline)
    assert group(root, "acpo-window") is not None
    assert group(root, "today") is not None
    assert text_of(root, "today-label") == "today 30 Nov 2026"
    assert text_of(root, "legend-window") == "ACPO window"


def test_alt_text_says_the_lanes_counts_window_and_ends(timeline):
    alt = timeline.alt
    assert alt.startswith("Timeline as of 30 Nov 2026. 2 victims over 56 months")
    assert "ACPO window 30 Nov 2023 to 30 Nov 2026." in alt
    assert "A.V. (ref V1): 4 incidents (3 qualifying in window), 14 Sep 2024 to 10 Nov 2026." in alt
    assert "B.O. (ref V2): 2 incidents (1 qualifying in window, 1 qualifying outside it)" in alt
    assert "Other involvement (as victim): 1 incident, 01 Feb 2025." in alt
    assert "In custody: from 12 Nov 2026, release due 04 Dec 2026 (in 4 days)." in alt
    assert "Restraining order protecting A.V. (ref V1): from 10 Feb 2025, no end recorded." in alt


def test_victims_are_never_named_unless_unmasked(timeline):
    for text in (timeline.svg, timeline.alt):
        assert "VICTIMSON" not in text.upper() and "OTHERLY" not in text.upper()
        assert "Alice" not in text and "Beth" not in text
    unmasked = timeline_figure(dossier(serial()), unmask=True)
    assert "Alice VICTIMSON (V1)" in unmasked.alt
    assert "Alice VICTIMSON (V1) · 4 incidents" in text_of(parse(unmasked), "victim-1-label")


def test_same_dossier_same_bytes():
    first = timeline_figure(dossier(serial()))
    again = timeline_figure(dossier(serial()))
    assert first.svg == again.svg and first.alt == again.alt
    assert "<dc:date>" not in first.svg


def test_victims_beyond_the_lanes_fold_into_one_counted_in_the_alt_text():
    timeline = timeline_figure(dossier(serial(extra_victims=7)))  # 9 victims
    root = parse(timeline)
    labels = [g.get("id") for g in root.iter(f"{SVG}g") if (g.get("id") or "").endswith("-label")]
    lanes = [gid for gid in labels if gid.startswith(("victim-", "order-", "other"))]
    assert len(lanes) == MAX_LANES
    # 2 orders and other involvement leave 5 lanes: 4 victims and one for the other 5
    assert text_of(root, "victim-4-label").endswith("· 1 incident")
    assert group(root, "victim-5-label") is None
    assert text_of(root, "victim-more-label") == "+5 more victims · 6 incidents"
    assert len(marks(root, "victim-more-qualifying")) + len(marks(root, "victim-more-outside")) == 6
    assert "9 victims over" in timeline.alt
    assert "5 more victims in one lane: 6 incidents" in timeline.alt


def test_sized_for_a_phone_and_self_contained(timeline):
    root = parse(timeline)
    assert (root.get("width"), root.get("viewBox", "").split()[2]) == (f"{WIDTH_PX}px", "360")
    assert timeline.width == WIDTH_PX and root.get("height") == f"{timeline.height}px"
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", timeline.svg)]
    assert sizes and min(sizes) >= FONT_PX
    assert not re.search(r"(href|src)=\"(https?:|//)|@import|url\((?!#)", timeline.svg)
    assert base64.b64decode(timeline.data_uri.split(",", 1)[1]).decode() == timeline.svg
