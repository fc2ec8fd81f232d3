"""Shared fixtures: stores built once per session from the packaged facts and from the small fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from kzlinks.dataset.store import StoreDir
from kzlinks.workflow import build

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def packaged_store(tmp_path_factory) -> StoreDir:
    """The store a user gets from `kg build`: every packaged fact file."""
    store = StoreDir(tmp_path_factory.mktemp("packaged") / "store")
    build(store=store)
    return store


@pytest.fixture(scope="session")
def mini_store(tmp_path_factory) -> StoreDir:
    """A store built from the one small valid fixture file only."""
    store = StoreDir(tmp_path_factory.mktemp("mini") / "store")
    build([FIXTURES / "good"], store=store, packaged=False)
    return store


@pytest.fixture(scope="session")
def corridor_store(tmp_path_factory) -> StoreDir:
    """A store built from the small corridor fixtures (a few legs of the Middle Corridor, with quotes)."""
    store = StoreDir(tmp_path_factory.mktemp("corridor") / "store")
    build([FIXTURES / "corridor"], store=store, packaged=False)
    return store
