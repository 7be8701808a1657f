"""The annotation web app: Starlette, served by uvicorn on 127.0.0.1 only.

Security: the server listens on the loopback interface only; the address printed at start
carries a random token, and every request needs it (`?token=`, after which the page sets an
HttpOnly SameSite=Strict cookie holding it); every POST needs an `X-CSRF-Token` header equal to a
per-server value embedded in the page. The page is a Jinja2 template with autoescaping, data
reaches its script through `|tojson` inside a non-executed JSON script element, and the script
writes article text with `textContent` only. A strict Content-Security-Policy allows scripts and
styles from this server only (no CDN, nothing inline).
"""
from __future__ import annotations

import hmac
import secrets
import socket
import threading
from importlib import resources
from typing import Any, Sequence

from ..models import Lexicon
from .queue import LabelOption, Unit, label_options
from .store import LabelStore

__all__ = ["Session", "create_app", "new_token", "bind_socket", "serve", "COOKIE", "CSRF_HEADER"]

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

    def decide(self, unit_id: str, label: str | None, hard_case: bool) -> tuple[int, dict[str, Any]]:
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
            "dimension": self.lexicon.dimension,
            "kind": self.lexicon.kind,
            "annotator": self.store.annotator,
            "out": str(self.store.path),
            "labels": [
                {"value": o.value, "name": o.name, "group": o.group, "definition": o.definition,
                 # keys 1-9 for the first nine labels; `none`, when it is not among them, gets 0
                 "key": str(i + 1) if i < 9 else ("0" if o.value == "none" else "")}
                for i, o in enumerate(self.options)
            ],
            "initial": self.state(),
        }


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
        html = template.render(data=session.page_data(csrf), dimension=session.lexicon.dimension)
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
        status, out = session.decide(body["id"], body["label"], bool(body.get("hard_case")))
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
