"""The action register under retention and identity merges (issue 17): `purge` and
`load --full` erase the items (and histories) of the people they erase, on both stores,
and count them in the erasure's audit record; an identity merged into another has its open
items superseded saying which identity it merged into."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from perp_graph import api
from perp_graph.analytics.register import ItemChange, Recommendation, plan_sync
from perp_graph.analytics.register_items import applied
from perp_graph.audit import AuditLog
from perp_graph.pipeline.load import load_folder
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.protocol import GraphStore
from tests.records import Records

D = dt.date.fromisoformat
AT = dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC)
#: a phrase only OLD's items carry, to look for in the register's files after erasure
SECRET = "reason-about-OLD-7f3a"


def rec(
    person: str, kind: str = "clares_law_disclosure", key: str = "V1", reason: str = ""
) -> Recommendation:
    return Recommendation(
        person_id=person,
        neighbourhood="Northside",
        kind=kind,
        key=key,
        text="do it",
        reason=reason or f"because of {person}",
        evidence_ids=("I1",),
        raised_on=D("2024-01-01"),
        due_by=D("2024-02-05"),
    )


def old_and_new(folder: Path, *, old: bool = True) -> Path:
    r = Records()
    if old:
        r.person("OLD", home_neighbourhood="Oldtown")
        r.abuse("O1", "2014-01-01", "OLD", "OV1", neighbourhood="Oldtown")
        r.abuse("O2", "2014-06-01", "OLD", "OV2", neighbourhood="Oldtown")
    r.person("NEW", home_neighbourhood="Newtown")
    r.abuse("N1", "2023-01-01", "NEW", "NV1", neighbourhood="Newtown")
    r.abuse("N2", "2023-06-01", "NEW", "NV2", neighbourhood="Newtown")
    return r.write(folder)


def fill_register(store: GraphStore) -> None:
    """Two items about OLD (one done, so with two history entries), one about NEW."""
    register = store.register()
    register.sync(
        [
            rec("OLD", reason=SECRET),
            rec("OLD", "matac_referral", "", reason=SECRET),
            rec("NEW"),
        ],
        {"OLD", "NEW"},
        D("2024-01-01"),
        at=AT,
        user="sync",
    )
    done = next(i for i in register.items(person_ids={"OLD"}) if i.kind == "matac_referral")
    register.change(ItemChange(done.id, "referred", status="done"), at=AT, user="analyst1")


def erasure_record(settings: Settings) -> dict:
    records = [r for r in AuditLog(settings.workspace).records() if r["operation"] == "erasure"]
    return records[-1]


def test_purge_erases_the_register_items_and_history_of_the_people_it_erases(
    store: GraphStore, store_settings: Settings, tmp_path: Path
):
    load_folder(old_and_new(tmp_path / "data"), store, store_settings)
    fill_register(store)
    result = api.purge(store_settings, dt.date(2016, 1, 1))
    assert "OLD" in result.erasure.person_ids
    register = api.open_store(store_settings).register()
    left = register.items()
    assert [i.person_id for i in left] == ["NEW"]
    assert len(left[0].history) == 1  # the others' items and histories stay
    assert result.erasure.counts["action_items"] == 2
    assert result.erasure.counts["action_history"] == 3
    counts = erasure_record(store_settings)["counts"]
    assert counts["action_items"] == 2 and counts["action_history"] == 3
    if isinstance(store, EmbeddedStore):  # no copy left in the file or its log
        files = register.path.parent.glob(register.path.name + "*")  # type: ignore[attr-defined]
        for path in files:
            assert SECRET.encode() not in path.read_bytes(), path


def test_a_full_reload_erases_the_register_items_of_the_people_it_no_longer_holds(
    store: GraphStore, store_settings: Settings, tmp_path: Path
):
    load_folder(old_and_new(tmp_path / "data"), store, store_settings)
    fill_register(store)
    report = api.load(old_and_new(tmp_path / "smaller", old=False), store_settings, full=True)
    assert report.removed is not None
    assert report.removed["action_items"] == 2 and report.removed["action_history"] == 3
    assert erasure_record(store_settings)["counts"]["action_items"] == 2
    left = api.open_store(store_settings).register().items()
    assert {i.person_id for i in left} == {"NEW"}


def test_an_erasure_before_the_register_was_ever_written_leaves_it_unwritten(tmp_path: Path):
    register = EmbeddedStore(tmp_path / "workspace").register()
    assert register.erase({"OLD"}) == {"action_items": 0, "action_history": 0}
    assert not register.path.exists()


# --- identity merges -------------------------------------------------------------------------


def test_the_sync_says_which_identity_a_merged_one_went_into():
    before = plan_sync([rec("S2")], [], D("2024-01-01"), {"S2"})
    item = before.raised[0]
    plan = plan_sync([rec("S1")], [item], D("2024-02-01"), {"S1"}, {"S2": "S1", "S1": "S1"})
    (change,) = plan.superseded
    assert change.item_id == item.id
    assert change.note == "superseded: identity merged into S1 as of 01 Feb 2024"
    assert [i.person_id for i in plan.raised] == ["S1"]
    # without the merge, the person simply no longer qualifies
    plain = plan_sync([rec("S1")], [item], D("2024-02-01"), {"S1"})
    assert "no longer qualifies" in plain.superseded[0].note


def test_a_merge_late_after_the_due_date_says_both():
    item = plan_sync([rec("S2")], [], D("2024-01-01"), {"S2"}).raised[0]
    plan = plan_sync([], [item], D("2024-03-01"), set(), {"S2": "S1"})
    note = plan.superseded[0].note
    assert note.startswith("superseded: identity merged into S1 as of 01 Mar 2024")
    assert "still open after its due date, 05 Feb 2024" in note
    after = applied(item, plan.changes[0], AT, "sync")
    assert after.status == "superseded"


def test_a_sync_reads_the_store_identities_to_name_the_merge(
    store: GraphStore, store_settings: Settings, tmp_path: Path
):
    r = Records()
    r.person("S1", home_neighbourhood="Northside")
    r.person("S2", home_neighbourhood="Northside")
    r.abuse("I1", "2023-01-10", "S1", "V1")
    r.abuse("I2", "2023-03-01", "S2", "V2")
    load_folder(r.write(tmp_path / "data"), store, store_settings)
    register = store.register()
    register.sync([rec("S2")], {"S2"}, D("2024-01-01"), at=AT, user="sync")
    store.set_identities({"S1": "S1", "S2": "S1"})  # S2's records now belong to S1
    plan = register.sync([rec("S1")], {"S1"}, D("2024-01-08"), at=AT, user="sync")
    (old,) = register.items(person_ids={"S2"})
    assert old.status == "superseded"
    assert old.note == "superseded: identity merged into S1 as of 08 Jan 2024"
    assert old.history[-1].note == old.note
    assert [i.person_id for i in plan.raised] == ["S1"]
    assert [i.status for i in register.items(person_ids={"S1"})] == ["open"]
