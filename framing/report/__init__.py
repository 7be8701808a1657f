"""The HTML comparison report: compute (figures.py) -> structure (render.py) -> render (templates)."""
