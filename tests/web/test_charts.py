"""The inline SVG charts: escaped labels, accessible titles, tables of the same figures."""

from __future__ import annotations

import pytest

from bot.web.charts import Bar, Series, axis_ticks, hbar_chart, stacked_columns


def test_hbar_chart_escapes_labels_and_has_title_and_table() -> None:
    """Labels and values are escaped; the SVG has a <title> and an aria-label; the table repeats the figures."""
    chart = hbar_chart('<script>alert("x")</script>', [Bar("<b>Kota</b>", 3, "3"), Bar("Padang", 1, "1")],
                       headers=("Wilayah", "Jumlah"))
    svg = str(chart.svg)
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;Kota&lt;/b&gt;" in svg
    assert 'role="img"' in svg and "aria-label=" in svg and "<title id=" in svg
    assert chart.rows == (("<b>Kota</b>", "3"), ("Padang", "1")) and chart.headers == ("Wilayah", "Jumlah")
    assert 'style=' not in svg


def test_hbar_lengths_follow_the_values() -> None:
    """The longest bar is the largest value; a maximum fixes the scale."""
    svg = str(hbar_chart("t", [Bar("a", 50, "50%")], headers=("a", "b"), maximum=100).svg)
    assert 'width="100.0" height="18" class="s0"' in svg  # half of the 200-unit track


def test_stacked_columns_stack_series_and_skip_empty_days_in_the_table() -> None:
    """One rect per non-zero value, a legend entry per series; the table lists days with data and a total."""
    chart = stacked_columns("Per hari", ["2026-11-27", "2026-11-28"],
                            [Series("Jalan & <jembatan>", (0, 2)), Series("Kesehatan", (0, 3))], headers_first="Tanggal")
    svg = str(chart.svg)
    assert svg.count('class="s0"><title>') == 1 and svg.count('class="s1"><title>') == 1
    assert "Jalan &amp; &lt;jembatan&gt;" in svg
    assert chart.rows == (("2026-11-28", "2", "3", "5"),)
    assert chart.headers == ("Tanggal", "Jalan & <jembatan>", "Kesehatan", "Σ")


def test_empty_chart_is_marked_empty() -> None:
    """No figures: the template shows a message instead of a blank chart."""
    assert stacked_columns("x", ["2026-11-28"], [], headers_first="d").empty
    assert hbar_chart("x", [], headers=("a", "b")).empty


@pytest.mark.parametrize(("value", "expected"), [
    (0, (1.0, 1)), (23, (5.0, 5)), (5.85, (2.0, 3)), (100, (20.0, 5)), (0.03, (0.01, 3)), (1, (0.2, 5)),
])
def test_axis_ticks_are_round(value: float, expected: tuple[float, int]) -> None:
    """Axis steps are 1, 2 or 5 times a power of ten, at most five of them."""
    step, count = axis_ticks(value)
    assert (round(step, 6), count) == expected
