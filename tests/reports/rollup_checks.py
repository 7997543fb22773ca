"""What the rollup tests compare: a measure answered from the rollups and from the records alone."""

import pytest

from kefu.reports.metrics import measure


def table_values(table):
    return (
        {key: {code: m.value for code, m in cells.items()} for key, cells in table.rows.items()},
        {code: m.value for code, m in table.total.items()},
    )


def both(settings, codes: list[str], **kwargs):
    """The same measure of `codes` from the rollups and from the records alone."""
    settings.KEFU_ROLLUPS = True
    rolled = table_values(measure(codes, **kwargs))
    settings.KEFU_ROLLUPS = False
    raw = table_values(measure(codes, **kwargs))
    settings.KEFU_ROLLUPS = True
    return rolled, raw


def assert_same(rolled, raw):
    (rows_r, total_r), (rows_w, total_w) = rolled, raw
    assert rows_r.keys() == rows_w.keys()
    for key in rows_w:
        assert rows_r[key] == pytest.approx(rows_w[key], nan_ok=True), key
    assert total_r == pytest.approx(total_w, nan_ok=True)
