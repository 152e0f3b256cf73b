"""A small server-rendered SVG chart: daily revenue as bars, failure rate as a line.

No JavaScript and nothing fetched from elsewhere; every text in it is escaped.
"""

import math

from django.utils.html import escape

from payments.money import format_money
from payments.selectors.reports import DayPoint

WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 80, 50, 24, 32
BAR = "#4c8bf5"
LINE = "#cf222e"


def revenue_chart_svg(points: list[DayPoint], currency: str) -> str:
    """Bars of each day's revenue (left axis, money) and the failure rate of sessions created
    that day (right axis, %), for one currency."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points), 1)
    top_revenue = max((p.revenue for p in points), default=0) or 1
    rates = [p.failure_rate or 0.0 for p in points]
    top_rate = max(0.1, math.ceil(max(rates, default=0) * 10) / 10)

    def y_money(value: int) -> float:
        return TOP + plot_h - plot_h * value / top_revenue

    def y_rate(value: float) -> float:
        return TOP + plot_h - plot_h * value / top_rate

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" role="img" aria-label="{escape(currency.upper())} revenue and failure '
        'rate per day" style="max-width: 760px; font: 11px sans-serif">',
        _axes(plot_w, plot_h),
        _label(LEFT - 6, TOP + 4, format_money(top_revenue, currency), "end"),
        _label(LEFT - 6, TOP + plot_h, format_money(0, currency), "end"),
        _label(WIDTH - RIGHT + 6, TOP + 4, f"{top_rate:.0%}", "start", LINE),
        _label(WIDTH - RIGHT + 6, TOP + plot_h, "0%", "start", LINE),
    ]
    for n, point in enumerate(points):
        x = LEFT + n * step
        y = y_money(point.revenue)
        rate = "-" if point.failure_rate is None else f"{point.failure_rate:.1%}"
        tip = f"{point.day:%d %b}: {format_money(point.revenue, currency)}, {rate} failed"
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" '
            f'height="{TOP + plot_h - y:.1f}" fill="{BAR}"><title>{escape(tip)}</title></rect>'
        )
        if n % 7 == 0 or n == len(points) - 1:
            parts.append(_label(x + step / 2, HEIGHT - BOTTOM + 16, f"{point.day:%d %b}", "middle"))
    line = " ".join(
        f"{LEFT + (n + 0.5) * step:.1f},{y_rate(rate):.1f}" for n, rate in enumerate(rates)
    )
    parts.append(f'<polyline points="{line}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _axes(plot_w: float, plot_h: float) -> str:
    bottom = TOP + plot_h
    return (
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}" stroke="#999"/>'
        f'<line x1="{LEFT}" y1="{bottom}" x2="{LEFT + plot_w}" y2="{bottom}" stroke="#999"/>'
        f'<line x1="{LEFT + plot_w}" y1="{TOP}" x2="{LEFT + plot_w}" y2="{bottom}" '
        f'stroke="{LINE}" stroke-opacity="0.4"/>'
    )


def _label(x: float, y: float, text: str, anchor: str, colour: str = "#555") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}">'
        f"{escape(text)}</text>"
    )
