"""The annotation web app: Starlette, served by uvicorn on 127.0.0.1 only.

Security: the server listens on the loopback interface only; the address printed at start
carries a random token, and every request needs it (`?token=`, after which the page sets an
HttpOnly SameSite=Strict cookie holding it); every POST needs an `X-CSRF-Token` header equal to a
per-server value embedded in the page. The page is a Jinja2 template with autoescaping, data
reaches its script through `|tojson` inside a non-executed JSON script element, and the script
writes article text with `textContent` only. A strict Content-Security-Policy allows scripts and
styles from this server only (no CDN, nothing inline).

The same app and page serve `framing agreement --adjudicate` (an `AdjudicationSession`): the
disputed units one at a time, the two codings in an order drawn per unit, and a required reason.
"""
from __future__ import annotations

import hmac
import json
import random
import secrets
import socket
import threading
from importlib import resources
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ConfigError
from ..models import Lexicon
from .queue import ANNOTATABLE_KINDS, LabelOption, Unit, label_options
from .store import LabelStore

__all__ = ["Session", "AdjudicationSession", "create_app", "new_token", "bind_socket", "serve", "COOKIE", "CSRF_HEADER"]

COOKIE = "framing_annotate_token"
CSRF_HEADER = "x-csrf-token"
STATIC_FILES = {"annotate.js": "text/javascript; charset=utf-8", "annotate.css": "text/css; charset=utf-8"}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _label_dicts(options: Sequence[LabelOption]) -> list[dict[str, Any]]:
    return [
        {"value": o.value, "name": o.name, "group": o.group, "definition": o.definition,
         # keys 1-9 for the first nine labels; `none`, when it is not among them, gets 0
         "key": str(i + 1) if i < 9 else ("0" if o.value == "none" else "")}
        for i, o in enumerate(options)
    ]


class Session:
    """The queue being annotated and the labels file, shared by all requests (under a lock)."""

    def __init__(self, units: Sequence[Unit], store: LabelStore, lexicon: Lexicon) -> None:
        self.units = list(units)
        self.by_id = {u.id: u for u in self.units}
        self.store = store
        self.lexicon = lexicon
        self.options: list[LabelOption] = label_options(lexicon)
        self.allowed = {o.value for o in self.options}
        self.lock = threading.Lock()
        self.front: list[str] = []  # units given back by undo: shown again first
        self._pos = 0  # every unit before this one in `units` is decided

    def _next(self) -> Unit | None:
        decided = self.store.decided
        while self.front:
            uid = self.front[-1]
            if uid not in decided:
                return self.by_id[uid]
            self.front.pop()
        while self._pos < len(self.units) and self.units[self._pos].id in decided:
            self._pos += 1
        return self.units[self._pos] if self._pos < len(self.units) else None

    def progress(self) -> dict[str, Any]:
        decided = self.store.decided
        done = sum(1 for u in self.units if u.id in decided)
        return {"done": done, "remaining": len(self.units) - done, "total": len(self.units), "counts": self.store.counts()}

    def state(self) -> dict[str, Any]:
        with self.lock:
            unit = self._next()
            return {"unit": unit.as_dict() if unit else None, "progress": self.progress()}

    def decide(self, unit_id: str, label: str | None, hard_case: bool, reason: Any = None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            unit = self.by_id.get(unit_id)
            if unit is None:
                return 404, {"error": "no such unit"}
            if unit_id in self.store.decided:
                return 409, {"error": "this unit is already decided (undo it first)"}
            if label is None:
                self.store.skip(unit.id, unit.text, unit.group, hard_case=hard_case)
            else:
                if label not in self.allowed:
                    return 400, {"error": f"unknown label {label!r}"}
                self.store.label(unit.id, unit.text, unit.group, label, hard_case=hard_case)
        return 200, self.state()

    def undo(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
            rec = self.store.undo()
            if rec is not None and str(rec["id"]) in self.by_id:
                self.front.append(str(rec["id"]))
        out = self.state()
        out["undone"] = None if rec is None else {"id": rec["id"], "label": rec.get("label"), "skipped": bool(rec.get("skipped"))}
        return 200, out

    def page_data(self, csrf: str) -> dict[str, Any]:
        return {
            "csrf": csrf,
            "mode": "annotate",
            "dimension": self.lexicon.dimension,
            "kind": self.lexicon.kind,
            "annotator": self.store.annotator,
            "out": str(self.store.path),
            "labels": _label_dicts(self.options),
            "initial": self.state(),
        }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


class AdjudicationSession:
    """The disputes of two codings (`framing.agreement.disagreements`) settled one at a time, and
    the settled file, rewritten whole (temporary file and `os.replace`) after every decision.

    Each dispute shows the unit's text, "coding 1" and "coding 2" in an order drawn per unit from
    `seed` (so the adjudicator cannot tell the coders apart), and the dimension's labels: those of
    its lexicon (if any) and every label seen in either file. A decision needs a reason. On start
    the settled file's adjudicated records are read back: those disputes are not shown again.
    """

    def __init__(self, first: Sequence[Mapping[str, Any]], second: Sequence[Mapping[str, Any]], settled: Any, *,
                 lexicons: Sequence[Lexicon] = (), sources: tuple[str, str] = ("first", "second"), seed: int = 0) -> None:
        from ..agreement import disagreements

        self.first, self.second, self.sources = first, second, sources
        self.path = Path(settled)
        if not self.path.name.endswith(".jsonl"):
            raise ConfigError(f"--settled {self.path}: the settled file must end in .jsonl")
        disputes = disagreements(first, second, sources=sources)
        dims = sorted({d["dimension"] for d in disputes})
        self.dimension = ", ".join(dims) or "no disputes"
        self.labels = {dim: _label_dicts(self._options(dim, lexicons)) for dim in dims}
        self.units: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        for d in disputes:
            key = str(d["id"]) if len(dims) == 1 else f"{d['dimension']}/{d['id']}"
            codings = [d["label_first"], d["label_second"]]
            if random.Random(f"{seed}:{d['dimension']}:{d['id']}").random() < 0.5:
                codings.reverse()
            text = str(d["text"])
            unit = dict(Unit(id=key, text=text, group=str(d.get("group") or ""), context=text, unit_end=len(text)).as_dict(),
                        dimension=d["dimension"], unit_id=str(d["id"]), codings=codings)
            self.units.append(unit)
            self.by_id[key] = unit
        self.lock = threading.Lock()
        self.decisions: dict[str, dict[str, Any]] = {}  # unit key -> label, reason, time; in decision order
        self._resume()
        self._write()

    def _options(self, dim: str, lexicons: Sequence[Lexicon]) -> list[LabelOption]:
        opts: list[LabelOption] = []
        for lx in lexicons:
            if lx.dimension == dim and lx.kind in ANNOTATABLE_KINDS:
                opts = label_options(lx)
        known = {o.value for o in opts}
        seen = {str(r["label"]) for r in [*self.first, *self.second] if str(r.get("dimension") or "labels") == dim}
        return opts + [LabelOption(v, v, "", "") for v in sorted(seen - known)]

    def _resume(self) -> None:
        if not self.path.exists():
            return
        keys = {(u["dimension"], u["unit_id"]): u["id"] for u in self.units}
        found = []
        from .store import json_lines

        try:
            for _, rec in json_lines(self.path, written_by="framing agreement --adjudicate"):
                if isinstance(rec, dict) and rec.get("adjudicated") is True:
                    key = keys.get((str(rec.get("dimension") or "labels"), str(rec.get("id"))))
                    if key is not None and isinstance(rec.get("label"), str) and str(rec.get("reason") or "").strip():
                        found.append((str(rec.get("time") or ""), key, rec))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.path}: cannot read: {exc}") from None
        for _, key, rec in sorted(found, key=lambda t: t[0]):
            self.decisions[key] = {"label": rec["label"], "reason": rec["reason"], "time": rec.get("time")}

    def _write(self) -> None:
        from ..agreement import settled_records
        from ..io.writers import atomic_write_text

        by_unit = {(self.by_id[k]["dimension"], self.by_id[k]["unit_id"]): v for k, v in self.decisions.items()}
        rows = settled_records(self.first, self.second, by_unit, sources=self.sources)
        atomic_write_text(self.path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))

    def _next(self) -> dict[str, Any] | None:
        return next((u for u in self.units if u["id"] not in self.decisions), None)

    def progress(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for d in self.decisions.values():
            counts[d["label"]] = counts.get(d["label"], 0) + 1
        done = len(self.decisions)
        return {"done": done, "remaining": len(self.units) - done, "total": len(self.units), "counts": counts}

    def state(self) -> dict[str, Any]:
        with self.lock:
            unit = self._next()
            return {"unit": None if unit is None else dict(unit, labels=self.labels[unit["dimension"]]), "progress": self.progress()}

    def decide(self, unit_id: str, label: str | None, hard_case: bool, reason: Any = None) -> tuple[int, dict[str, Any]]:
        with self.lock:
            unit = self.by_id.get(unit_id)
            if unit is None:
                return 404, {"error": "no such dispute"}
            if unit_id in self.decisions:
                return 409, {"error": "this dispute is already settled (undo it first)"}
            if label is None:
                return 400, {"error": "a dispute cannot be skipped: choose a label"}
            if label not in {x["value"] for x in self.labels[unit["dimension"]]}:
                return 400, {"error": f"unknown label {label!r}"}
            if not isinstance(reason, str) or not reason.strip():
                return 400, {"error": "write the reason for the decision first"}
            self.decisions[unit_id] = {"label": label, "reason": reason.strip(), "time": _now()}
            try:
                self._write()
            except Exception:
                del self.decisions[unit_id]
                raise
        return 200, self.state()

    def undo(self) -> tuple[int, dict[str, Any]]:
        with self.lock:
            undone = None
            if self.decisions:
                key = list(self.decisions)[-1]
                undone = {"id": key, "label": self.decisions.pop(key)["label"], "skipped": False}
                self._write()
        out = self.state()
        out["undone"] = undone
        return 200, out

    def page_data(self, csrf: str) -> dict[str, Any]:
        return {"csrf": csrf, "mode": "adjudicate", "dimension": self.dimension, "out": str(self.path),
                "labels": [], "initial": self.state()}


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("framing", "annotate/templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
    )


def _static(name: str) -> bytes:
    return resources.files("framing").joinpath("annotate", "static", name).read_bytes()


def create_app(session: Session, *, token: str, csrf: str | None = None) -> Any:
    """The Starlette app. `token` guards every request, `csrf` every POST."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route

    csrf = csrf or secrets.token_urlsafe(24)
    template = _environment().get_template("annotate.html")

    def _same(a: str | None, b: str) -> bool:
        return a is not None and hmac.compare_digest(a.encode(), b.encode())

    def _secure(response: Response) -> Response:
        for k, v in SECURITY_HEADERS.items():
            response.headers[k] = v
        return response

    async def page(request: Request) -> Response:
        data = session.page_data(csrf)
        html = template.render(data=data, dimension=data["dimension"], adjudicate=data["mode"] == "adjudicate")
        return _secure(HTMLResponse(html))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return _secure(PlainTextResponse("not found", status_code=404))
        return _secure(Response(_static(name), media_type=STATIC_FILES[name]))

    async def next_unit(request: Request) -> Response:
        return _secure(JSONResponse(session.state()))

    async def _body(request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def label(request: Request) -> Response:
        body = await _body(request)
        if body is None or not isinstance(body.get("id"), str) or not isinstance(body.get("label"), str):
            return _secure(JSONResponse({"error": "need a JSON body with `id` and `label`"}, status_code=400))
        status, out = session.decide(body["id"], body["label"], bool(body.get("hard_case")), body.get("reason"))
        return _secure(JSONResponse(out, status_code=status))

    async def skip(request: Request) -> Response:
        body = await _body(request)
        if body is None or not isinstance(body.get("id"), str):
            return _secure(JSONResponse({"error": "need a JSON body with `id`"}, status_code=400))
        status, out = session.decide(body["id"], None, bool(body.get("hard_case")))
        return _secure(JSONResponse(out, status_code=status))

    async def undo(request: Request) -> Response:
        status, out = session.undo()
        return _secure(JSONResponse(out, status_code=status))

    async def favicon(request: Request) -> Response:
        return _secure(Response(status_code=204))

    routes = [
        Route("/", page, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/next", next_unit, methods=["GET"]),
        Route("/label", label, methods=["POST"]),
        Route("/skip", skip, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
    ]
    inner = Starlette(routes=routes)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The token and CSRF checks around every HTTP request."""
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        request = Request(scope)
        from_query = _same(request.query_params.get("token"), token)
        if not (from_query or _same(request.cookies.get(COOKIE), token)):
            return await _secure(PlainTextResponse("forbidden: open the address framing annotate printed (with its ?token=)", status_code=403))(scope, receive, send)
        if request.method not in ("GET", "HEAD") and not _same(request.headers.get(CSRF_HEADER), csrf):
            return await _secure(PlainTextResponse("forbidden: missing or wrong CSRF header", status_code=403))(scope, receive, send)
        if not from_query:
            return await inner(scope, receive, send)

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", f"{COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/".encode()))
                message = dict(message, headers=headers)
            await send(message)

        return await inner(scope, receive, send_with_cookie)

    app.csrf = csrf  # type: ignore[attr-defined]
    return app


def bind_socket(port: int = 0) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: a free one). Never any other interface."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    return sock


def serve(app: Any, sock: socket.socket) -> None:
    """Run uvicorn on `sock` until Ctrl-C (or SIGTERM)."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])
