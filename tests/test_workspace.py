"""The workspace and the session (issue 15, "What must work" 1-3 and its tests): a read
never creates a workspace; writers exclusive, readers shared; an erasure records its
intent first; quarantine clean-up by whole ids; no output over a file made meanwhile;
two processes at once leave a log that verifies and a store some serial order gives."""

from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.audit import AuditLog
from perp_graph.cli import app
from perp_graph.errors import OutputError, StoreError
from perp_graph.output import write_text
from perp_graph.settings import Settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.workspace import NoWorkspace, Workspace, WorkspaceBusy
from tests.records import Records

AS_OF = dt.date(2024, 1, 1)


def world() -> Records:
    r = Records()
    r.person("P", home_neighbourhood="Northgate")
    r.abuse("I1", "2022-03-10", "P", "V1", neighbourhood="Northgate")
    r.abuse("I2", "2023-05-20", "P", "V2")
    r.abuse("J1", "2015-01-01", "Q", "W")  # old: erased by a purge before 2016
    return r


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(workspace=tmp_path / "ws", resolve=False, lock_wait=30.0, **values)


# --- a read never creates a workspace --------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["scan"],
        ["watch"],
        ["brief", "--out", "b", "--no-pdf"],
        ["profile", "--out", "p"],
        ["network", "P", "--out", "n.html"],
        ["identities", "review"],
        ["identities", "export"],
        ["identities", "confirm", "A", "B"],
        ["purge", "--before", "2016-01-01", "--yes"],
        ["audit", "verify"],
        ["audit", "show"],
    ],
)
def test_a_read_only_command_on_a_missing_workspace_says_so_and_creates_nothing(
    tmp_path, monkeypatch, command
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PERP_GRAPH_NEO4J_URI", raising=False)
    quiet = [] if command[0] == "audit" else ["-q"]
    result = CliRunner().invoke(app, [*command, "--workspace", "typo-ws", *quiet])
    assert result.exit_code == 2, result.output
    assert "no workspace at" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "typo-ws").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_message_names_the_nearest_workspace(tmp_path):
    (tmp_path / "force-ws" / "audit").mkdir(parents=True)
    (tmp_path / "force-ws" / "audit" / "audit.jsonl").write_text("")
    with pytest.raises(NoWorkspace, match=r"the nearest is .*force-ws"):
        Workspace.open(tmp_path / "force-wz", create=False)
    assert not (tmp_path / "force-wz").exists()


def test_the_nearest_workspace_may_be_the_default_one_above(tmp_path):
    default = tmp_path / ".perp-graph"
    (default / "embedded").mkdir(parents=True)
    with pytest.raises(NoWorkspace, match=r"the nearest is .*\.perp-graph"):
        Workspace.open(tmp_path / "cases" / "ws", create=False)


def test_a_load_creates_its_workspace(tmp_path):
    api.load(world().write(tmp_path / "data"), settings(tmp_path))
    assert Workspace(tmp_path / "ws").exists()


# --- the lock -------------------------------------------------------------------------------------


def test_a_second_writer_waits_with_a_message_then_fails_clearly(tmp_path):
    workspace = Workspace.open(tmp_path / "ws", create=True)
    told: list[str] = []
    with workspace.lock(exclusive=True, command="load", wait_seconds=0):
        started = time.monotonic()
        with (
            pytest.raises(WorkspaceBusy, match=r"still in use by perp-graph load \(process"),
            workspace.lock(exclusive=True, command="purge", wait_seconds=0.5, on_wait=told.append),
        ):
            pass
        assert time.monotonic() - started >= 0.5
    assert told and "is in use by perp-graph load" in told[0] and "waiting up to 0.5 s" in told[0]


def test_a_second_writer_goes_on_when_the_first_finishes(tmp_path):
    workspace = Workspace.open(tmp_path / "ws", create=True)
    order: list[str] = []
    first_holds = threading.Event()

    def first() -> None:
        with workspace.lock(exclusive=True, command="load", wait_seconds=0):
            first_holds.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=first)
    thread.start()
    first_holds.wait()
    with workspace.lock(exclusive=True, command="purge", wait_seconds=10):
        order.append("second runs")
    thread.join()
    assert order == ["first done", "second runs"]


def test_readers_share_the_lock_and_a_writer_waits_for_them(tmp_path):
    workspace = Workspace.open(tmp_path / "ws", create=True)
    with workspace.lock(exclusive=False, command="scan", wait_seconds=0):
        with workspace.lock(exclusive=False, command="brief", wait_seconds=0):
            pass  # two readers at once
        with (
            pytest.raises(WorkspaceBusy),
            workspace.lock(exclusive=True, command="load", wait_seconds=0.2),
        ):
            pass


def test_a_busy_workspace_fails_the_command_with_exit_code_5(tmp_path):
    data = world().write(tmp_path / "data")
    api.load(data, settings(tmp_path))
    config = tmp_path / "c.toml"
    config.write_text("[workspace]\nlock_wait = 0.3\n")
    with Workspace(tmp_path / "ws").lock(exclusive=True, command="load", wait_seconds=0):
        result = CliRunner().invoke(
            app, ["scan", "--workspace", str(tmp_path / "ws"), "--config", str(config), "-q"]
        )
    assert result.exit_code == 5, result.output
    assert "in use by perp-graph load" in result.output


# --- erasure: intent before, completion after ---------------------------------------------------


def test_an_erasure_writes_its_intent_before_it_erases(tmp_path, monkeypatch):
    s = settings(tmp_path)
    api.load(world().write(tmp_path / "data"), s)
    seen: list[list[str]] = []
    real_purge = EmbeddedStore.purge

    def purge(self, before):
        seen.append([r["operation"] + ":" + r["parameters"].get("stage", "") for r in AuditLog(
            s.workspace).records()])  # fmt: skip
        return real_purge(self, before)

    monkeypatch.setattr(EmbeddedStore, "purge", purge)
    api.purge(s, dt.date(2016, 1, 1))
    assert seen[0][-1] == "erasure:intent"
    intent, done = [r for r in AuditLog(s.workspace).records() if r["operation"] == "erasure"]
    assert done["parameters"]["intent"] == intent["seq"]
    assert AuditLog(s.workspace).unfinished_erasures() == []


def test_an_erasure_cut_short_is_never_unrecorded(tmp_path, monkeypatch):
    s = settings(tmp_path)
    api.load(world().write(tmp_path / "data"), s)

    def purge(self, before):
        raise StoreError("the disk filled part way")

    monkeypatch.setattr(EmbeddedStore, "purge", purge)
    with pytest.raises(StoreError):
        api.purge(s, dt.date(2016, 1, 1))
    (unfinished,) = AuditLog(s.workspace).unfinished_erasures()
    assert unfinished["command"] == "purge" and unfinished["parameters"]["before"] == "2016-01-01"
    result = CliRunner().invoke(app, ["audit", "verify", "--workspace", str(s.workspace)])
    assert result.exit_code == 0
    assert f"record {unfinished['seq']} (purge" in result.output
    assert "no completion record" in result.output


def test_load_full_records_its_erasure_intent(tmp_path):
    s = settings(tmp_path)
    api.load(world().write(tmp_path / "data"), s)
    smaller = Records()
    smaller.abuse("I1", "2022-03-10", "P", "V1")
    api.load(smaller.write(tmp_path / "d2"), s, full=True)
    erasures = [r for r in AuditLog(s.workspace).records() if r["operation"] == "erasure"]
    assert [r["parameters"].get("stage") for r in erasures] == ["intent", None]
    assert erasures[1]["parameters"]["intent"] == erasures[0]["seq"]


# --- quarantine clean-up by whole ids ------------------------------------------------------------


def test_erasing_p1_keeps_the_quarantined_rows_about_p10(tmp_path):
    s = settings(tmp_path)
    r = Records()
    r.abuse("O1", "2014-01-01", "P1", "V1")
    r.abuse("N1", "2023-01-01", "P10", "V10")
    folder = r.write(tmp_path / "data")
    # Two involvements the load quarantines: one about P1, one about P10 (a bad role).
    path = folder / "involvements.csv"
    header = path.read_text().splitlines()[0].split(",")
    with path.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        for incident, person in (("O1", "P1"), ("N1", "P10")):
            writer.writerow({"incident_id": incident, "person_id": person, "role": "bystander"})
    api.load(folder, s)
    quarantine = Workspace(s.workspace).quarantine_dir / "involvements.csv"
    before = pd.read_csv(quarantine, dtype=str)
    assert set(before["person_id"]) == {"P1", "P10"}
    result = api.purge(s, dt.date(2016, 1, 1))
    assert "P1" in result.erasure.person_ids and "P10" not in result.erasure.person_ids
    after = pd.read_csv(quarantine, dtype=str)
    assert list(after["person_id"]) == ["P10"]  # waiting to be fixed, not lost
    assert quarantine in result.files_removed


def test_a_raw_quarantined_line_is_matched_by_whole_ids_too(tmp_path):
    s = settings(tmp_path)
    r = Records()
    r.abuse("O1", "2014-01-01", "P1", "V1")
    r.abuse("N1", "2023-01-01", "P10", "V10")
    folder = r.write(tmp_path / "data")
    with (folder / "involvements.csv").open("a") as handle:
        handle.write('N1,P10,"suspect\n')  # an unclosed quote: quarantined as raw text
    api.load(folder, s)
    quarantine = Workspace(s.workspace).quarantine_dir / "involvements.csv"
    assert quarantine.exists()
    api.purge(s, dt.date(2016, 1, 1))
    assert quarantine.exists(), "P10's raw line was taken for P1's"
    assert "P10" in quarantine.read_text()


# --- no output over a file made meanwhile ------------------------------------------------------


def test_a_file_created_between_the_check_and_the_rename_is_never_overwritten(
    tmp_path, monkeypatch
):
    target = tmp_path / "scan.json"
    import tempfile as tempfile_module

    real_mkstemp = tempfile_module.mkstemp

    def mkstemp(*args, **kwargs):
        result = real_mkstemp(*args, **kwargs)
        target.write_text("someone else's file")  # after the check, before the rename
        return result

    monkeypatch.setattr("perp_graph.output.tempfile.mkstemp", mkstemp)
    with pytest.raises(OutputError, match="exists"):
        write_text(target, "ours")
    assert target.read_text() == "someone else's file"
    assert [p.name for p in tmp_path.iterdir()] == ["scan.json"]  # no temporary file left


def test_an_export_never_replaces_a_file_made_meanwhile(tmp_path, monkeypatch):
    s = settings(tmp_path, purpose="MATAC 12 May")
    api.load(world().write(tmp_path / "data"), s)
    target = tmp_path / "out.json"
    real_append = AuditLog.append

    def append(self, **kwargs):
        record = real_append(self, **kwargs)
        if kwargs["operation"] == "disclosure":
            target.write_text("made meanwhile")
        return record

    monkeypatch.setattr(AuditLog, "append", append)
    with pytest.raises(OutputError):
        api.export(s, target, "ours", command="scan", person_ids=["P"])
    assert target.read_text() == "made meanwhile"


# --- two processes at once ------------------------------------------------------------------------

ROUNDS = 6


def _writer(workspace: str, data: str, rounds: int) -> None:
    s = Settings(workspace=Path(workspace), resolve=False, lock_wait=120.0)
    for _ in range(rounds):
        api.load(Path(data), s)
        api.purge(s, dt.date(2016, 1, 1))
    api.load(Path(data), s)


def _reader(workspace: str, out: str, rounds: int) -> None:
    s = Settings(workspace=Path(workspace), resolve=False, lock_wait=120.0)
    for n in range(rounds):
        result = api.scan(s, AS_OF)
        assert [f.person_id for f in result.perpetrators] == ["P"]
        api.brief(s, Path(out) / f"b{n}", as_of=AS_OF, pdf=False)


def _tables(workspace: Path) -> dict[str, list]:
    data = EmbeddedStore(workspace).dataset()
    return {
        name: sorted(map(str, getattr(data, name).astype(str).to_numpy().tolist()))
        for name in data.names()
    }


def test_two_processes_at_once_leave_a_log_that_verifies_and_a_serial_store(tmp_path):
    data = world().write(tmp_path / "data")
    ws = tmp_path / "ws"
    api.load(data, Settings(workspace=ws, resolve=False))
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_writer, args=(str(ws), str(data), ROUNDS)),
        context.Process(target=_reader, args=(str(ws), str(tmp_path / "out"), ROUNDS)),
        context.Process(target=_reader, args=(str(ws), str(tmp_path / "out2"), ROUNDS)),
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=600)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    log = AuditLog(ws)
    n, problems = log.verify()
    assert problems == []
    # Every command's records are there: 1 load, then per round a load and a purge (intent,
    # completion), a last load; each reader per round a scan and a brief.
    assert n == 1 + ROUNDS * 3 + 1 + 2 * ROUNDS * 2
    assert log.unfinished_erasures() == []
    # The same commands one after another end with the writer's last load.
    serial = tmp_path / "serial"
    s = Settings(workspace=serial, resolve=False)
    api.load(data, s)
    api.purge(s, dt.date(2016, 1, 1))
    api.load(data, s)
    assert _tables(ws) == _tables(serial)
    assert not list(ws.rglob("*.tmp"))
    state = json.loads((ws / "embedded" / "state.json").read_text())
    assert state["state"] == "complete"
    assert os.stat(ws / ".lock").st_size == 0  # nobody holds it now


def test_a_decision_without_a_login_name_is_recorded_by_uid_not_a_traceback(tmp_path, monkeypatch):
    """Containers often have no login name; getpass.getuser() then raises."""
    from perp_graph.identity.decisions import Decisions

    def no_login() -> str:
        raise KeyError("getpwuid(): uid not found")

    monkeypatch.setattr("getpass.getuser", no_login)
    monkeypatch.delenv("PERP_GRAPH_USER", raising=False)
    decisions = Decisions.open(tmp_path / "ws")
    decisions.add("A", "B", "reject", None)
    (row,) = Decisions.open(tmp_path / "ws").rows()
    assert row.user == f"uid:{os.getuid()}"
