"""The audit log (DPA 2018 s.62): every command leaves its record, the chain shows any
tampering and names the record, and no record means no output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perp_graph import api
from perp_graph.audit import AuditLog, file_digest
from perp_graph.cli import app
from perp_graph.errors import AuditError
from perp_graph.pipeline.load import load_folder
from tests.records import Records

AS_OF = "2024-06-30"


def world() -> Records:
    r = Records()
    r.person("P", home_neighbourhood="Northgate")
    r.abuse("I1", "2022-03-10", "P", "V1", neighbourhood="Northgate")
    r.abuse("I2", "2023-05-20", "P", "V2")
    r.order("P", "custody", "2024-01-01", "2024-07-10")
    r.abuse("J1", "2015-01-01", "Q", "W")  # old: purged before 2016
    return r


def invoke(*args: str) -> object:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def records(workspace: Path) -> list[dict]:
    return list(AuditLog(workspace).records())


def test_every_command_appends_its_record_with_user_purpose_people_and_file_hashes(
    tmp_path, embedded_store_only
):
    data = world().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    invoke("load", str(data), *ws, "-q", "--user", "analyst1")
    invoke("scan", *ws, "--as-of", AS_OF, "-q", "--user", "analyst1")
    out = tmp_path / "scan.json"
    invoke("scan", *ws, "--as-of", AS_OF, "--format", "json", "-o", str(out), "-q",
           "--purpose", "MATAC 12 May")  # fmt: skip
    invoke("watch", *ws, "--as-of", AS_OF, "-q")
    invoke("brief", "--out", str(tmp_path / "b"), *ws, "--as-of", AS_OF, "--no-pdf", "-q")
    invoke("network", "P", "--out", str(tmp_path / "n.html"), *ws, "--as-of", AS_OF, "-q")
    invoke("profile", "--out", str(tmp_path / "p"), *ws, "--as-of", AS_OF, "--years", "1", "-q")
    invoke("identities", "review", *ws)
    invoke("identities", "reject", "V1", "V2", "--user", "analyst2", *ws)
    invoke("purge", "--before", "2016-01-01", "--yes", *ws, "-q")
    log = records(tmp_path / "ws")
    assert [(r["operation"], r["command"]) for r in log] == [
        ("collection", "load"),
        ("combination", "load: identity resolution"),
        ("consultation", "scan"),
        ("consultation", "scan"),
        ("disclosure", "scan"),
        ("consultation", "watch"),
        ("disclosure", "brief"),
        ("disclosure", "network"),
        ("consultation", "profile"),
        ("consultation", "identities review"),
        ("combination", "identities reject"),
        ("erasure", "purge"),  # its intent, before anything is erased
        ("combination", "purge: identity resolution"),
        ("erasure", "purge"),
    ]
    by_command = {}
    for r in log:
        by_command.setdefault(r["command"], r)
    assert by_command["load"]["user"] == "analyst1"
    assert {"P", "V1", "V2", "Q", "W"} <= set(by_command["load"]["person_ids"])
    disclosure = next(r for r in log if r["operation"] == "disclosure" and r["command"] == "scan")
    assert disclosure["purpose"] == "MATAC 12 May"
    assert {"P", "V1", "V2"} <= set(disclosure["person_ids"])
    (written,) = disclosure["files"]
    assert written == {"path": str(out.absolute()), "sha256": file_digest(out)}
    brief = by_command["brief"]
    assert {f["path"] for f in brief["files"]} >= {str((tmp_path / "b" / "index.html").absolute())}
    assert all(f["sha256"] == file_digest(Path(f["path"])) for f in brief["files"])
    assert by_command["identities reject"]["user"] == "analyst2"
    assert by_command["identities reject"]["person_ids"] == ["V1", "V2"]
    assert by_command["network"]["parameters"]["person_id"] == "P"


def test_purge_is_recorded_by_counts_and_a_digest_never_the_erased_ids(
    tmp_path, embedded_store_only
):
    data = world().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    invoke("load", str(data), *ws, "-q")
    invoke("purge", "--before", "2016-01-01", "--yes", *ws, "-q")
    erasure = records(tmp_path / "ws")[-1]
    assert erasure["operation"] == "erasure"
    assert erasure["counts"]["people"] == 2 and erasure["counts"]["incidents"] == 1
    assert erasure["person_ids"] == []
    assert "erased_ids_sha256" in erasure["parameters"]
    assert '"Q"' not in json.dumps(erasure) and '"W"' not in json.dumps(erasure)


def test_verify_passes_an_intact_log(tmp_path, embedded_store_only):
    load_folder(world().write(tmp_path / "data"), *_store(tmp_path))
    log = AuditLog(tmp_path / "ws")
    for n in range(3):
        log.append(operation="consultation", command=f"c{n}", user="u", purpose=None,
                   parameters={})  # fmt: skip
    assert log.verify() == (3, [])
    result = CliRunner().invoke(app, ["audit", "verify", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == 0 and "3 records, chain intact" in result.output


def _store(tmp_path):
    from perp_graph.settings import Settings
    from perp_graph.store.embedded import EmbeddedStore

    return EmbeddedStore(tmp_path / "ws"), Settings(workspace=tmp_path / "ws")


def _three(tmp_path) -> AuditLog:
    log = AuditLog(tmp_path / "ws")
    for n in range(1, 5):
        log.append(operation="consultation", command=f"scan {n}", user="u", purpose=None,
                   parameters={}, person_ids=[f"P{n}"])  # fmt: skip
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text().splitlines(keepends=True)


def test_verify_names_an_edited_record(tmp_path):
    log = _three(tmp_path)
    lines = _lines(log)
    lines[1] = lines[1].replace('"user":"u"', '"user":"someone else"')
    log.path.write_text("".join(lines))
    _n, problems = log.verify()
    assert [(p.seq, p.what.split(":")[0]) for p in problems] == [(2, "edited")]
    result = CliRunner().invoke(app, ["audit", "verify", "--workspace", str(tmp_path / "ws")])
    assert result.exit_code == AuditError.exit_code
    assert "record 2 (line 2): edited" in result.stderr


def test_verify_names_where_a_record_was_deleted(tmp_path):
    log = _three(tmp_path)
    lines = _lines(log)
    del lines[1]
    log.path.write_text("".join(lines))
    _n, problems = log.verify()
    assert problems and problems[0].seq == 3
    assert "expected record 2, found 3" in problems[0].what


def test_verify_names_reordered_records(tmp_path):
    log = _three(tmp_path)
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_text("".join(lines))
    _n, problems = log.verify()
    assert {p.seq for p in problems} >= {3, 2}


def test_verify_finds_a_rewritten_record_even_with_its_hash_recomputed(tmp_path):
    """Re-hashing an edited record breaks the link from the record after it."""
    from perp_graph.audit import _hash

    log = _three(tmp_path)
    lines = _lines(log)
    record = json.loads(lines[1])
    record["person_ids"] = []
    record["hash"] = _hash(record)
    lines[1] = json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n"
    log.path.write_text("".join(lines))
    _n, problems = log.verify()
    assert [p.seq for p in problems] == [3]
    assert "chain is broken" in problems[0].what


def test_show_filters_by_person_user_and_date(tmp_path):
    log = _three(tmp_path)
    log.append(operation="disclosure", command="brief", user="sgt", purpose="x",
               parameters={}, person_ids=["P2"])  # fmt: skip
    assert [r["command"] for r in log.show(person_id="P2")] == ["scan 2", "brief"]
    assert [r["command"] for r in log.show(user="sgt")] == ["brief"]
    today = dt.datetime.now(dt.UTC).date()
    assert len(log.show(since=today, until=today)) == 5
    assert log.show(until=today - dt.timedelta(days=1)) == []
    result = CliRunner().invoke(
        app,
        [
            "audit",
            "show",
            "--person",
            "P2",
            "--format",
            "json",
            "--workspace",
            str(tmp_path / "ws"),
        ],
    )
    assert [json.loads(line)["command"] for line in result.output.splitlines()] == [
        "scan 2",
        "brief",
    ]


def _broken_sink(workspace: Path) -> None:
    """An audit log that cannot be appended to: its path is a folder."""
    (workspace / "audit" / "audit.jsonl").mkdir(parents=True)


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "--as-of", AS_OF],
        ["watch", "--as-of", AS_OF],
        ["brief", "--out", "{tmp}/b", "--as-of", AS_OF, "--no-pdf"],
        ["network", "P", "--out", "{tmp}/n.html", "--as-of", AS_OF],
        ["profile", "--out", "{tmp}/p", "--as-of", AS_OF],
        ["load", "{tmp}/data"],
        ["purge", "--before", "2016-01-01", "--yes"],
    ],
)
def test_a_failing_audit_sink_blocks_the_command_and_its_output(
    tmp_path, embedded_store_only, command
):
    data = world().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    invoke("load", str(data), *ws, "-q")
    (tmp_path / "ws" / "audit" / "audit.jsonl").unlink()
    _broken_sink(tmp_path / "ws")
    before = sorted(p for p in tmp_path.rglob("*") if "audit" not in p.parts)
    args = [a.replace("{tmp}", str(tmp_path)) for a in command]
    result = CliRunner().invoke(app, [*args, *ws, "-q"])
    assert result.exit_code == AuditError.exit_code, result.output
    assert "cannot write the audit log" in result.stderr
    assert result.stdout == ""
    after = sorted(p for p in tmp_path.rglob("*") if "audit" not in p.parts)
    new = [p for p in after if p not in before and "reports" not in p.parts]
    assert new == []


def test_a_record_that_fails_at_the_end_leaves_no_briefings(
    tmp_path, embedded_store_only, monkeypatch
):
    from perp_graph.settings import Settings

    load_folder(world().write(tmp_path / "data"), *_store(tmp_path))

    def fail(self, **_record):
        raise AuditError("cannot write the audit log (disk full)")

    monkeypatch.setattr(AuditLog, "append", fail)
    with pytest.raises(AuditError):
        api.brief(Settings(workspace=tmp_path / "ws"), tmp_path / "b",
                  as_of=dt.date(2024, 6, 30), pdf=False)  # fmt: skip
    assert not (tmp_path / "b" / "index.html").exists()
    assert [p for p in (tmp_path / "b").rglob("*") if p.is_file()] == []


def test_exports_and_unmask_need_a_purpose(tmp_path, embedded_store_only):
    data = world().write(tmp_path / "data")
    ws = ["--workspace", str(tmp_path / "ws")]
    invoke("load", str(data), *ws, "-q")
    result = CliRunner().invoke(app, ["scan", "-o", str(tmp_path / "x.csv"), *ws, "-q"])
    assert result.exit_code == 2 and "--purpose" in result.stderr
    assert not (tmp_path / "x.csv").exists()
    result = CliRunner().invoke(app, ["watch", "-o", str(tmp_path / "w.csv"), *ws, "-q"])
    assert result.exit_code == 2 and "--purpose" in result.stderr
    consultations = [r for r in records(tmp_path / "ws") if r["command"] in ("scan", "watch")]
    assert consultations == []  # refused before any work
