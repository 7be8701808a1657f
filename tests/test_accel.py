"""The accelerator's scaffolding: one place decides the path, the environment can force the pure
one, `framing --version` and `manifest.json` say which ran, and CI really runs the compiled one."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from framing import accel

ROOT = Path(__file__).resolve().parent.parent


def _version_lines(env: dict[str, str]) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "framing", "--version"], capture_output=True, text=True, check=True,
                          env={**os.environ, **env})
    return proc.stdout.splitlines()


def test_every_c_source_is_built_and_selected():
    """setup.py builds exactly the modules framing.accel loads: one per C source."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    built = next(ast.literal_eval(node.value) for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "ACCELERATED")
    sources = sorted(p.stem for p in (ROOT / "framing" / "_accel").glob("*.c"))
    assert sorted(built) == sorted(accel.MODULES) == sources


def test_pure_python_is_forced_by_the_environment():
    assert not accel._load("1").is_compiled
    assert accel._load("1").reason == "FRAMING_PURE_PYTHON=1"
    assert _version_lines({"FRAMING_PURE_PYTHON": "1"})[-1] == "accelerator: pure Python (FRAMING_PURE_PYTHON=1)"


def test_version_prints_the_active_path_in_one_line():
    lines = _version_lines({"FRAMING_PURE_PYTHON": ""})
    assert lines[0].startswith("framing, version ")
    expected = "compiled (" + ", ".join(accel.MODULES) + ")" if accel._load(None).is_compiled else "pure Python ("
    assert lines[1].startswith(f"accelerator: {expected}") and len(lines) == 2


def test_a_missing_module_means_the_pure_path_with_the_reason(monkeypatch):
    monkeypatch.setattr(accel, "MODULES", (*accel.MODULES, "not_built"))
    acc = accel._load(None)
    assert not acc.is_compiled and acc.modules == {}  # never half compiled
    assert "not built or does not load" in acc.reason and "not_built" in acc.reason


def test_the_manifest_records_the_path(tmp_path, seeds_dir):
    from framing.cli import cli
    from click.testing import CliRunner

    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["score", str(seeds_dir), "--out", str(out), "--no-cache", "-j", "1", "-q", "--no-classifiers"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run"]["accelerator"] == accel.describe()


@pytest.mark.skipif(os.environ.get("CI", "").lower() != "true", reason="CI only: a developer machine may lack a compiler")
def test_ci_runs_the_compiled_path():
    """CI builds the extension (`pip install -e .`): on the suite's default pass it must be active,
    on the pass with FRAMING_PURE_PYTHON=1 it must not."""
    if os.environ.get(accel.ENV_PURE_PYTHON, "") not in ("", "0"):
        assert not accel.active().is_compiled
    else:
        assert accel.active().is_compiled, accel.describe()


def test_a_failed_compile_is_a_warning_not_an_install_failure(tmp_path):
    """A compiler that fails (here /bin/false) leaves the install working on the pure path."""
    env = {**os.environ, "CC": "false", "LDSHARED": "false"}
    proc = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--build-lib", str(tmp_path / "lib"), "--build-temp", str(tmp_path / "tmp")],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "warning: could not build framing._accel." in proc.stdout + proc.stderr
    assert not list(tmp_path.rglob("*.so"))
