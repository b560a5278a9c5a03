"""The action register in the packs (issue 17 clause 3): each perpetrator's open items with
owner and due date, overdue ones marked in words and a badge, done ones as history and not
as a to-do, no recommendation said twice; the shift sheet lists overdue items first. On
both stores (the register is the store's)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

from perp_graph import api
from perp_graph.analytics.register import Change, Item
from perp_graph.analytics.register_items import closing_change
from perp_graph.render.briefing import past_action
from perp_graph.session import open_store
from perp_graph.settings import Settings
from tests.pages import visible_text
from tests.records import Records

D = dt.date.fromisoformat


class _Elements(HTMLParser):
    """Text and attributes of every element carrying one attribute (nested tags inside
    it included), in page order."""

    def __init__(self, attribute: str) -> None:
        super().__init__(convert_charrefs=True)
        self.attribute = attribute
        self.found: list[tuple[dict[str, str | None], list[str]]] = []
        self._open: list[tuple[str, int]] = []  # (tag, index into found)
        self._depth: dict[int, int] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for index, depth in list(self._depth.items()):
            if self.found[index][0].get("__tag") == tag:
                self._depth[index] = depth + 1
        if self.attribute in dict(attrs):
            self.found.append(({**dict(attrs), "__tag": tag}, []))
            self._depth[len(self.found) - 1] = 1

    def handle_endtag(self, tag: str) -> None:
        for index, depth in list(self._depth.items()):
            if self.found[index][0].get("__tag") == tag:
                if depth == 1:
                    del self._depth[index]
                else:
                    self._depth[index] = depth - 1

    def handle_data(self, data: str) -> None:
        for index in self._depth:
            self.found[index][1].append(data)


def elements(html: str, attribute: str) -> list[tuple[dict[str, str | None], str]]:
    """(attributes, text with whitespace collapsed) of every element with `attribute`."""
    parser = _Elements(attribute)
    parser.feed(html)
    parser.close()
    return [(attrs, " ".join("".join(text).split())) for attrs, text in parser.found]


def serial(records: Records) -> Records:
    """S1: violence against two partners in 2024, at home in Northside; in custody until
    15 Jun 2024."""
    records.person("S1", surname="Perp", forenames="Paul", home_neighbourhood="Northside")
    records.person("V1", surname="Zqxsentinel", forenames="Wilhelmina")
    records.person("V2", surname="Zqxsentinel", forenames="Wilhelmina")
    records.abuse("I1", "2024-01-10", "S1", "V1")
    records.abuse("I2", "2024-03-01", "S1", "V2")
    records.order("S1", "custody", "2024-04-01", "2024-06-15")
    return records


def items_by_kind(settings: Settings) -> dict[str, Item]:
    store = open_store(settings)
    try:
        return {i.kind: i for i in store.register().items()}
    finally:
        store.close()


def test_the_pack_shows_the_register_open_overdue_done_and_nothing_twice(
    store_settings: Settings, tmp_path: Path
):
    settings = replace(store_settings, user="j.smith")
    api.load(serial(Records()).write(tmp_path / "data"), replace(settings, resolve=False))
    api.sync_actions(settings, as_of=D("2024-06-01"))
    items = items_by_kind(settings)
    recontact = items["recontact_victims_before_release"]
    clare = items["clares_law_disclosure"]
    protective = items["protective_order"]
    assert recontact.due_by == D("2024-06-14")
    api.assign_action(settings, clare.id, "DC 1234")
    api.close_action(settings, protective.id, "done", "DVPO applied for Zqxsentinel")

    # As of 16 Jun: released yesterday. The re-contact before the release was never done
    # (no sync since: it is still open, and overdue); the re-contact after the release is
    # recommended and not yet in the register.
    out = api.brief(settings, tmp_path / "b", as_of=D("2024-06-16"), pdf=False)
    html = (out.folder / "northside.html").read_text()
    todo = {
        (attrs["data-action-kind"], attrs["data-action"]): (attrs, text)
        for attrs, text in elements(html, "data-action-kind")
    }
    # an open item with its id, owner and due date
    attrs, text = todo[("clares_law_disclosure", clare.id)]
    assert "owner DC 1234, in progress" in text and "due 06 Jul 2024 (in 20 days)" in text
    assert "data-overdue" not in attrs
    # an overdue one, marked in words and with a badge
    attrs, text = todo[("recontact_victims_before_release", recontact.id)]
    assert attrs["data-overdue"] == "yes"
    assert "OVERDUE" in text and "overdue: was due 14 Jun 2024 (2 days ago)" in text
    assert "no owner yet" in text
    # a recommendation the register does not hold yet
    attrs, text = todo[("recontact_victims_after_release", "")]
    assert "Not yet in the action register" in text
    # no recommendation said twice: one line per kind and key, and none for the done one
    kinds = [kind for kind, _ in todo]
    assert len(kinds) == len(set(kinds))
    assert "protective_order" not in kinds
    # overdue first
    assert kinds[0] == "recontact_victims_before_release"
    # the done one as history, with who and when; its note not shown on a masked pack
    (history,) = [
        (a, t) for a, t in elements(html, "data-action-history") if a["data-status"] == "done"
    ]
    today = dt.datetime.now(dt.UTC).date()
    assert history[0]["data-action-history"] == protective.id
    assert f"Protective orders sought {today:%d %b %Y} by j.smith" in history[1]
    assert "Zqxsentinel".casefold() not in html.casefold()
    # the shift sheet lists the overdue item first
    due = elements(html, "data-due-action")
    assert [a["data-due-action"] for a, _ in due][:1] == [recontact.id]
    assert "OVERDUE" in due[0][1] and "PERP, Paul" in due[0][1]
    (row,) = [a for a, _ in elements(out.index.read_text(), "data-overdue-actions")]
    assert row["data-overdue-actions"] == "1"  # the index counts them per pack
    shift = visible_text(html).split("Shift sheet", 1)[1]
    assert shift.index("Actions overdue or due within 7 days") < shift.index("Released or ending")

    # unmasked, the note shows
    unmasked = api.brief(
        settings,
        tmp_path / "u",
        as_of=D("2024-06-16"),
        pdf=False,
        unmask=True,
        purpose="MATAC case preparation",
    )
    shown = elements((unmasked.folder / "northside.html").read_text(), "data-action-history")
    assert any(f"{protective.id}: DVPO applied for Zqxsentinel" in text for _, text in shown)


def test_a_brief_reads_the_register_and_never_syncs_it(store_settings: Settings, tmp_path: Path):
    api.load(serial(Records()).write(tmp_path / "data"), replace(store_settings, resolve=False))
    out = api.brief(store_settings, tmp_path / "b", as_of=D("2024-06-01"), pdf=False)
    html = (out.folder / "northside.html").read_text()
    assert "The action register has not been synced yet" in visible_text(html)
    assert all(a["data-action"] == "" for a, _ in elements(html, "data-action-kind"))
    assert items_by_kind(store_settings) == {}


def test_history_words_name_who_closed_it_not_the_sync_that_noted_its_reason_gone():
    at = dt.datetime(2024, 11, 12, 9, tzinfo=dt.UTC)
    later = dt.datetime(2024, 11, 20, 9, tzinfo=dt.UTC)
    item = Item(
        id="A-0123456789",
        person_id="S1",
        neighbourhood=None,
        kind="clares_law_disclosure",
        key="V2",
        text="t",
        reason="r",
        evidence_ids=(),
        raised_on=D("2024-11-01"),
        due_by=D("2024-12-06"),
        status="done",
        note="reason gone: ...",
        changed_by="perp-graph actions sync",
        changed_at=later,
        lapsed_on=later.date(),
        history=(
            Change(at - dt.timedelta(days=11), "sync", "open", None, "raised"),
            Change(at, "j.smith", "done", None, "disclosure made to V2"),
            Change(later, "perp-graph actions sync", "done", None, "reason gone: ..."),
        ),
    )
    assert closing_change(item) == item.history[1]
    shown = past_action(item)
    assert shown is not None and shown.note is None
    assert shown.words == "Clare's Law disclosure made 12 Nov 2024 by j.smith"
    assert past_action(item, unmask=True).note == "disclosure made to V2"  # type: ignore[union-attr]
    # superseded before its due date: nothing to learn from, left out; after it: kept
    superseded = replace(item, status="superseded", changed_at=at, note="superseded: x")
    assert past_action(superseded) is None
    missed = replace(superseded, due_by=D("2024-11-10"))
    assert past_action(missed).words == "Clare's Law disclosure: superseded 12 Nov 2024"  # type: ignore[union-attr]
