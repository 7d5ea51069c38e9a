from __future__ import annotations

import pytest

from tests.support import BOARDS


@pytest.fixture(autouse=True, scope="session")
def _recordings_present():
    if not BOARDS.is_dir():
        pytest.skip("../shared/fixtures is not present")
