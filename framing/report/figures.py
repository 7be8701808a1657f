"""Every seaborn and matplotlib call in framing lives here.

Each function takes plain data (pandas frames, arrays, names) and returns an `Image`: an explicit
matplotlib Figure rendered to PNG and embedded as a base64 data URI, so a report is one folder of
self-contained files. Matplotlib and seaborn are imported inside the functions: `framing score`
never pays for them.
"""
from __future__ import annotations

import base64
import io
import warnings
from dataclasses import dataclass
from contextlib import contextmanager
from typing import Iterator, Mapping, Sequence

import numpy as np

__all__ = [
    "Image",
    "LinkedImage",
    "LabelStyle",
    "label_styles",
    "rate_heatmap",
    "category_colours",
    "position_axis",
    "position_distribution",
    "diverging_heatmap",
    "advocacy_bars",
    "stacked_bars",
    "clustermap",
    "profile_map",
    "group_distributions",
    "label_composition",
]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies. Shapes repeat the
# information for readers who cannot tell the colours apart.
OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
LEAN_COLOURS = {"left": "#0072B2", "center": "#BBBBBB", "centre": "#BBBBBB", "right": "#D55E00"}
NEUTRAL_GREY = "#C8C8C8"
DPI = 100
# Each label's role on a poles axis picks its colour and marker: the +1 end, the -1 end, the
# labels off the axis, mixed and absent (for the alliance: threat, hollow, legitimate, ...).
_POSITIVE = ("#D55E00", "^", "orange-red triangle")
_NEGATIVE = ("#0072B2", "v", "blue down-triangle")
_OFF_AXIS = [("#009E73", "D", "green diamond"), ("#E69F00", "s", "orange square"), ("#56B4E9", "P", "light-blue plus"),
             ("#000000", "*", "black star")]
_MIXED = ("#CC79A7", "o", "pink circle")
_ABSENT = ("#999999", "X", "grey cross")
_OTHER = ("#444444", "o", "dark-grey circle")


@dataclass(frozen=True)
class LabelStyle:
    colour: str
    marker: str
    description: str  # the colour and shape in words, for captions


def label_styles(positive: str | None, negative: str | None, off_axis: Sequence[str] = (), *, mixed: str = "mixed",
                 absent: str = "absent") -> dict[str, LabelStyle]:
    """Colour, marker and their description for each label of a poles dimension, by role."""
    out = {}
    if positive:
        out[positive] = LabelStyle(*_POSITIVE)
    if negative:
        out[negative] = LabelStyle(*_NEGATIVE)
    for k, name in enumerate(off_axis):
        out[name] = LabelStyle(*_OFF_AXIS[k % len(_OFF_AXIS)])
    out[mixed] = LabelStyle(*_MIXED)
    out[absent] = LabelStyle(*_ABSENT)
    return out


def _style(styles: Mapping[str, LabelStyle] | None, label: str) -> LabelStyle:
    return (styles or {}).get(label, LabelStyle(*_OTHER))


@dataclass(frozen=True)
class Image:
    """A rendered figure: `src` is a data URI (PNG, base64), safe to put in an <img> attribute."""

    src: str
    alt: str
    width: int
    height: int


def category_colours(categories: Sequence[str]) -> dict[str, str]:
    """A colour per category: lean's left/centre/right keep their colours, `neutral`, `other`
    and `absent` are grey, the rest take Okabe-Ito colours in order."""
    out: dict[str, str] = {}
    free = list(OKABE_ITO)
    i = 0
    for c in categories:
        if c in LEAN_COLOURS:
            out[c] = LEAN_COLOURS[c]
        elif c in ("neutral", "other", "absent"):
            out[c] = NEUTRAL_GREY
        else:
            out[c] = free[i % len(free)]
            i += 1
    return out


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


@dataclass(frozen=True)
class LinkedImage:
    """A figure whose points link somewhere: `points[k]` is the pixel (x, y) of item `items[k]`
    on the image (the template draws an SVG link over each)."""

    image: Image
    points: tuple[tuple[float, float], ...]
    items: tuple[int, ...]


def _render(fig, alt: str, *, tight: bool = True) -> Image:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs in foreign-script titles: drawn as boxes
        if tight:
            fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08, metadata={"Software": None})
        else:  # fixed layout: pixel positions of points stay where the axes put them
            fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    # A 256-colour palette PNG is a third of the size and looks the same for flat-colour plots.
    from PIL import Image as PILImage

    buf.seek(0)
    with PILImage.open(buf) as im:
        width, height = im.size
        small = im.convert("RGB").quantize(colors=256, method=PILImage.Quantize.FASTOCTREE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return Image("data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii"), alt, width, height)


def _plain(label: object, limit: int = 48) -> str:
    """Article titles are untrusted: no mathtext ($...$), bounded length."""
    text = " ".join(str(label).split())
    if len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return text.replace("$", r"\$")


def _human(name: str) -> str:
    return str(name).replace("_", " ")


def position_axis(
    names: Sequence[str], positions: Sequence[float], ci_low: Sequence[float], ci_high: Sequence[float], labels: Sequence[str], *,
    negative: str, positive: str, title: str = "", styles: Mapping[str, LabelStyle] | None = None,
) -> Image:
    """One row per article on the negative (-1) <-> positive (+1) axis, with its 90% interval,
    coloured and shaped by label."""
    order = np.argsort(np.asarray(positions, dtype=float), kind="stable")
    n = len(order)
    fig = _figure(9.5, 1.3 + 0.28 * n)
    ax = fig.subplots()
    ax.axvspan(-1.05, 0, color="#0072B2", alpha=0.04)
    ax.axvspan(0, 1.05, color="#D55E00", alpha=0.04)
    ax.axvline(0, color="#999999", lw=1)
    for y, i in enumerate(order):
        ax.plot([ci_low[i], ci_high[i]], [y, y], color="#666666", lw=1.6, solid_capstyle="butt", zorder=2)
    seen: set[str] = set()
    for y, i in enumerate(order):
        lab = str(labels[i])
        style = _style(styles, lab)
        ax.scatter([positions[i]], [y], s=85 if style.marker == "D" else 70, color=style.colour,
                   marker=style.marker, edgecolor="black", linewidth=0.6, zorder=3,
                   label=lab if lab not in seen else None)
        seen.add(lab)
    ax.set_yticks(range(n))
    ax.set_yticklabels([_plain(names[i]) for i in order], fontsize=8.5)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_xticklabels([f"\u22121\n{_human(negative)}", "\u22120.5", "0", "0.5", f"+1\n{_human(positive)}"])
    ax.set_xlabel("position (bars: 90% interval from resampling the article's sentences)", fontsize=9)
    ax.grid(axis="x", color="#eeeeee")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    ax.legend(title="label", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    return _render(fig, f"{n} articles on the {negative} to {positive} axis with their intervals; rows: " + "; ".join(_plain(names[i]) for i in order))


def position_distribution(positions: Sequence[float], labels: Sequence[str], *, negative: str, positive: str, title: str = "",
                          styles: Mapping[str, LabelStyle] | None = None, order: Sequence[str] = ()) -> Image:
    """Many articles: a histogram of positions, stacked by label (binned with numpy: seaborn's
    histplot takes seconds on 10,000 articles)."""
    x = np.asarray(positions, dtype=float)
    labs = np.asarray([str(v) for v in labels], dtype=object)
    present = set(labs.tolist())
    order = [k for k in order if k in present] + sorted(present - set(order))
    edges = np.linspace(-1, 1, 41)
    width = edges[1] - edges[0]
    fig = _figure(9.5, 3.6)
    ax = fig.subplots()
    bottom = np.zeros(len(edges) - 1)
    for lab in order:
        counts, _ = np.histogram(np.clip(x[labs == lab], -1, 1), bins=edges)
        ax.bar(edges[:-1], counts, width=width, bottom=bottom, align="edge", color=_style(styles, lab).colour,
               edgecolor="white", linewidth=0.3, label=lab)
        bottom += counts
    ax.set_xlim(-1.05, 1.05)
    ax.set_xticks([-1, -0.5, 0, 0.5, 1])
    ax.set_xticklabels([f"\u22121\n{_human(negative)}", "\u22120.5", "0", "0.5", f"+1\n{_human(positive)}"])
    ax.set_ylabel("articles")
    ax.set_xlabel("position")
    ax.legend(title="label", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return _render(fig, f"distribution of {len(x)} articles on the {negative} to {positive} axis")


def diverging_heatmap(
    values: "Sequence[Sequence[float]]", rows: Sequence[str], columns: Sequence[str], *, vmin: float = -1.0, vmax: float = 1.0,
    cmap: str = "PuOr", cbar_label: str = "", annotate: bool | None = None, missing_label: str = "", title: str = "",
) -> Image:
    """Rows x columns on a diverging scale centred on zero; missing cells are hatched grey."""
    return _heatmap(values, rows, columns, vmin=vmin, vmax=vmax, center=0, cmap=cmap, cbar_label=cbar_label, annotate=annotate,
                    missing_label=missing_label, title=title)


def rate_heatmap(values: "Sequence[Sequence[float]]", rows: Sequence[str], columns: Sequence[str], *, cbar_label: str = "",
                 title: str = "") -> Image:
    """Rows x columns of rates (0 and up) on a sequential scale from white (0) to the largest
    value; the column names (a dictionary's categories, untrusted) drawn as plain text."""
    x = np.asarray(values, dtype=float).reshape(len(rows), len(columns))
    top = float(np.nanmax(x)) if x.size and np.isfinite(x).any() else 0.0
    return _heatmap(x, rows, [_plain(c) for c in columns], vmin=0.0, vmax=max(top, 1e-9), center=None, cmap="Blues",
                    cbar_label=cbar_label, annotate=None, missing_label="", title=title)


def _heatmap(values, rows, columns, *, vmin: float, vmax: float, center: float | None, cmap: str, cbar_label: str,
             annotate: bool | None, missing_label: str, title: str) -> Image:
    import pandas as pd
    import seaborn as sns

    frame = pd.DataFrame(np.asarray(values, dtype=float), index=[_plain(r) for r in rows], columns=[_human(c) for c in columns])
    n, m = frame.shape
    annotate = (n * m <= 300) if annotate is None else annotate
    fig = _figure(max(5.5, 1.6 + 0.75 * m + 3.0), 1.5 + 0.3 * n)
    ax = fig.subplots()
    ax.set_facecolor("#eeeeee")
    # cell labels only where there is something to read: zeros stay blank
    labels = np.where(np.isnan(frame.to_numpy()) | (frame.to_numpy() == 0), "", np.vectorize(lambda v: f"{v:.2f}".replace("-", "\u2212"))(frame.fillna(0).to_numpy())) if annotate else False
    sns.heatmap(frame, ax=ax, cmap=cmap, vmin=vmin, vmax=vmax, center=center, mask=frame.isna(), linewidths=0.5, linecolor="white",
                annot=labels, fmt="", annot_kws={"fontsize": 7.5}, cbar_kws={"label": cbar_label, "shrink": 0.8},
                xticklabels=False, yticklabels=False)
    _tick_labels(ax, list(frame.columns), list(frame.index))
    if frame.isna().to_numpy().any():
        for (i, j) in zip(*np.nonzero(frame.isna().to_numpy())):
            ax.add_patch(_hatch(j, i))
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.tick_params(axis="y", labelsize=8.5)
    ax.tick_params(axis="x", labelsize=8.5, rotation=35)
    for lab in ax.get_xticklabels():
        lab.set_horizontalalignment("right")
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    alt = f"heatmap of {n} rows by {m} columns" + (f"; hatched cells: {missing_label}" if missing_label else "") + "; rows: " + "; ".join(frame.index)
    if center is None:
        alt += "; columns: " + "; ".join(frame.columns)
    return _render(fig, alt)


def _tick_labels(ax, columns: Sequence[str], rows: Sequence[str]) -> None:
    """Label heatmap cells ourselves: seaborn's own tick labels draw the whole figure to check
    for overlaps, which costs hundreds of megabytes on a tall figure."""
    ax.set_xticks(np.arange(len(columns)) + 0.5)
    ax.set_xticklabels(columns)
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels(rows, rotation=0)


def _hatch(x: int, y: int):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 1, 1, fill=False, hatch="///", edgecolor="#bbbbbb", lw=0)


def advocacy_bars(categories: Sequence[str], advocated: Sequence[float], rejected: Sequence[float], *, title: str = "") -> Image:
    """Many articles: the share that advocates (right) and rejects (left) each prescription."""
    fig = _figure(8.5, 1.2 + 0.42 * len(categories))
    ax = fig.subplots()
    y = np.arange(len(categories))
    adv = 100 * np.asarray(advocated, dtype=float)
    rej = 100 * np.asarray(rejected, dtype=float)
    ax.barh(y, adv, color="#7b3294", label="advocate")
    ax.barh(y, -rej, color="#E69F00", label="reject")
    for yi, a, r in zip(y, adv, rej):
        ax.text(a + 0.3, yi, f"{a:.0f}%", va="center", fontsize=8)
        ax.text(-r - 0.3, yi, f"{r:.0f}%", va="center", ha="right", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([_human(c) for c in categories], fontsize=9)
    ax.invert_yaxis()
    lim = max(5.0, float(np.nanmax(np.concatenate([adv, rej]))) if len(adv) else 5.0) * 1.25
    ax.set_xlim(-lim, lim)
    ax.axvline(0, color="#666666", lw=1)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(t):.0f}%" for t in ticks])
    ax.set_xlim(-lim, lim)
    ax.set_xlabel("share of articles: rejecting \u2190  |  \u2192 advocating")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return _render(fig, "share of articles advocating and rejecting each prescription")


def stacked_bars(
    values: "Sequence[Sequence[float]]", rows: Sequence[str], categories: Sequence[str], *, colours: Mapping[str, str] | None = None,
    xlabel: str = "share", title: str = "",
) -> Image:
    """One horizontal bar per row, split into its categories (a distribution summing to 1)."""
    data = np.nan_to_num(np.asarray(values, dtype=float))
    colours = dict(colours or category_colours(categories))
    n = len(rows)
    fig = _figure(9.5, 1.3 + 0.3 * n)
    ax = fig.subplots()
    left = np.zeros(n)
    y = np.arange(n)
    for j, cat in enumerate(categories):
        ax.barh(y, data[:, j], left=left, color=colours.get(cat, "#777777"), edgecolor="white", linewidth=0.5, label=_human(cat))
        left += data[:, j]
    ax.set_yticks(y)
    ax.set_yticklabels([_plain(r) for r in rows], fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, float(left.max()) if n else 1.0))
    ax.set_xlabel(xlabel)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=9)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return _render(fig, f"stacked bars: {n} rows by {len(categories)} categories; rows: " + "; ".join(_plain(r) for r in rows))


def clustermap(z: "Sequence[Sequence[float]]", rows: Sequence[str], columns: Sequence[str], *, title: str = "", what: str = "framing profiles") -> Image:
    """Standardised framing profiles with rows and columns ordered by hierarchical clustering
    (average linkage, Euclidean), dendrograms on the side: the seaborn clustermap layout drawn on
    an explicit Figure."""
    import pandas as pd
    import seaborn as sns
    from seaborn.matrix import dendrogram

    frame = pd.DataFrame(np.asarray(z, dtype=float), index=[_plain(r, 40) for r in rows], columns=[_human(c) for c in columns])
    n, m = frame.shape
    fig = _figure(max(8.0, 5.5 + 0.38 * m), max(4.5, 2.4 + 0.2 * n))
    grid = fig.add_gridspec(2, 3, width_ratios=[1.3, 8, 3.2], height_ratios=[1.3, 8], wspace=0.02, hspace=0.03)
    ax_row = fig.add_subplot(grid[1, 0])
    ax_col = fig.add_subplot(grid[0, 1])
    ax_heat = fig.add_subplot(grid[1, 1])
    ax_cbar = fig.add_subplot(grid[0, 2])
    row_order = list(range(n))
    col_order = list(range(m))
    if n > 2:
        row_order = dendrogram(frame, axis=0, rotate=True, ax=ax_row, label=False, method="average").reordered_ind
    if m > 2:
        col_order = dendrogram(frame, axis=1, ax=ax_col, label=False, method="average").reordered_ind
    for ax in (ax_row, ax_col):
        ax.set_axis_off()
    data = frame.iloc[row_order, col_order]
    sns.heatmap(data, ax=ax_heat, cbar_ax=ax_cbar, cmap="vlag", center=0, vmin=-2.5, vmax=2.5, yticklabels=False, xticklabels=False,
                cbar_kws={"label": "SDs from the mean", "orientation": "horizontal"})
    _tick_labels(ax_heat, list(data.columns), list(data.index))
    ax_heat.yaxis.tick_right()
    ax_heat.tick_params(axis="y", labelsize=7.5, rotation=0, left=False, right=False, labelleft=False, labelright=True)
    ax_heat.tick_params(axis="x", labelsize=8, rotation=45)
    for lab in ax_heat.get_xticklabels():
        lab.set_horizontalalignment("right")
    ax_heat.set_ylabel("")
    ax_cbar.tick_params(labelsize=7)
    ax_cbar.xaxis.label.set_size(8)
    pos = ax_cbar.get_position()
    ax_cbar.set_position([pos.x0 + 0.02, pos.y0 + pos.height * 0.55, pos.width * 0.8, pos.height * 0.18])
    if title:
        fig.suptitle(title, fontsize=11, x=0.1, ha="left")
    return _render(fig, f"clustered heatmap of {n} {what}; rows: " + "; ".join(data.index))


@contextmanager
def _seeded_global_rng(seed: int) -> Iterator[None]:
    """numpy's global generator seeded for the block, and put back as it was after it."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def group_distributions(values: Sequence[float], groups: Sequence[str], order: Sequence[str], *, ylabel: str, reference: float | None = 0.0, title: str = "") -> Image:
    """Per group: a box plot of the values with every article drawn as a dot."""
    import pandas as pd
    import seaborn as sns

    data = pd.DataFrame({"value": np.asarray(values, dtype=float), "group": [str(g) for g in groups]})
    data = data[data["group"].isin(set(order)) & data["value"].notna()]
    names = [_plain(g, 36) for g in order]
    data["group"] = data["group"].map(dict(zip(order, names)))
    fig = _figure(9.5, 1.2 + 0.42 * len(order))
    ax = fig.subplots()
    if reference is not None:
        ax.axvline(reference, color="#999999", lw=1)
    sns.boxplot(data=data, x="value", y="group", order=names, color="#dde6f3", fliersize=0, width=0.6, ax=ax)
    sample = data if len(data) <= 3000 else data.sample(3000, random_state=0)
    with _seeded_global_rng(0):  # seaborn jitters with numpy's global generator: same report every run
        sns.stripplot(data=sample, x="value", y="group", order=names, color="#1f2a44", size=4, alpha=0.6, jitter=0.22, ax=ax, zorder=3)
    ax.set_xlabel(ylabel)
    ax.set_ylabel("")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return _render(fig, f"distribution of {ylabel} in {len(order)} groups; rows: " + "; ".join(names))


def label_composition(shares: "Sequence[Sequence[float]]", rows: Sequence[str], labels: Sequence[str], *, title: str = "",
                      styles: Mapping[str, LabelStyle] | None = None) -> Image:
    """Per group: the share of its articles with each label."""
    return stacked_bars(shares, rows, labels, colours={k: _style(styles, k).colour for k in labels},
                        xlabel="share of the group's articles", title=title)


def _padded(values: np.ndarray) -> tuple[float, float]:
    """Axis limits around the values with 5% to spare on each side."""
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (-1.0, 1.0)
    spare = 0.05 * ((hi - lo) or 1.0)
    return lo - spare, hi + spare


def profile_map(
    xy: "Sequence[Sequence[float]]", labels: Sequence[str], *, xlabel: str, ylabel: str, styles: Mapping[str, LabelStyle] | None = None,
    order: Sequence[str] = (), max_links: int = 1000, crowded: int = 4,
) -> LinkedImage:
    """Articles as points on two axes, coloured and shaped by label. Where more than `crowded`
    points fall in one small cell they would hide each other: that cell is drawn as density
    (grey hexagons, darker = more articles) and its points are not drawn one by one. The
    points drawn (at most `max_links`) come back with their pixel positions, for links."""
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    labs = [str(v) for v in labels]
    n = len(pts)
    fig = _figure(9.5, 6.2)
    ax = fig.add_axes((0.09, 0.11, 0.66, 0.85))
    x0, x1 = _padded(pts[:, 0])
    y0, y1 = _padded(pts[:, 1])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    cells = 40
    cx = np.clip(((pts[:, 0] - x0) / (x1 - x0) * cells).astype(int), 0, cells - 1) if n else np.zeros(0, int)
    cy = np.clip(((pts[:, 1] - y0) / (y1 - y0) * cells * 0.65).astype(int), 0, cells - 1) if n else np.zeros(0, int)
    cell = cx * cells + cy
    per_cell = np.bincount(cell, minlength=cells * cells) if n else np.zeros(0, int)
    dense = per_cell[cell] > crowded if n else np.zeros(0, bool)
    if dense.any():
        hb = ax.hexbin(pts[dense, 0], pts[dense, 1], gridsize=(28, 14), extent=(x0, x1, y0, y1), cmap="Greys", mincnt=1, bins="log",
                       linewidths=0.2, edgecolors="#dddddd", zorder=1)
        cax = fig.add_axes((0.78, 0.11, 0.02, 0.32))
        bar = fig.colorbar(hb, cax=cax)
        bar.set_label("articles per hexagon\n(crowded areas)", fontsize=8)
        bar.ax.tick_params(labelsize=7)
    sparse = np.flatnonzero(~dense) if n else np.zeros(0, int)
    if len(sparse) > max_links:
        sparse = np.sort(np.random.default_rng(0).choice(sparse, size=max_links, replace=False))
    present = [k for k in order if k in set(labs)] + sorted(set(labs) - set(order))
    for lab in present:
        idx = [i for i in sparse if labs[i] == lab]
        style = _style(styles, lab)
        ax.scatter(pts[idx, 0] if idx else [], pts[idx, 1] if idx else [], s=34, color=style.colour, marker=style.marker,
                   edgecolor="black", linewidth=0.4, zorder=3, label=f"{_human(lab)} ({sum(1 for v in labs if v == lab)})")
    ax.axhline(0, color="#cccccc", lw=0.8, zorder=0)
    ax.axvline(0, color="#cccccc", lw=0.8, zorder=0)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.set_ylabel(ylabel, fontsize=9)
    ax.tick_params(labelsize=8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(title="label (articles)", loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False, fontsize=8.5, title_fontsize=9)
    height = fig.get_figheight() * DPI
    disp = ax.transData.transform(pts[sparse]) if len(sparse) else np.zeros((0, 2))
    points = tuple((round(float(x), 1), round(float(height - y), 1)) for x, y in disp)
    image = _render(fig, f"map of {n} articles by their framing profiles, coloured by label", tight=False)
    return LinkedImage(image, points, tuple(int(i) for i in sparse))
