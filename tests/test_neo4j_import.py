"""A first load through neo4j-admin import (store/neo4j_import.py, issue 18): the files it
writes, the command it runs, and, on a Neo4j of the test's own (scripts/neo4j-local on a
port of its own, never the suite's shared server), the graph it gives against the CREATE
path's on the shared server."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shlex
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from perp_graph.dataset import Dataset
from perp_graph.errors import ConfigError, StoreError
from perp_graph.model import ScanParameters
from perp_graph.pipeline.load import load_folder
from perp_graph.render.files import to_json
from perp_graph.session import open_store
from perp_graph.settings import load_settings
from perp_graph.store.embedded import EmbeddedStore
from perp_graph.store.neo4j import Neo4jStore
from perp_graph.store.neo4j_import import (
    BulkImport,
    importable,
    remove_import_files,
    run_import_command,
    write_import,
)
from perp_graph.synth import SynthConfig, generate
from perp_graph.workspace import Workspace
from tests.conftest import neo4j_uri
from tests.records import Records, records_dataset

ROOT = Path(__file__).parents[1]
AS_OF = dt.date(2025, 3, 31)
#: A field a CSV writer must quote: a comma, a quote, line breaks, a backslash.
HOSTILE = 'Smith, "Jr"\nsecond line\r\nthird \\ line'


def hostile_records() -> Records:
    r = Records()
    r.person("P1", surname=HOSTILE, home_neighbourhood='North, "Old" Town')
    r.person("P2", forenames="Ann\nMarie", date_of_birth="1980-02-29")
    r.person("P3", home_neighbourhood="South")
    r.abuse("I1", "2024-01-05", "P1", "P2", summary=HOSTILE, neighbourhood="South")
    r.abuse("I2", "2024-03-05", "P1", "P3")
    r.relate("P1", "P2", "intimate_partner", "2020-01-01")
    r.relate("P1", "P3", "ex_intimate_partner")
    r.order("P1", "dvpo", "2024-02-01", "2024-04-01", protected="P2")
    r.order("P1", "licence", "2024-02-01")
    return r


def hostile_dataset() -> Dataset:
    """hostile_records as a Dataset, with a flag of each value and a missing one."""
    dataset = records_dataset(hostile_records())
    dataset.people.loc[dataset.people["person_id"] == "P2", "firearms_certificate"] = True
    dataset.people.loc[dataset.people["person_id"] == "P3", "firearms_certificate"] = False
    dataset.incidents.loc[dataset.incidents["incident_id"] == "I2", "children_present"] = False
    return dataset


# --- the files (no server) --------------------------------------------------------------------


def read_back(folder: Path, stem: str) -> pd.DataFrame:
    header = (folder / f"{stem}.header.csv").read_text(encoding="utf-8").strip().split(",")
    return pd.read_csv(
        folder / f"{stem}.csv", header=None, names=header, dtype=str, keep_default_na=False
    )


def test_headers_types_and_keys_are_those_of_the_create_path(tmp_path):
    files = write_import(hostile_dataset(), tmp_path / "imp", at="T")
    folder = files.folder
    headers = {
        p.name.removesuffix(".header.csv"): p.read_text().strip()
        for p in folder.glob("*.header.csv")
    }
    assert headers == {
        "person": "person_id:ID(Person),surname,forenames,date_of_birth:date,gender,pnc_id,"
        "aliases,home_postcode,firearms_certificate:boolean,warning_markers,extra,identity_id",
        "incident": "incident_id:ID(Incident),occurred_on:date,offence_category,risk_level,"
        "postcode,children_present:boolean,summary,officer_in_case,extra",
        "order": "order_key:ID(Order),order_type,start_date:date,end_date:date,details,extra",
        "neighbourhood": "name:ID(Neighbourhood)",
        "load_state": "id:ID(LoadState),state,at",
        "lives_in": ":START_ID(Person),:END_ID(Neighbourhood)",
        "occurred_in": ":START_ID(Incident),:END_ID(Neighbourhood)",
        "involved_in": ":START_ID(Person),:END_ID(Incident),role,relationship_to_suspect,extra",
        "related_to": ":START_ID(Person),:END_ID(Person),key,relationship_type,"
        "start_date:date,end_date:date,extra",
        "bound_by": ":START_ID(Person),:END_ID(Order)",
        "protects": ":START_ID(Order),:END_ID(Person)",
    }
    people = read_back(folder, "person").set_index("person_id:ID(Person)")
    assert people.loc["P2", "date_of_birth:date"] == "1980-02-29"
    assert people.loc["P2", "firearms_certificate:boolean"] == "true"
    assert people.loc["P1", "firearms_certificate:boolean"] == ""  # missing: no property
    assert (people["identity_id"] == people.index).all()
    orders = read_back(folder, "order")
    assert sorted(orders["order_key:ID(Order)"]) == [
        "P1|dvpo|2024-02-01|P2",
        "P1|licence|2024-02-01|",
    ]
    assert read_back(folder, "protects").values.tolist() == [["P1|dvpo|2024-02-01|P2", "P2"]]
    related = read_back(folder, "related_to")
    assert sorted(related["key"]) == ["ex_intimate_partner|", "intimate_partner|2020-01-01"]
    assert read_back(folder, "load_state").values.tolist() == [["store", "loading", "T"]]
    # P2 lives nowhere; I2 happened nowhere: no relationship for them.
    assert read_back(folder, "lives_in").values.tolist() == [
        ["P1", 'North, "Old" Town'],
        ["P3", "South"],
    ]
    assert read_back(folder, "occurred_in").values.tolist() == [["I1", "South"]]
    assert files.counts == {
        "people": 3,
        "incidents": 2,
        "neighbourhoods": 2,
        "orders": 2,
        "load_states": 1,
        "involvements": 4,
        "relationships": 2,
        "lives_in": 2,
        "occurred_in": 1,
        "bound_by": 2,
        "protects": 1,
    }


def test_a_field_with_a_comma_a_quote_and_line_breaks_round_trips(tmp_path):
    files = write_import(hostile_dataset(), tmp_path / "imp")
    assert files.multiline
    people = read_back(files.folder, "person").set_index("person_id:ID(Person)")
    assert people.loc["P1", "surname"] == HOSTILE
    assert people.loc["P2", "forenames"] == "Ann\nMarie"
    incidents = read_back(files.folder, "incident").set_index("incident_id:ID(Incident)")
    assert incidents.loc["I1", "summary"] == HOSTILE
    assert '"--multiline-fields=true"' in files.argument_file.read_text().splitlines()


def test_multiline_parsing_only_when_a_field_holds_a_line_break(tmp_path):
    r = Records()
    r.abuse("I1", "2024-01-05", "P1", "P2", summary='a, "quoted" summary')
    files = write_import(records_dataset(r), tmp_path / "imp")
    assert not files.multiline
    assert '"--multiline-fields=false"' in files.argument_file.read_text().splitlines()


def test_rows_are_deduplicated_by_key_keeping_the_last(tmp_path):
    dataset = hostile_dataset()
    again = dataset.people[dataset.people["person_id"] == "P3"].assign(surname="Later")
    dataset = Dataset(
        people=pd.concat([dataset.people, again]),
        incidents=dataset.incidents,
        involvements=pd.concat([dataset.involvements, dataset.involvements]),
        relationships=dataset.relationships,
        orders=dataset.orders,
    )
    files = write_import(dataset, tmp_path / "imp")
    people = read_back(files.folder, "person").set_index("person_id:ID(Person)")
    assert len(people) == 3
    assert people.loc["P3", "surname"] == "Later"
    assert files.counts["involvements"] == 4


def test_the_argument_file_refuses_to_skip_anything(tmp_path):
    files = write_import(hostile_dataset(), tmp_path / "my imp", database="db1")
    lines = [shlex.split(line)[0] for line in files.argument_file.read_text().splitlines()]
    assert lines[-1] == "db1"
    for option in (
        "--overwrite-destination=true",
        "--skip-bad-relationships=false",
        "--skip-duplicate-nodes=false",
        "--bad-tolerance=0",
        "--strict=true",
        f"--report-file={files.report_file}",
    ):
        assert option in lines
    assert files.report_file.parent == files.folder
    assert f"--nodes=Person={files.folder}/person.header.csv,{files.folder}/person.csv" in lines
    assert not any("skip" in line and line.endswith("true") for line in lines)
    assert oct(files.argument_file.stat().st_mode & 0o777) == "0o600"


def test_a_folder_path_the_file_lists_cannot_carry_is_refused(tmp_path):
    with pytest.raises(StoreError, match="comma"):
        write_import(hostile_dataset(), tmp_path / "a,b")


def test_an_empty_string_takes_the_create_path(tmp_path):
    dataset = hostile_dataset()
    assert importable(dataset) is None
    dataset.people.loc[0, "aliases"] = ""
    assert importable(dataset) == "people.aliases holds an empty string"
    bulk = BulkImport("true", tmp_path / "imp", tmp_path / "log")
    assert not bulk.accepts(dataset)


class _NoStore:
    """What BulkImport.load reads of a store before it runs the command."""

    database = None
    uri = "bolt://nowhere"

    def database_name(self) -> str:
        return "neo4j"


def test_a_failing_command_names_the_exit_code_and_the_log_and_leaves_no_files(tmp_path, capfd):
    command = tmp_path / "import-command"
    command.write_text("#!/bin/sh\necho 'importing from' \"$1\"\necho 'it broke' >&2\nexit 3\n")
    command.chmod(0o700)
    workspace = Workspace(tmp_path / "ws")
    bulk = BulkImport(
        shlex.quote(str(command)), workspace.neo4j_import_dir, workspace.neo4j_import_log
    )
    with pytest.raises(StoreError) as caught:
        bulk.load(_NoStore(), hostile_dataset())  # type: ignore[arg-type]
    message = str(caught.value)
    assert "exit code 3" in message and str(workspace.neo4j_import_log) in message
    assert "Smith" not in message
    assert not workspace.neo4j_import_dir.exists()
    log = workspace.neo4j_import_log.read_text()
    assert "it broke" in log and "import.args" in log
    out, err = capfd.readouterr()
    assert "it broke" not in out + err


def test_a_command_that_cannot_start_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="cannot run the Neo4j import command"):
        run_import_command([str(tmp_path / "missing")], tmp_path / "args", tmp_path / "log")
    workspace = Workspace(tmp_path / "ws")
    bulk = BulkImport("  ", workspace.neo4j_import_dir, workspace.neo4j_import_log)
    with pytest.raises(StoreError, match="blank"):
        bulk.load(_NoStore(), hostile_dataset())  # type: ignore[arg-type]


def test_the_setting_comes_from_the_config_and_the_environment(tmp_path):
    config = tmp_path / "force.toml"
    config.write_text('[neo4j]\nimport_command = "scripts/neo4j-local import"\n')
    assert load_settings(config, environ={}).neo4j_import_command == "scripts/neo4j-local import"
    env = {"PERP_GRAPH_NEO4J_IMPORT_COMMAND": "my-import --now"}
    assert load_settings(config, environ=env).neo4j_import_command == "my-import --now"
    assert load_settings(environ={}).neo4j_import_command is None
    config.write_text('[neo4j]\nimport_comand = "x"\n')
    with pytest.raises(ConfigError, match="import_comand"):
        load_settings(config, environ={})
    config.write_text('[neo4j]\nimport_command = " "\n')
    with pytest.raises(ConfigError, match="must be a command line"):
        load_settings(config, environ={})


def test_the_session_gives_the_store_the_workspace_folders(tmp_path):
    settings = load_settings(
        workspace=tmp_path / "ws",
        environ={
            "PERP_GRAPH_NEO4J_URI": "bolt://127.0.0.1:1",
            "PERP_GRAPH_NEO4J_INSECURE": "1",
            "PERP_GRAPH_NEO4J_IMPORT_COMMAND": "scripts/neo4j-local import",
        },
    )
    store = open_store(settings)
    assert isinstance(store, Neo4jStore) and store.bulk_import is not None
    assert store.bulk_import.folder == Workspace(tmp_path / "ws").neo4j_import_dir
    assert store.bulk_import.log_file == Workspace(tmp_path / "ws").neo4j_import_log
    store.close()


# --- on a Neo4j of the test's own -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnNeo4j:
    """scripts/neo4j-local on a port and folder of its own."""

    def __init__(self, folder: Path) -> None:
        self.env = {"NEO4J_LOCAL_PORT": str(free_port()), "NEO4J_LOCAL_DIR": str(folder)}
        self.script = ROOT / "scripts" / "neo4j-local"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(
            [str(self.script), *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        return done.stdout.strip()

    @property
    def import_command(self) -> str:
        settings = " ".join(f"{k}={v}" for k, v in self.env.items())
        return f"env {settings} {shlex.quote(str(self.script))} import"


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory) -> Iterator[OwnNeo4j]:
    server = OwnNeo4j(tmp_path_factory.mktemp("own-neo4j"))
    try:
        server("start")
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        pytest.skip(f"cannot start a Neo4j of the test's own: {exc}")
    try:
        yield server
    finally:
        server("stop")


def importing_store(server: OwnNeo4j, workspace: Workspace) -> Neo4jStore:
    bulk = BulkImport(server.import_command, workspace.neo4j_import_dir, workspace.neo4j_import_log)
    uri = f"bolt://127.0.0.1:{server.env['NEO4J_LOCAL_PORT']}"
    return Neo4jStore(uri, query_timeout=120, allow_insecure=True, bulk_import=bulk)


def typed(store: Neo4jStore) -> list[tuple]:
    """Every node's and relationship's properties with their Neo4j types (the snapshot
    compares values as text only), and the schema's names."""
    nodes, _, _ = store.driver.execute_query(
        "MATCH (n) RETURN labels(n) AS l, [k IN keys(n) | [k, valueType(n[k])]] AS t"
    )
    rels, _, _ = store.driver.execute_query(
        "MATCH ()-[r]->() RETURN type(r) AS l, [k IN keys(r) | [k, valueType(r[k])]] AS t"
    )
    schema, _, _ = store.driver.execute_query(
        "SHOW INDEXES YIELD name, type, labelsOrTypes, properties RETURN *"
    )
    return sorted(
        [(str(r["l"]), sorted(map(tuple, r["t"]))) for r in [*nodes, *rels]]
        + [("schema", sorted(map(str, r.values()))) for r in schema]
    )


@pytest.fixture(scope="module")
def synth_data(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("import-data")
    generate(folder, SynthConfig(seed=7, incidents=800, years=4, end_date=AS_OF))
    return folder


@pytest.mark.neo4j
@pytest.mark.slow
def test_the_import_gives_the_create_paths_graph_and_a_reload_merges(
    own_neo4j, neo4j_store, synth_data, tmp_path
):
    neo4j_uri()
    workspace = Workspace(tmp_path / "ws")
    store = importing_store(own_neo4j, workspace)
    try:
        report = load_folder(synth_data, store, _settings(workspace))
        assert store.state() == "complete"
        assert not workspace.neo4j_import_dir.exists()
        assert "IMPORT DONE" in workspace.neo4j_import_log.read_text()
        imported = store.snapshot()
        imported_types = typed(store)
        scan = to_json(store.acpo_scan(ScanParameters(as_of=AS_OF)))
        with store.driver.session(database=store.database) as session:
            states = session.run("SHOW INDEXES YIELD state RETURN collect(DISTINCT state) AS s")
            online = states.single()["s"]

        neo4j_store.clear()
        created = load_folder(synth_data, neo4j_store, _settings(Workspace(tmp_path / "ws2")))
        assert report.store_counts == created.store_counts
        assert online == ["ONLINE"]  # the load is complete only with every index online
        assert imported == neo4j_store.snapshot()
        assert imported_types == typed(neo4j_store)

        embedded = EmbeddedStore(tmp_path / "ws3" / "embedded")
        load_folder(synth_data, embedded, _settings(Workspace(tmp_path / "ws3")))
        assert scan == to_json(embedded.acpo_scan(ScanParameters(as_of=AS_OF)))

        # A re-load finds the store not empty: MERGE, no import, the same graph.
        log_before = workspace.neo4j_import_log.stat().st_mtime_ns
        load_folder(synth_data, store, _settings(workspace))
        assert workspace.neo4j_import_log.stat().st_mtime_ns == log_before
        assert store.state() == "complete"
        assert store.snapshot() == imported
        assert to_json(store.acpo_scan(ScanParameters(as_of=AS_OF))) == scan
    finally:
        store.clear()
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_hostile_fields_import_as_the_create_path_writes_them(own_neo4j, neo4j_store, tmp_path):
    neo4j_uri()
    dataset = hostile_dataset()
    workspace = Workspace(tmp_path / "ws")
    store = importing_store(own_neo4j, workspace)
    try:
        store.load(dataset)
        assert store.state() == "complete"
        neo4j_store.clear()
        neo4j_store.load(dataset)
        assert store.snapshot() == neo4j_store.snapshot()
        assert typed(store) == typed(neo4j_store)
        surnames = store.records_about(["P1"]).people.set_index("person_id")["surname"]
        assert surnames["P1"] == HOSTILE
    finally:
        store.clear()
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_dangling_relationship_fails_the_import_and_leaves_an_empty_store(own_neo4j, tmp_path):
    neo4j_uri()
    dataset = hostile_dataset()
    dataset.involvements.loc[0, "person_id"] = "P404"  # no such person
    workspace = Workspace(tmp_path / "ws")
    store = importing_store(own_neo4j, workspace)
    try:
        # The store refuses it before anything is written (dangling_references) ...
        with pytest.raises(StoreError, match="nothing was loaded"):
            store.load(dataset)
        assert not workspace.neo4j_import_dir.exists()
        # ... and neo4j-admin refuses it too, should it get there.
        assert store.bulk_import is not None
        with pytest.raises(StoreError, match="import command failed") as caught:
            store.bulk_import.load(store, dataset)
        assert str(workspace.neo4j_import_log) in str(caught.value)
        assert not workspace.neo4j_import_dir.exists()
        assert store.state() == "empty"
        assert store.counts() == dict.fromkeys(Dataset.names(), 0)
    finally:
        store.close()


@pytest.mark.neo4j
@pytest.mark.slow
def test_a_load_cut_short_after_the_import_is_completed_by_a_rerun(
    own_neo4j, neo4j_store, tmp_path, monkeypatch
):
    neo4j_uri()
    dataset = hostile_dataset()
    neo4j_store.clear()
    neo4j_store.load(dataset)
    expected = neo4j_store.snapshot()
    store = importing_store(own_neo4j, Workspace(tmp_path / "ws"))
    real = store.run

    def cut(name: str, **params):
        if name == "load/set_state" and params.get("state") == "complete":
            raise StoreError("the connection was cut")
        return real(name, **params)

    try:
        monkeypatch.setattr(store, "run", cut)
        with pytest.raises(StoreError, match="cut"):
            store.load(dataset)
        monkeypatch.undo()
        assert store.state() == "loading"
        with pytest.raises(StoreError, match="incomplete"):
            store.acpo_scan(ScanParameters(as_of=AS_OF))
        store.load(dataset)  # not empty: MERGE
        assert store.state() == "complete"
        assert store.snapshot() == expected
    finally:
        store.clear()
        store.close()


def _settings(workspace: Workspace):
    from perp_graph.settings import Settings

    return Settings(workspace=workspace.root, resolve=False)


def test_csv_reader_agrees_with_the_quoting(tmp_path):
    """The files are RFC 4180 as Python's csv module reads them (a check of pandas'
    quoting; neo4j-admin's own reading of them is tested on a server by
    test_hostile_fields_import_as_the_create_path_writes_them)."""
    files = write_import(hostile_dataset(), tmp_path / "imp")
    with (files.folder / "incident.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert [row[0] for row in rows] == ["I1", "I2"]
    assert rows[0][6] == HOSTILE


def test_import_files_a_killed_load_left_are_deleted_by_the_next_load(tmp_path):
    folder = tmp_path / "ws" / "neo4j-import"
    folder.mkdir(parents=True)
    (folder / "person.csv").write_text("P1,Smith\n")
    remove_import_files(folder)
    assert not folder.exists()
    remove_import_files(folder)  # nothing there: nothing to do


def test_import_files_that_cannot_be_deleted_are_an_error_naming_the_folder(tmp_path, monkeypatch):
    folder = tmp_path / "neo4j-import"
    folder.mkdir()

    def refuse(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "rmtree", refuse)
    with pytest.raises(StoreError, match="delete the folder by hand") as caught:
        remove_import_files(folder)
    assert str(folder) in str(caught.value)


@pytest.mark.neo4j
def test_the_import_replaces_the_database_the_server_serves_not_one_assumed(neo4j_store, tmp_path):
    """With no database configured, the name comes from the server (db.info), and the
    argument file names it."""
    assert neo4j_store.database is None
    name = neo4j_store.database_name()
    assert name == "neo4j"  # the launcher's default database
    files = write_import(hostile_dataset(), tmp_path / "imp", database=name)
    assert f'"{name}"' in files.argument_file.read_text().splitlines()
