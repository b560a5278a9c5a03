"""The contract's files and columns are named once (perp_graph/contract.py); every other
list of them is derived from it."""

from __future__ import annotations

from perp_graph import contract, settings
from perp_graph.dataset import SCHEMA, Dataset
from perp_graph.pipeline import extract
from perp_graph.store.protocol import FORCE_COLUMNS


def test_every_contract_file_is_a_table_of_the_store():
    assert list(contract.FILES) == Dataset.names()
    assert tuple(contract.FILES) == contract.REQUIRED_FILES + contract.OPTIONAL_FILES


def test_the_store_holds_the_contract_columns_in_order_and_the_extras():
    for stem, columns in contract.CONTRACT_COLUMNS.items():
        assert list(SCHEMA[stem]) == [*columns, "extra"]


def test_required_columns_come_first_and_optional_ones_after():
    for stem, columns in contract.CONTRACT_COLUMNS.items():
        required = contract.REQUIRED_COLUMNS[stem]
        assert columns == required + contract.OPTIONAL_COLUMNS[stem]


def test_contract_1_7_columns_are_contract_columns():
    assert "warning_markers" in contract.OPTIONAL_COLUMNS["people"]
    assert "officer_in_case" in contract.OPTIONAL_COLUMNS["incidents"]


def test_older_import_paths_name_the_same_lists():
    assert settings.CONTRACT_COLUMNS is contract.CONTRACT_COLUMNS
    assert extract.REQUIRED_COLUMNS is contract.REQUIRED_COLUMNS
    assert extract.REQUIRED_FILES is contract.REQUIRED_FILES


def test_the_force_view_carries_only_contract_columns():
    for stem, columns in FORCE_COLUMNS.items():
        assert set(columns) <= set(SCHEMA[stem]), stem
