"""`framing annotate`: label units (sentences, or passages for stance dimensions) in the browser.

- `queue`: the units of a corpus, their label set and the order they are shown in (pure).
- `store`: the labels file (one JSON line per decision, the format `framing train` reads).
- `server`: the loopback-only web app (needs the `annotate` extra: starlette and uvicorn).
"""
