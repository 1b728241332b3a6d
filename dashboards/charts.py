"""Geometry of the dashboard charts, drawn as SVG by templates/dashboards/charts/.

The charts are computed here and drawn on the server: no script, no inline style (the
Content-Security-Policy allows neither), shapes that differ in greyscale as well as in
colour, and the same numbers always in a table beside the chart. Each chart carries a
title and a one-sentence description for screen readers.
"""

from dataclasses import dataclass, field

SCALE_MAX = 3
WIDTH = 640
LEFT = 150  # room for row labels
RANGE_LEFT = 240  # room for a theme's number and first words ("2. Practitioner confidence")
# The SVG scales with its box, text included: templates keep it at least MIN_WIDTH px wide
# (inside a scrolling region on a narrow screen), so 16px text never drawn below 12px.
MIN_WIDTH = 480
RIGHT = 30
ROW = 36
TOP = 30


def _x(value: float, *, left=LEFT, width=WIDTH, right=RIGHT, maximum=SCALE_MAX) -> float:
    return round(left + (width - left - right) * value / maximum, 1)


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rows: list = field(default_factory=list)
    ticks: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)


def range_chart(id: str, rows) -> Chart:
    """Each theme's national range (lower to upper quartile), median, and the partnership.

    `rows` are (label, own mean or None, PeerRange or None, full label for the
    description); the label is drawn, so keep it short (a theme's short label).
    """
    height = TOP + ROW * len(rows) + 30
    drawn = []
    for index, (label, own, spread, _full) in enumerate(rows):
        y = TOP + ROW * index
        drawn.append(
            {
                "label": label,
                "y": y,
                "middle": y + ROW / 2,
                "band": (
                    {
                        "x": _x(spread.lower_quartile, left=RANGE_LEFT),
                        "width": round(
                            _x(spread.upper_quartile, left=RANGE_LEFT)
                            - _x(spread.lower_quartile, left=RANGE_LEFT),
                            1,
                        ),
                        "median": _x(spread.median, left=RANGE_LEFT),
                    }
                    if spread
                    else None
                ),
                "own": _x(own, left=RANGE_LEFT) if own is not None else None,
            }
        )
    ticks = [{"value": value, "x": _x(value, left=RANGE_LEFT)} for value in range(SCALE_MAX + 1)]
    described = [
        f"{full}: yours {own:.1f}" + (f", England median {spread.median:.1f}" if spread else "")
        for _label, own, spread, full in rows
        if own is not None
    ]
    return Chart(
        id=id,
        title="Your mean ratings against England's range",
        description="; ".join(described) or "No ratings yet.",
        width=WIDTH,
        height=height,
        rows=drawn,
        ticks=ticks,
        extra={"axis_y": TOP + ROW * len(rows)},
    )


def distribution_chart(id: str, item_label: str, levels, counts: list[int]) -> Chart:
    """How many partnerships gave one item each rating: a bar per level."""
    most = max(counts, default=0) or 1
    drawn = []
    for index, (level, count) in enumerate(zip(levels, counts, strict=True)):
        y = TOP + ROW * index
        length = round((WIDTH - LEFT - RIGHT - 40) * count / most, 1)
        drawn.append(
            {
                "label": f"{level.value} {level.label}",
                "y": y + 6,
                "middle": y + ROW / 2,
                "length": length,
                "count": count,
                "text_x": LEFT + length + 6,
            }
        )
    return Chart(
        id=id,
        title=f"Partnerships at each rating level: {item_label}",
        description="; ".join(f"{row['label']}: {row['count']}" for row in drawn),
        width=WIDTH,
        height=TOP + ROW * len(levels) + 10,
        rows=drawn,
    )


def trend_chart(id: str, points) -> Chart:
    """The partnership's overall mean across cycles, with England's median where shown."""
    left, right, top, plot_height = 50, 30, 20, 180
    step = (WIDTH - left - right) / max(len(points) - 1, 1)

    def y(value):
        return round(top + plot_height * (1 - value / SCALE_MAX), 1)

    drawn = []
    for index, point in enumerate(points):
        x = round(left + step * index if len(points) > 1 else (WIDTH / 2), 1)
        drawn.append(
            {
                "label": point["cycle"],
                "x": x,
                "own": y(point["mean"]) if point["mean"] is not None else None,
                "median": y(point["median"]) if point["median"] is not None else None,
            }
        )
    own_line = " ".join(f"{p['x']},{p['own']}" for p in drawn if p["own"] is not None)
    median_line = " ".join(f"{p['x']},{p['median']}" for p in drawn if p["median"] is not None)
    return Chart(
        id=id,
        title="Your mean rating across cycles, all themes",
        description="; ".join(
            f"{point['cycle']}: yours {point['mean']:.1f}"
            + (f", England median {point['median']:.1f}" if point["median"] is not None else "")
            for point in points
            if point["mean"] is not None
        )
        or "No ratings yet.",
        width=WIDTH,
        height=top + plot_height + 40,
        rows=drawn,
        ticks=[{"value": value, "y": y(value)} for value in range(SCALE_MAX + 1)],
        extra={
            "own_line": own_line,
            "median_line": median_line,
            "left": left,
            "right": WIDTH - right,
            "label_y": top + plot_height + 24,
        },
    )
