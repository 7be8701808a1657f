"""Every seaborn and matplotlib call in framing lives here. Figures are explicit Figure objects
rendered to inline SVG text, so reports stay self-contained files."""
from __future__ import annotations

import io

import pandas as pd

__all__ = ["alliance_axis_svg", "figure_to_svg"]

LABEL_COLOURS = {  # Okabe-Ito: distinguishable with the common colour-vision deficiencies
    "threat": "#D55E00",
    "hollow": "#0072B2",
    "legitimate": "#009E73",
    "mixed": "#CC79A7",
    "absent": "#999999",
}


def _matplotlib():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure


def figure_to_svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    return svg[svg.find("<svg"):]


def alliance_axis_svg(table: pd.DataFrame) -> str:
    """Articles on the hollow (-1) <-> threat (+1) axis with their 90% bootstrap intervals."""
    import seaborn as sns

    Figure = _matplotlib()
    data = table.sort_values("alliance.position").reset_index(drop=True)
    height = 1.2 + 0.35 * len(data)
    fig = Figure(figsize=(8, height))
    ax = fig.subplots()
    labels = data["alliance.label"].astype(str)
    for i, row in data.iterrows():
        ax.plot([row["alliance.ci_low"], row["alliance.ci_high"]], [i, i], color="#555555", lw=1.5)
    sns.scatterplot(
        data=data.assign(label=labels, y=range(len(data))), x="alliance.position", y="y", hue="label",
        palette=LABEL_COLOURS, s=80, ax=ax, zorder=3, legend=True,
    )
    ax.set_yticks(range(len(data)))
    ax.set_yticklabels([str(t)[:60] for t in data["display"]])
    ax.set_xlim(-1.05, 1.05)
    ax.axvline(0, color="#bbbbbb", lw=1)
    ax.set_xlabel("alliance.position  (-1 hollow  ...  +1 threat), bars: 90% bootstrap interval")
    ax.set_ylabel("")
    ax.legend(title="alliance.label", loc="upper left", bbox_to_anchor=(1.01, 1))
    svg = figure_to_svg(fig)
    return svg
