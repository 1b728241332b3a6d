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


NARROW_WIDTH = 360  # a narrow screen's chart: drawn at 290 to 400 px, its text 13 to 18px
STACKED_ROW = 56  # a stacked row: the label on a line of its own above the range


def range_chart(id: str, rows, *, narrow: bool = False) -> Chart:
    """Each theme's national range (lower to upper quartile), median, and the partnership.

    `rows` are (label, own mean or None, PeerRange or None, full label for the
    description); the label is drawn, so keep it short (a theme's short label). The
    `narrow` chart, for a small screen, puts each label above its range so the range
    takes the whole width; the page shows one or the other by the screen's width.
    """
    width = NARROW_WIDTH if narrow else WIDTH
    left = 12 if narrow else RANGE_LEFT
    row = STACKED_ROW if narrow else ROW

    def x(value):
        return _x(value, left=left, width=width, right=16 if narrow else RIGHT)

    drawn = []
    for index, (label, own, spread, _full) in enumerate(rows):
        y = TOP + row * index
        middle = y + (38 if narrow else ROW / 2)  # the range's centre line
        drawn.append(
            {
                "label": label,
                "label_y": y + 12 if narrow else middle,
                "y": y,
                "middle": middle,
                "band": (
                    {
                        "x": x(spread.lower_quartile),
                        "width": round(x(spread.upper_quartile) - x(spread.lower_quartile), 1),
                        "median": x(spread.median),
                        "y": middle - 10,
                        "median_top": middle - 14,
                        "median_bottom": middle + 14,
                    }
                    if spread
                    else None
                ),
                "own": x(own) if own is not None else None,
            }
        )
    ticks = [{"value": value, "x": x(value)} for value in range(SCALE_MAX + 1)]
    described = [
        f"{full}: yours {own:.1f}" + (f", England median {spread.median:.1f}" if spread else "")
        for _label, own, spread, full in rows
        if own is not None
    ]
    return Chart(
        id=f"{id}-narrow" if narrow else id,
        title="Your mean ratings against England's range",
        description="; ".join(described) or "No ratings yet.",
        width=width,
        height=TOP + row * len(rows) + 30,
        rows=drawn,
        ticks=ticks,
        extra={"axis_y": TOP + row * len(rows), "narrow": narrow},
    )


def distribution_chart(
    id: str, item_label: str, levels, counts: list[int], *, narrow: bool = False
) -> Chart:
    """How many partnerships gave one item each rating: a bar per level (on a `narrow`
    chart, each level's label above its bar)."""
    width = NARROW_WIDTH if narrow else WIDTH
    left = 12 if narrow else LEFT
    row = STACKED_ROW if narrow else ROW
    most = max(counts, default=0) or 1
    drawn = []
    for index, (level, count) in enumerate(zip(levels, counts, strict=True)):
        y = TOP + row * index
        length = round((width - left - RIGHT - 40) * count / most, 1)
        bar_y = y + 22 if narrow else y + 6
        drawn.append(
            {
                "label": f"{level.value} {level.label}",
                "label_x": left if narrow else 0,
                "label_y": y + 8 if narrow else y + ROW / 2,
                "y": bar_y,
                "middle": bar_y + 12,
                "x": left,
                "length": length,
                "count": count,
                "text_x": left + length + 6,
            }
        )
    return Chart(
        id=f"{id}-narrow" if narrow else id,
        title=f"Partnerships at each rating level: {item_label}",
        description="; ".join(f"{row['label']}: {row['count']}" for row in drawn),
        width=width,
        height=TOP + row * len(levels) + 10,
        rows=drawn,
    )


def trend_chart(id: str, points, *, narrow: bool = False) -> Chart:
    """The partnership's overall mean across cycles, with England's median where shown
    (`narrow`: the same on a narrower canvas, so its text stays large on a small screen)."""
    width = NARROW_WIDTH if narrow else WIDTH
    left, right, top, plot_height = 50, 40, 20, 180
    step = (width - left - right) / max(len(points) - 1, 1)

    def y(value):
        return round(top + plot_height * (1 - value / SCALE_MAX), 1)

    drawn = []
    for index, point in enumerate(points):
        x = round(left + step * index if len(points) > 1 else (width / 2), 1)
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
        id=f"{id}-narrow" if narrow else id,
        title="Your mean rating across cycles, all themes",
        description="; ".join(
            f"{point['cycle']}: yours {point['mean']:.1f}"
            + (f", England median {point['median']:.1f}" if point["median"] is not None else "")
            for point in points
            if point["mean"] is not None
        )
        or "No ratings yet.",
        width=width,
        height=top + plot_height + 40,
        rows=drawn,
        ticks=[{"value": value, "y": y(value)} for value in range(SCALE_MAX + 1)],
        extra={
            "own_line": own_line,
            "median_line": median_line,
            "left": left,
            "right": width - right,
            "label_y": top + plot_height + 24,
        },
    )
