"""One settings object: defaults < config file < environment < flags.

The config file is TOML. It maps a force's export to the contract (column
names, force offence codes) and sets the scan's defaults. See
`etl/mappings/example-force.toml`.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from perp_graph.contract import CONTRACT_COLUMNS
from perp_graph.errors import ConfigError
from perp_graph.model import (
    ACTION_KINDS,
    DEFAULT_CONNECTION_TYPES,
    DEFAULT_VIOLENT_CATEGORIES,
    OFFENCE_CATEGORIES,
    PARTS,
    RELATIONSHIP_TYPES,
    Contact,
    PrioritySettings,
)
from perp_graph.placeholders import (
    DEFAULT_NAME_NULL_TOKENS,
    DEFAULT_NO_FIXED_ABODE_POSTCODES,
    DEFAULT_NULL_TOKENS,
    DEFAULT_PLACEHOLDER_DATES_OF_BIRTH,
)

ENV_WORKSPACE = "PERP_GRAPH_WORKSPACE"
ENV_CONFIG = "PERP_GRAPH_CONFIG"
ENV_NEO4J_URI = "PERP_GRAPH_NEO4J_URI"
ENV_NEO4J_USER = "PERP_GRAPH_NEO4J_USER"
ENV_NEO4J_PASSWORD = "PERP_GRAPH_NEO4J_PASSWORD"  # never a command-line argument
ENV_NEO4J_DATABASE = "PERP_GRAPH_NEO4J_DATABASE"
ENV_NEO4J_INSECURE = "PERP_GRAPH_NEO4J_INSECURE"  # development servers only
ENV_NEO4J_IMPORT_COMMAND = "PERP_GRAPH_NEO4J_IMPORT_COMMAND"
DEFAULT_WORKSPACE = Path(".perp-graph")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one command."""

    workspace: Path = DEFAULT_WORKSPACE
    config_path: Path | None = None
    dayfirst: bool = False
    #: file stem -> contract column -> the export's column name
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    #: force offence code (case-folded) -> contract category
    offence_codes: dict[str, str] = field(default_factory=dict)
    window_years: int = 3
    min_victims: int = 2
    violent_categories: frozenset[str] = DEFAULT_VIOLENT_CATEGORIES
    connection_types: frozenset[str] = DEFAULT_CONNECTION_TYPES
    #: cells read as blank (any case), in every column and also in name columns
    #: (contract 1.6; [input] null_tokens, name_null_tokens)
    null_tokens: tuple[str, ...] = DEFAULT_NULL_TOKENS
    name_null_tokens: tuple[str, ...] = DEFAULT_NAME_NULL_TOKENS
    #: values kept but unknown for matching (contract 1.6; [input] placeholder_dates_of_birth,
    #: no_fixed_abode_postcodes; a code ending in * is a prefix)
    placeholder_dates_of_birth: tuple[str, ...] = DEFAULT_PLACEHOLDER_DATES_OF_BIRTH
    no_fixed_abode_postcodes: tuple[str, ...] = DEFAULT_NO_FIXED_ABODE_POSTCODES
    #: resolve duplicate person records into identities after each load (issue 6)
    resolve: bool = True
    #: the priority score's weights, harm table and bands ([priority] in the config)
    priority: PrioritySettings = field(default_factory=PrioritySettings)
    #: Neo4j server; None selects the embedded store
    neo4j_uri: str | None = None
    neo4j_user: str | None = None
    neo4j_password: str | None = field(default=None, repr=False)
    neo4j_database: str | None = None
    #: allow plain or self-signed Neo4j connections (development servers only)
    neo4j_insecure: bool = False
    #: a command line that stops the Neo4j server, runs `neo4j-admin database import full
    #: @ARGFILE` (the path it is given last) and starts the server again: a first load into
    #: an empty database then goes through it (store.neo4j_import; [neo4j] import_command)
    neo4j_import_command: str | None = None
    #: who runs the command and why (the audit log; --user / --purpose)
    user: str | None = None
    purpose: str | None = None
    #: seconds a command waits for another to release the workspace's lock
    #: ([workspace] lock_wait; perp_graph.workspace)
    lock_wait: float = 300.0
    #: who a sergeant can call, printed in every briefing pack ([contacts] in the config)
    contacts: tuple[Contact, ...] = ()
    #: days from raising an action to its due date, per kind ([actions] due_days; the
    #: defaults and the kinds are analytics.register's)
    action_due_days: dict[str, int] = field(default_factory=dict)

    def with_flags(self, **flags: Any) -> Settings:
        """Apply command-line flags; a flag left as None keeps the earlier layer."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


def load_settings(
    config: Path | None = None,
    workspace: Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Resolve settings from defaults, the config file, the environment and flags.

    Args:
        config: the TOML config file (else $PERP_GRAPH_CONFIG, else none).
        workspace: the workspace flag (else $PERP_GRAPH_WORKSPACE, else .perp-graph).
        environ: the environment to read (os.environ by default).

    Raises:
        ConfigError: the config file is missing, not TOML, or names an unknown section,
            key, contract file, column, category or priority part.
    """
    env = os.environ if environ is None else environ
    config_path = config or (Path(env[ENV_CONFIG]) if env.get(ENV_CONFIG) else None)
    settings = Settings()
    if config_path is not None:
        settings = _apply_config_file(settings, config_path)
    if env.get(ENV_WORKSPACE):
        settings = replace(settings, workspace=Path(env[ENV_WORKSPACE]))
    settings = replace(
        settings,
        neo4j_uri=env.get(ENV_NEO4J_URI) or None,
        neo4j_user=env.get(ENV_NEO4J_USER) or None,
        neo4j_password=env.get(ENV_NEO4J_PASSWORD) or None,
        neo4j_database=env.get(ENV_NEO4J_DATABASE) or None,
        neo4j_insecure=env.get(ENV_NEO4J_INSECURE, "").strip().lower() in ("1", "true", "yes"),
        neo4j_import_command=env.get(ENV_NEO4J_IMPORT_COMMAND) or settings.neo4j_import_command,
    )
    if workspace is not None:
        settings = replace(settings, workspace=workspace)
    return settings


_SECTIONS = {
    "input",
    "offence_codes",
    "scan",
    "priority",
    "workspace",
    "contacts",
    "actions",
    "neo4j",
}
_CONTACT_KEYS = ("role", "name", "phone", "note")
_PRIORITY_KEYS = {"weights", "harm_days", "high_at", "medium_at"}
_INPUT_LISTS = (
    "null_tokens",
    "name_null_tokens",
    "placeholder_dates_of_birth",
    "no_fixed_abode_postcodes",
)
_INPUT_KEYS = {"dayfirst", "columns", *_INPUT_LISTS}
_SCAN_KEYS = {"window_years", "min_victims", "violent_categories", "connection_types"}


def _apply_config_file(settings: Settings, path: Path) -> Settings:
    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{path}: {problem}")

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail("config file not found; check the --config path") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise fail(f"not valid TOML ({exc}); see etl/mappings/example-force.toml") from None

    unknown = set(raw) - _SECTIONS
    if unknown:
        raise fail(f"unknown section(s) {sorted(unknown)}; allowed: {sorted(_SECTIONS)}")

    changes: dict[str, Any] = {"config_path": path}
    section = raw.get("input", {})
    if set(section) - _INPUT_KEYS:
        raise fail(f"unknown key(s) {sorted(set(section) - _INPUT_KEYS)} in [input]")
    if "dayfirst" in section:
        if not isinstance(section["dayfirst"], bool):
            raise fail("[input] dayfirst must be true or false")
        changes["dayfirst"] = section["dayfirst"]
    for key in _INPUT_LISTS:
        if key in section:
            values = section[key]
            if not isinstance(values, list) or not all(
                isinstance(v, str) and v.strip() for v in values
            ):
                raise fail(f"[input] {key} must be a list of non-blank strings")
            if key == "placeholder_dates_of_birth":
                for value in values:
                    try:
                        dt.date.fromisoformat(value)
                    except ValueError:
                        raise fail(
                            f"[input] placeholder_dates_of_birth: {value!r} is not a date "
                            "(YYYY-MM-DD)"
                        ) from None
            changes[key] = tuple(values)
    columns: dict[str, dict[str, str]] = {}
    for stem, mapping in section.get("columns", {}).items():
        if stem not in CONTRACT_COLUMNS:
            raise fail(
                f"[input.columns.{stem}]: no such input file; use one of {list(CONTRACT_COLUMNS)}"
            )
        for contract_column, export_column in mapping.items():
            if contract_column not in CONTRACT_COLUMNS[stem]:
                raise fail(
                    f"[input.columns.{stem}] {contract_column!r} is not a contract column; "
                    f"use one of {list(CONTRACT_COLUMNS[stem])}"
                )
            if not isinstance(export_column, str) or not export_column.strip():
                raise fail(f"[input.columns.{stem}] {contract_column} must name a column")
        columns[stem] = dict(mapping)
    changes["columns"] = columns

    codes: dict[str, str] = {}
    for code, category in raw.get("offence_codes", {}).items():
        if category not in OFFENCE_CATEGORIES:
            raise fail(
                f"[offence_codes] {code!r} maps to {category!r}, which is not a contract "
                f"category; use one of {list(OFFENCE_CATEGORIES)}"
            )
        codes[str(code).strip().casefold()] = category
    changes["offence_codes"] = codes

    scan = raw.get("scan", {})
    if set(scan) - _SCAN_KEYS:
        raise fail(f"unknown key(s) {sorted(set(scan) - _SCAN_KEYS)} in [scan]")
    for key in ("window_years", "min_victims"):
        if key in scan:
            if not isinstance(scan[key], int) or isinstance(scan[key], bool):
                raise fail(f"[scan] {key} must be a whole number")
            changes[key] = scan[key]
    for key, vocabulary in (
        ("violent_categories", OFFENCE_CATEGORIES),
        ("connection_types", RELATIONSHIP_TYPES),
    ):
        if key in scan:
            values = scan[key]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise fail(f"[scan] {key} must be a list of names")
            bad = sorted(set(values) - set(vocabulary))
            if bad:
                raise fail(
                    f"[scan] {key}: unknown value(s) {bad}; use names from {list(vocabulary)}"
                )
            changes[key] = frozenset(values)
    if "priority" in raw:
        changes["priority"] = _priority(raw["priority"], fail)
    section = raw.get("workspace", {})
    if set(section) - {"lock_wait"}:
        raise fail(f"unknown key(s) {sorted(set(section) - {'lock_wait'})} in [workspace]")
    if "lock_wait" in section:
        if not _number(section["lock_wait"]):
            raise fail("[workspace] lock_wait must be a number of seconds, 0 or more")
        changes["lock_wait"] = float(section["lock_wait"])
    if "contacts" in raw:
        changes["contacts"] = _contacts(raw["contacts"], fail)
    if "actions" in raw:
        changes["action_due_days"] = _due_days(raw["actions"], fail)
    section = raw.get("neo4j", {})
    if set(section) - {"import_command"}:
        raise fail(f"unknown key(s) {sorted(set(section) - {'import_command'})} in [neo4j]")
    if "import_command" in section:
        command = section["import_command"]
        if not isinstance(command, str) or not command.strip():
            raise fail(
                "[neo4j] import_command must be a command line, e.g. "
                'import_command = "scripts/neo4j-local import"'
            )
        changes["neo4j_import_command"] = command
    return replace(settings, **changes)


def _contacts(section: dict[str, Any], fail: Any) -> tuple[Contact, ...]:
    """[contacts]: one sub-table per contact, in the file's order, each with a `role` and
    optionally `name`, `phone` and `note` (strings), e.g. [contacts.marac] role = "MARAC
    coordinator", phone = "01632 960001"."""
    contacts = []
    for key, entry in section.items():
        if not isinstance(entry, dict):
            raise fail(
                f"[contacts] {key!r} must be a table, e.g. [contacts.{key}] with role, "
                "name and phone"
            )
        unknown = sorted(set(entry) - set(_CONTACT_KEYS))
        if unknown:
            raise fail(
                f"unknown key(s) {unknown} in [contacts.{key}]; allowed: {list(_CONTACT_KEYS)}"
            )
        if not all(isinstance(v, str) for v in entry.values()):
            raise fail(f"[contacts.{key}] values must be strings (quote phone numbers)")
        if not entry.get("role", "").strip():
            raise fail(f'[contacts.{key}] needs a role, e.g. role = "IDVA service"')
        contacts.append(Contact(**{k: entry[k].strip() for k in entry}))
    return tuple(contacts)


def _due_days(section: dict[str, Any], fail: Any) -> dict[str, int]:
    """[actions] due_days = {kind = days}: the action register's due dates per kind."""
    if set(section) - {"due_days"}:
        raise fail(f"unknown key(s) {sorted(set(section) - {'due_days'})} in [actions]")
    days = section.get("due_days", {})
    if not isinstance(days, dict):
        raise fail("[actions] due_days must be a table: due_days = {kind = days}")
    for kind, value in days.items():
        if kind not in ACTION_KINDS:
            raise fail(
                f"[actions.due_days] {kind!r} is not a kind of action; use one of "
                f"{list(ACTION_KINDS)}"
            )
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise fail(f"[actions.due_days] {kind} must be a whole number of days, 0 or more")
    return dict(days)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _priority(section: dict[str, Any], fail: Any) -> PrioritySettings:
    """[priority]: weights = {recency = 1, ...}, harm_days = {category = days}, high_at,
    medium_at. Harm days given replace the default's for those categories only."""
    if set(section) - _PRIORITY_KEYS:
        raise fail(
            f"unknown key(s) {sorted(set(section) - _PRIORITY_KEYS)} in [priority]; "
            f"allowed: {sorted(_PRIORITY_KEYS)}"
        )
    default = PrioritySettings()
    weights = dict(default.weights)
    for part, value in section.get("weights", {}).items():
        if part not in PARTS:
            raise fail(f"[priority.weights] {part!r} is not a part; use one of {list(PARTS)}")
        if not _number(value):
            raise fail(f"[priority.weights] {part} must be a number, 0 or more")
        weights[part] = float(value)
    harm = dict(default.harm_days)
    for category, value in section.get("harm_days", {}).items():
        if category not in OFFENCE_CATEGORIES:
            raise fail(
                f"[priority.harm_days] {category!r} is not a contract category; use one of "
                f"{list(OFFENCE_CATEGORIES)}"
            )
        if not _number(value):
            raise fail(f"[priority.harm_days] {category} must be a number of days, 0 or more")
        harm[category] = float(value)
    bands = {}
    for key in ("high_at", "medium_at"):
        if key in section:
            if not _number(section[key]):
                raise fail(f"[priority] {key} must be a number, 0 or more")
            bands[key] = float(section[key])
    result = PrioritySettings(weights=weights, harm_days=harm, **bands)
    if result.medium_at > result.high_at:
        raise fail("[priority] medium_at must not be above high_at")
    return result
