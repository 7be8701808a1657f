"""Regenerate the README's screenshot of the seed report: `python docs/screenshot.py`.

Scores the four seed articles (`framing compare seeds/`), opens the report in headless Chromium
and saves the top of the front page as `docs/img/seed-report.png`, with the digest of the
report's code beside it (`seed-report.sha256`). A test compares that digest with the current
report code, so a change to the report that is not followed by a new screenshot fails.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = ROOT / "docs" / "img" / "seed-report.png"
DIGEST = ROOT / "docs" / "img" / "seed-report.sha256"
REPORT_SOURCES = ("framing/report", "framing/compare", "framing/io/runs.py")


def report_digest(root: Path = ROOT) -> str:
    """sha256 over the report's code, templates and static files, in a fixed order."""
    h = hashlib.sha256()
    for rel in REPORT_SOURCES:
        path = root / rel
        files = sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def main() -> int:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        print("error: headless Chromium is needed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seeds"
        subprocess.run([sys.executable, "-m", "framing", "compare", str(ROOT / "seeds"), "--out", str(out), "-q", "--no-cache"], check=True)
        IMAGE.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                        f"--user-data-dir={Path(tmp) / 'profile'}", f"--screenshot={IMAGE}", "--window-size=1280,1400",
                        (out / "index.html").as_uri()], check=True, capture_output=True, timeout=120)
    DIGEST.write_text(report_digest() + "\n", encoding="utf-8")
    print(f"wrote {IMAGE.relative_to(ROOT)} and {DIGEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
