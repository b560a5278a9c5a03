"""The action register (issue 17, clauses 1 and 2): the sync rule as a pure function, due
dates at their boundaries, an item's lifecycle through loads and syncs on both stores,
two users changing one item at once, the audit, and the commands."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.analytics.register import (
    DEFAULT_DUE_DAYS,
    Item,
    ItemChange,
    Recommendation,
    due_date,
    item_id,
    plan_sync,
)
from perp_graph.analytics.register_items import applied
from perp_graph.audit import AuditLog
from perp_graph.cli import app
from perp_graph.errors import ConfigError
from perp_graph.session import open_store
from perp_graph.settings import Settings, load_settings
from tests.records import Records

D = dt.date.fromisoformat
AT = dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC)


# --- the sync rule, without a store ------------------------------------------------------------


def rec(kind: str = "clares_law_disclosure", key: str = "V2", person: str = "S1") -> Recommendation:
    return Recommendation(
        person_id=person,
        neighbourhood="Northside",
        kind=kind,
        key=key,
        text="do it",
        reason="because",
        evidence_ids=("I1",),
        raised_on=D("2024-06-01"),
        due_by=D("2024-07-06"),
    )


def apply(items: list[Item], recommended: list[Recommendation], as_of: str, assessed=("S1",)):
    """The pure rule applied, as a store applies it."""
    plan = plan_sync(recommended, items, D(as_of), set(assessed))
    by_id = {i.id: i for i in items}
    for change in plan.changes:
        by_id[change.item_id] = applied(by_id[change.item_id], change, AT, "sync")
    return plan, [*by_id.values(), *plan.raised]


def test_a_recommendation_raises_one_item_and_a_later_sync_does_not_duplicate_it():
    plan, items = apply([], [rec()], "2024-06-01")
    assert [i.id for i in plan.raised] == [item_id("S1", "clares_law_disclosure", "V2", 0)]
    plan, items = apply(items, [rec()], "2024-06-02")
    assert plan.raised == () and plan.changes == ()
    assert plan.kept == (items[0].id,)


def test_an_open_item_whose_reason_is_gone_is_superseded_saying_why():
    _, items = apply(
        [], [rec("recontact_victims_before_release", "custody|2024-06-15")], "2024-06-01"
    )
    plan, items = apply(items, [], "2024-06-20")
    (change,) = plan.superseded
    assert change.note == "superseded: released on 15 Jun 2024"
    assert items[0].status == "superseded"


def test_a_person_who_no_longer_qualifies_has_their_open_items_superseded():
    _, items = apply([], [rec()], "2024-06-01")
    plan, items = apply(items, [], "2024-06-02", assessed=())
    assert "S1 no longer qualifies as a serial perpetrator" in plan.superseded[0].note


def test_a_superseded_reason_that_returns_raises_a_new_item():
    _, items = apply([], [rec()], "2024-06-01")
    _, items = apply(items, [], "2024-06-02")
    plan, items = apply(items, [rec()], "2024-06-03")
    (new,) = plan.raised
    assert new.id == item_id("S1", "clares_law_disclosure", "V2", 1)
    assert new.id != items[0].id and items[0].status == "superseded"


def test_done_stays_done_while_the_reason_lasts_and_is_raised_again_when_it_returns():
    _, items = apply([], [rec()], "2024-06-01")
    items = [applied(items[0], ItemChange(items[0].id, "made", status="done"), AT, "pc")]
    plan, items = apply(items, [rec()], "2024-06-02")
    assert plan.raised == () and plan.changes == ()
    plan, items = apply(items, [], "2024-06-03")  # the reason goes: noted, still done
    (lapse,) = plan.changes
    assert lapse.lapsed_on == D("2024-06-03") and items[0].status == "done"
    assert items[0].history[-1].note.startswith("reason gone:")
    plan, items = apply(items, [], "2024-06-04")  # noted once only
    assert plan.changes == ()
    plan, items = apply(items, [rec()], "2024-06-05")  # it returns: a new item
    assert len(plan.raised) == 1 and plan.raised[0].status == "open"


def test_a_declined_item_is_not_raised_again_while_its_reason_lasts():
    _, items = apply([], [rec()], "2024-06-01")
    items = [applied(items[0], ItemChange(items[0].id, "no", status="declined"), AT, "pc")]
    plan, _ = apply(items, [rec()], "2024-06-09")
    assert plan.raised == ()


def test_what_packs_and_profiles_ask_open_overdue_and_done_between_dates():
    from perp_graph.analytics.register_items import select

    _, items = apply([], [rec(), rec("marac_referral", "I9"), rec(person="S2")], "2024-06-01")
    done_at = dt.datetime(2024, 6, 12, 10, tzinfo=dt.UTC)
    first = next(i for i in items if i.kind == "marac_referral")
    items = [
        applied(i, ItemChange(i.id, "referred", status="done"), done_at, "pc") if i is first else i
        for i in items
    ]
    assert [i.id for i in select(items, person_ids={"S1"}, statuses={"open"})] == [
        i.id for i in items if i.person_id == "S1" and i.status == "open"
    ]
    assert len(select(items, neighbourhood="NORTHSIDE")) == 3
    assert len(select(items, overdue_on=D("2024-07-07"))) == 2  # due 06 Jul, the done one not
    assert select(items, overdue_on=D("2024-07-06")) == []
    june = select(items, statuses={"done"}, closed_from=D("2024-06-01"), closed_to=D("2024-06-30"))
    assert [i.id for i in june] == [first.id]
    assert select(items, closed_from=D("2024-06-13")) == []


# --- due dates at their boundaries -------------------------------------------------------------


def test_recontact_is_due_the_day_before_the_release_and_overdue_on_the_release_date():
    release = D("2024-06-15")
    due = due_date("recontact_victims_before_release", D("2024-06-01"), release, {})
    assert due == D("2024-06-14")
    item = Item(**{**_item_fields(), "due_by": due})
    assert not item.overdue(D("2024-06-14"))  # the day before the release: due today
    assert item.overdue(release)  # the release date itself: too late


def test_recontact_raised_the_day_before_the_release_is_due_that_day():
    release = D("2024-06-15")
    assert due_date("recontact_victims_before_release", D("2024-06-14"), release, {}) == D(
        "2024-06-14"
    )
    # raised on the release date itself: already overdue
    due = due_date("recontact_victims_before_release", release, release, {})
    assert Item(**{**_item_fields(), "due_by": due}).overdue(release)


def test_disclosure_is_due_within_the_configured_days(tmp_path: Path):
    raised = D("2024-06-01")
    assert due_date("clares_law_disclosure", raised, None, {}) == raised + dt.timedelta(35)
    config = tmp_path / "force.toml"
    config.write_text("[actions]\ndue_days = {clares_law_disclosure = 10}\n")
    settings = load_settings(config=config, environ={})
    due = due_date("clares_law_disclosure", raised, None, settings.action_due_days)
    assert due == D("2024-06-11")
    item = Item(**{**_item_fields(), "due_by": due})
    assert not item.overdue(D("2024-06-11")) and item.overdue(D("2024-06-12"))
    # a configured re-contact time never runs past the day before the release
    assert due_date("recontact_victims_before_release", raised, D("2024-06-05"), {}) == D(
        "2024-06-04"
    )
    assert set(DEFAULT_DUE_DAYS) == set(api_kinds())


def test_an_unknown_kind_in_the_config_is_refused(tmp_path: Path):
    config = tmp_path / "force.toml"
    config.write_text("[actions]\ndue_days = {clares = 10}\n")
    with pytest.raises(ConfigError, match="not a kind of action; use one of"):
        load_settings(config=config, environ={})


def api_kinds() -> tuple[str, ...]:
    from perp_graph.model import ACTION_KINDS

    return ACTION_KINDS


def _item_fields() -> dict:
    return {
        "id": "A-0",
        "person_id": "S1",
        "neighbourhood": None,
        "kind": "recontact_victims_before_release",
        "key": "custody|2024-06-15",
        "text": "t",
        "reason": "r",
        "evidence_ids": (),
        "raised_on": D("2024-06-01"),
        "due_by": D("2024-06-14"),
    }


# --- on both stores ------------------------------------------------------------------------------


def serial(records: Records) -> Records:
    """S1: violence against two partners in 2024 (a serial perpetrator), at home in
    Northside; in custody until 15 Jun 2024."""
    records.person("S1", home_neighbourhood="Northside")
    records.abuse("I1", "2024-01-10", "S1", "V1")
    records.abuse("I2", "2024-03-01", "S1", "V2")
    records.order("S1", "custody", "2024-04-01", "2024-06-15")
    return records


def load(settings: Settings, records: Records, folder: Path) -> None:
    api.load(records.write(folder), replace(settings, resolve=False))


def sync(settings: Settings, as_of: str):
    return api.sync_actions(settings, as_of=D(as_of))


def by_kind(settings: Settings) -> dict[str, list[Item]]:
    store = open_store(settings)
    try:
        out: dict[str, list[Item]] = {}
        for item in store.register().items():
            out.setdefault(item.kind, []).append(item)
        return {k: sorted(v, key=lambda i: i.raised_on) for k, v in out.items()}
    finally:
        store.close()


def test_the_lifecycle_of_items_through_loads_and_syncs(store_settings: Settings, tmp_path: Path):
    settings = replace(store_settings, user="analyst1")
    records = serial(Records())
    load(settings, records, tmp_path / "d1")

    first = sync(settings, "2024-06-01")  # raised
    kinds = by_kind(settings)
    assert {"recontact_victims_before_release", "clares_law_disclosure", "protective_order"} <= (
        set(kinds)
    )
    (recontact,) = kinds["recontact_victims_before_release"]
    assert recontact.due_by == D("2024-06-14") and recontact.key == "custody|2024-06-15"
    assert recontact.neighbourhood == "Northside" and recontact.status == "open"
    assert recontact.history[0].status == "open"
    (clare,) = kinds["clares_law_disclosure"]
    assert clare.key == "V2" and clare.evidence_ids == ("I2",)
    assert clare.due_by == D("2024-06-01") + dt.timedelta(35)

    load(settings, records, tmp_path / "d1")  # the same export again
    again = sync(settings, "2024-06-02")  # not duplicated
    assert again.plan.raised == () and len(again.plan.kept) == len(first.plan.raised)

    api.close_action(settings, clare.id, "done", "disclosure made to V2 by DC 1234")
    (protective,) = kinds["protective_order"]
    api.close_action(settings, protective.id, "done", "DVPO applied for")

    # Released on 15 Jun; a restraining order now protects both victims.
    records.order("S1", "restraining_order", "2024-06-10", "2024-09-30", protected="V1")
    records.order("S1", "restraining_order", "2024-06-10", "2024-09-30", protected="V2")
    load(settings, records, tmp_path / "d2")
    later = sync(settings, "2024-06-20")
    assert [c.item_id for c in later.plan.superseded] == [recontact.id]
    kinds = by_kind(settings)
    (recontact,) = kinds["recontact_victims_before_release"]
    assert recontact.status == "superseded"
    assert recontact.note == (
        "superseded: released on 15 Jun 2024 (still open after its due date, 14 Jun 2024)"
    )
    # Released: a new item, to tell the victims now (HMIC 2014), due the next day.
    (after,) = later.plan.raised
    assert after.kind == "recontact_victims_after_release" and after.key == "custody|2024-06-15"
    assert after.due_by == D("2024-06-21") and after.status == "open"
    (clare,) = kinds["clares_law_disclosure"]
    assert clare.status == "done"  # done stays done
    (protective,) = kinds["protective_order"]
    assert protective.status == "done" and protective.lapsed_on == D("2024-06-20")

    # The orders end: the victims are unprotected again, and a new item is raised.
    returned = sync(settings, "2024-10-15")
    kinds = by_kind(settings)
    old, new = kinds["protective_order"]
    assert [i.id for i in returned.plan.raised] == [new.id]
    assert old.status == "done" and [c.status for c in old.history] == ["open", "done", "done"]
    assert new.status == "open" and new.raised_on == D("2024-10-15") and new.id != old.id


def test_both_stores_give_the_same_register(tmp_path: Path, request: pytest.FixtureRequest):
    """The same loads and syncs on each store give the same items and histories (times
    and users aside)."""
    from tests.conftest import NEO4J_URI, make_store

    registers = []
    for kind in ("embedded", "neo4j"):
        if kind == "neo4j" and not NEO4J_URI:
            pytest.skip("no Neo4j")
        make_store(kind, tmp_path / kind, request)
        settings = Settings(
            workspace=tmp_path / kind,
            neo4j_uri=NEO4J_URI if kind == "neo4j" else None,
            neo4j_insecure=True,
            user="analyst1",
        )
        records = serial(Records())
        load(settings, records, tmp_path / f"{kind}-data")
        sync(settings, "2024-06-01")
        first = by_kind(settings)["clares_law_disclosure"][0]
        api.assign_action(settings, first.id, "DC 1234")
        sync(settings, "2024-06-20")
        store = open_store(settings)
        try:
            registers.append(
                [
                    {
                        **{k: v for k, v in i.as_json().items() if k not in ("changed_at",)},
                        "history": [(c.status, c.owner, c.note, c.user) for c in i.history],
                    }
                    for i in store.register().items()
                ]
            )
        finally:
            store.close()
    assert registers[0] == registers[1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from perp_graph.synth import SynthConfig, generate

    out = tmp_path_factory.mktemp("synth")
    generate(out, SynthConfig(seed=17, incidents=3_000, years=3, end_date=D("2025-03-31")))
    return out


def test_a_sync_on_generated_data_keeps_every_recommended_action_once(
    generated: Path, store_settings: Settings
):
    api.load(generated, replace(store_settings, resolve=False))
    first = sync(store_settings, "2025-03-31")
    raised = first.plan.raised
    assert len({i.kind for i in raised}) >= 5, sorted({i.kind for i in raised})
    assert len({(i.person_id, i.kind, i.key) for i in raised}) == len(raised)
    assert all(
        i.due_by >= i.raised_on or i.kind == "recontact_victims_before_release" for i in raised
    )
    again = sync(store_settings, "2025-04-01")
    assert again.plan.raised == () and len(again.plan.kept) == len(raised)
    assert again.open_items == len(raised)


def test_two_users_changing_one_item_at_once_lose_nothing(store_settings: Settings, tmp_path: Path):
    load(store_settings, serial(Records()), tmp_path / "d1")
    sync(store_settings, "2024-06-01")
    (clare,) = by_kind(store_settings)["clares_law_disclosure"]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(user: str, action) -> None:
        try:
            barrier.wait()
            for _ in range(3):
                action(replace(store_settings, user=user))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(
            target=work,
            args=("pc1", lambda s: api.close_action(s, clare.id, "declined", "not needed")),
        ),
        threading.Thread(
            target=work,
            args=("pc2", lambda s: api.close_action(s, clare.id, "done", "made by PC 2")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    store = open_store(store_settings)
    try:
        item = store.register().item(clare.id)
    finally:
        store.close()
    assert item is not None
    history = item.history[1:]  # after "raised"
    assert sorted(c.user for c in history) == ["pc1"] * 3 + ["pc2"] * 3
    assert item.status == history[-1].status and item.note == history[-1].note
    assert item.changed_by == history[-1].user
    assert [c.at for c in item.history] == sorted(c.at for c in item.history)
    log = [
        r
        for r in AuditLog(store_settings.workspace).records()
        if r["operation"] == "alteration" and r["parameters"].get("action") == clare.id
    ]
    assert sorted(r["user"] for r in log) == ["pc1"] * 3 + ["pc2"] * 3


def test_the_register_keeps_every_change_under_many_writers(tmp_path: Path):
    """Register level, no workspace lock in the way: 4 threads x 5 changes."""
    from perp_graph.store.embedded_register import EmbeddedRegister

    register = EmbeddedRegister(tmp_path)
    register.sync([rec()], {"S1"}, D("2024-06-01"), at=AT, user="sync")
    (item,) = register.items()

    def work(n: int) -> None:
        for i in range(5):
            register.change(
                ItemChange(item.id, f"note {n}.{i}", owner=f"PC {n}"),
                at=dt.datetime.now(dt.UTC),
                user=f"pc{n}",
            )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = register.item(item.id)
    assert after is not None and len(after.history) == 21
    assert after.owner == after.history[-1].owner


def test_every_change_is_audited_with_its_user_and_no_note_or_name(
    store_settings: Settings, tmp_path: Path
):
    load(store_settings, serial(Records()), tmp_path / "d1")
    sync(replace(store_settings, user="analyst1"), "2024-06-01")
    (clare,) = by_kind(store_settings)["clares_law_disclosure"]
    api.assign_action(replace(store_settings, user="sgt1"), clare.id, "DC 1234")
    api.close_action(replace(store_settings, user="dc1234"), clare.id, "done", "told SurnameV2")
    records = list(AuditLog(store_settings.workspace).records())
    alterations = [r for r in records if r["operation"] == "alteration"]
    assert [(r["command"], r["user"]) for r in alterations] == [
        ("actions sync", "analyst1"),
        ("actions assign", "sgt1"),
        ("actions done", "dc1234"),
    ]
    assert alterations[0]["counts"]["raised"] >= 3
    assert alterations[2]["parameters"]["status"] == "done"
    assert alterations[2]["person_ids"] == ["S1"]
    text = AuditLog(store_settings.workspace).path.read_text()
    assert "SurnameV" not in text and "ForenameV" not in text


def test_a_sync_never_moves_the_register_back_in_time(store_settings: Settings, tmp_path: Path):
    load(store_settings, serial(Records()), tmp_path / "d1")
    sync(store_settings, "2024-06-02")
    with pytest.raises(ConfigError, match="last synced as of 2024-06-02"):
        sync(store_settings, "2024-06-01")


# --- the commands ---------------------------------------------------------------------------------


@pytest.fixture
def workspace(tmp_path: Path, embedded_store_only: None) -> Path:
    records = serial(Records())
    records.person("S1", home_neighbourhood="Northside")
    settings = Settings(workspace=tmp_path / "ws", resolve=False)
    load(settings, records, tmp_path / "d1")
    sync(settings, "2024-06-01")
    return tmp_path / "ws"


def run(*args: str) -> object:
    return CliRunner().invoke(app, list(args), terminal_width=80)


def test_list_fits_80_columns_with_whole_ids(workspace: Path):
    result = run("actions", "list", "--workspace", str(workspace), "--as-of", "2024-06-20")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    ids = [i.id for i in api.list_actions(Settings(workspace=workspace))]
    for identifier in ids:
        assert any(identifier in line for line in lines), identifier
    assert "overdue as of 20 Jun 2024" in result.output
    overdue = run(
        "actions", "list", "--overdue", "--workspace", str(workspace), "--as-of", "2024-06-15"
    )
    assert "Re-contact" in overdue.output and "Clare" not in overdue.output


def test_assign_done_show_and_the_formats(workspace: Path):
    listed = json.loads(
        run("actions", "list", "--workspace", str(workspace), "--format", "json").output
    )
    clare = next(a for a in listed["actions"] if a["kind"] == "clares_law_disclosure")
    ws = ["--workspace", str(workspace)]
    assigned = run("actions", "assign", clare["id"].lower(), "--owner", "DC 1234", *ws)
    assert assigned.exit_code == 0, assigned.output
    mine = run("actions", "list", "--owner", "dc 1234", "--format", "csv", *ws)
    assert mine.output.splitlines()[0].startswith("id,person_id,")
    assert len(mine.output.splitlines()) == 2 and "in_progress" in mine.output
    done = run("actions", "done", clare["id"], "--note", "disclosure made", *ws)
    assert done.exit_code == 0 and "done" in done.output
    shown = run("actions", "show", clare["id"], *ws)
    assert shown.exit_code == 0
    assert "assigned to DC 1234" in shown.output and "disclosure made" in shown.output
    gone = run("actions", "list", "--neighbourhood", "northside", *ws)
    assert clare["id"] not in gone.output  # done leaves the to-do list
    declined = run("actions", "list", "--status", "done", "--format", "json", *ws)
    assert [a["id"] for a in json.loads(declined.output)["actions"]] == [clare["id"]]


@pytest.mark.parametrize(
    "command",
    [
        ("actions", "show", "A-NOPE"),
        ("actions", "done", "A-NOPE", "--note", "x"),
        ("actions", "decline", "A-NOPE", "--note", "x"),
        ("actions", "assign", "A-NOPE", "--owner", "PC 1"),
    ],
)
def test_a_bad_id_is_one_line_with_the_fix(workspace: Path, command: tuple[str, ...]):
    result = CliRunner().invoke(app, [*command, "--workspace", str(workspace)])
    assert result.exit_code == 2
    message = result.output.strip()
    assert len(message.splitlines()) == 1
    assert "no action A-NOPE in the register" in message
    assert "perp-graph actions list" in message


def test_done_needs_a_note_and_a_superseded_item_cannot_change(workspace: Path):
    settings = Settings(workspace=workspace)
    (item, *_) = api.list_actions(settings)
    result = run("actions", "done", item.id, "--note", " ", "--workspace", str(workspace))
    assert result.exit_code == 2 and "--note must say what was done" in result.output
    sync(settings, "2024-06-20")
    (gone,) = api.list_actions(settings, statuses={"superseded"})
    result = run("actions", "decline", gone.id, "--note", "n/a", "--workspace", str(workspace))
    assert result.exit_code == 2 and "was superseded" in result.output


def test_actions_list_shows_20_rows_then_how_many_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Issue 16 clause 6 for the register's table: 20 rows by default, a count of the rest,
    --all and --limit."""
    from typer.testing import CliRunner

    monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)  # the embedded store here

    from perp_graph.cli import app

    settings = Settings(workspace=tmp_path / "ws", resolve=False)
    records = Records()
    for n in range(25):
        records.person(f"S{n:02d}", home_neighbourhood="Northside")
        records.abuse(f"I{n:02d}a", "2024-01-10", f"S{n:02d}", f"V{n:02d}a")
        records.abuse(f"I{n:02d}b", "2024-03-01", f"S{n:02d}", f"V{n:02d}b")
    api.load(records.write(tmp_path / "d"), settings)
    api.sync_actions(settings, as_of=D("2024-06-01"))
    ws = ["--workspace", str(tmp_path / "ws"), "--as-of", "2024-06-01"]
    listed = CliRunner().invoke(app, ["actions", "list", *ws], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    total = len(api.list_actions(settings, statuses={"open", "in_progress"}))
    assert total > 20
    assert f"and {total - 20:,} more (--all to list them, --limit N)" in listed.output
    every = CliRunner().invoke(app, ["actions", "list", "--all", *ws], env={"COLUMNS": "80"})
    assert "more (--all" not in every.output
    assert every.output.count("A-") == total
