"""Suite-wide settings: the plan cache and Claude answer cache go to a
temporary directory, never the user's ~/.cache."""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if "TEAMSPEC_CACHE_DIR" not in os.environ:
        os.environ["TEAMSPEC_CACHE_DIR"] = tempfile.mkdtemp(prefix="teamspec-test-cache-")
