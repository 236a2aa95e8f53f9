"""A pytest plugin for numpy's and pandas' suites in the guest (test-scientific.sh loads it with
`-p pytest_wasi`): what WASI cannot do, skipped with the reason instead of failing.

`capfd` and `capfdbinary` capture by duplicating file descriptors, and WASI has no dup(): the
fixture's setup raised, and left pytest's capture manager broken for every later test."""

import pytest

NO_DUP = "capturing file descriptors needs os.dup(), which WASI does not have"


@pytest.fixture
def capfd():
    pytest.skip(NO_DUP)


@pytest.fixture
def capfdbinary():
    pytest.skip(NO_DUP)
