"""Hypothesis profiles (tests/conftest.py loads one before any test module is imported).

- `ci`: every property runs its full example count (the counts written in the tests).
  Chosen under CI=true, and by scripts/test (so `make test` and .ci/run).
- `dev`: a fifth of each count (at least 10), for the inner loop (`make test-fast`, a bare
  `pytest`). Chosen otherwise.

HYPOTHESIS_PROFILE=ci|dev overrides the choice."""

from __future__ import annotations

import os

from hypothesis import settings

PROFILES = ("ci", "dev")
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI", "").lower() == "true" else "dev"
)
if PROFILE not in PROFILES:
    raise RuntimeError(f"HYPOTHESIS_PROFILE={PROFILE!r}: use one of {', '.join(PROFILES)}")

settings.register_profile("ci", print_blob=True)
settings.register_profile("dev", max_examples=20)
settings.load_profile(PROFILE)


def examples(full: int) -> int:
    """A property's example count: `full` in the ci profile, a fifth (at least 10) in dev.
    Tests pass their count through this, since a count in @settings outranks a profile."""
    return full if PROFILE == "ci" else max(10, full // 5)
