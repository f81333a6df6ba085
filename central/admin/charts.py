"""Bar charts drawn on the server as SVG geometry (the template writes the elements;
colours live in admin.css). Nothing to load, nothing to run in the browser."""
from sync.i18n import format_short_day
from sync.regions import regency_name

REGENCY_ROWS = 25         # the rest are summed in one bar
ROW, LABEL, PLOT, VALUE = 24, 190, 380, 60


def by_regency(counts, others_label):
    """Horizontal bars, largest first: {width, height, bars: [{x, y, w, h, label, value}]}."""
    items = list(counts.items())
    shown = items[:REGENCY_ROWS]
    if len(items) > REGENCY_ROWS:
        shown.append((None, sum(n for _, n in items[REGENCY_ROWS:])))
    top = max([n for _, n in shown] + [1])
    bars = []
    for i, (code, n) in enumerate(shown):
        label = f"{code} {regency_name(code)}" if code else str(others_label)
        bars.append({"x": LABEL, "y": 10 + i * ROW, "w": round(PLOT * n / top, 1),
                     "h": ROW - 6, "label": label, "value": n,
                     "label_y": 10 + i * ROW + ROW / 2})
    return {"width": LABEL + PLOT + VALUE, "height": 20 + len(bars) * ROW, "bars": bars}


def by_day(counts, width=760, height=240):
    """Vertical bars, one per day, with a nice y scale and a few day labels."""
    left, bottom, top_pad = 48, 28, 12
    days = list(counts)
    plot_w, plot_h = width - left - 8, height - bottom - top_pad
    scale = nice_ceiling(max(list(counts.values()) + [1]))
    step = plot_w / max(len(days), 1)
    bars = [{"x": round(left + i * step + step * 0.1, 2), "w": round(max(step * 0.8, 0.5), 2),
             "y": round(top_pad + plot_h * (1 - n / scale), 2),
             "h": round(plot_h * n / scale, 2), "value": n, "label": format_short_day(day)}
            for i, (day, n) in enumerate(counts.items())]
    grid = [{"y": round(top_pad + plot_h * (1 - f), 2), "value": round(scale * f)}
            for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "bars": bars, "grid": grid, "left": left,
            "right": width - 8, "base": top_pad + plot_h,
            "ticks": _ticks(days, left, step, top_pad + plot_h + 16)}


def nice_ceiling(value):
    """The smallest of 1, 2, 5 x 10^k at or above `value` (so the scale reads well)."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= value:
                return factor * magnitude
        magnitude *= 10


def _ticks(days, left, step, y):
    """Labels under the bars: each month's first day over a long range, else weekly."""
    if not days:
        return []
    long_range = len(days) > 62
    chosen = [i for i, day in enumerate(days)
              if (day.day == 1 if long_range else i % 7 == 0)] or [0]
    return [{"x": round(left + i * step + step / 2, 2), "y": y,
             "label": format_short_day(days[i])} for i in chosen]
