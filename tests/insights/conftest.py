"""CDNOW fixtures read from ../shared/data/cdnow through the suite's `shared_data` fixture (never copied)."""

from __future__ import annotations

import numpy as np
import pytest

from shopcx.insights.models.summary import Transactions


@pytest.fixture(scope="session")
def cdnow_dir(shared_data):
    path = shared_data / "cdnow"
    if not (path / "CDNOW_sample.txt").is_file():
        pytest.skip(f"{path} has no CDNOW sample")
    return path


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_dir):
    """The published 39-week calibration summary: ID, x, t_x, T (weeks), zbar ($)."""
    return np.genfromtxt(cdnow_dir / "cdnow_customers_summary_with_transactions.csv", delimiter=",", names=True)


@pytest.fixture(scope="session")
def cdnow_transactions(cdnow_dir) -> Transactions:
    """CDNOW_sample.txt (sample customer id, YYYYMMDD, dollars) as a tidy table with amounts in cents."""
    raw = np.loadtxt(cdnow_dir / "CDNOW_sample.txt", dtype=str)
    at = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    cents = np.rint(raw[:, 4].astype(float) * 100).astype(np.int64)
    return Transactions.from_columns(raw[:, 1].astype(np.int64), at, cents)


# The page tests (test_pages.py) sign in through the web suite's fixtures.
from ..web.conftest import client, login, make_user  # noqa: E402, F401
