"""Nothing a user supplies is ever unpickled, eval'd or loaded with an unsafe YAML loader."""
import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "framing"
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "joblib", "cloudpickle", "shelve", "marshal"}
JOBLIB_PARALLEL = {"Parallel", "delayed", "parallel_backend", "parallel_config"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_no_unsafe_deserialisation_or_eval_in_the_package():
    problems = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                problems += [f"{path}:{node.lineno} import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
                # joblib's process pools are fine; its load/dump (pickle) are not.
                if node.module == "joblib" and {a.name for a in node.names} <= JOBLIB_PARALLEL:
                    continue
                problems.append(f"{path}:{node.lineno} from {node.module} import {', '.join(a.name for a in node.names)}")
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if isinstance(func, ast.Name) and name in FORBIDDEN_CALLS:
                    problems.append(f"{path}:{node.lineno} {name}()")
                if name in {"load", "load_all", "unsafe_load", "full_load"} and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "yaml":
                    problems.append(f"{path}:{node.lineno} yaml.{name}() (use yaml.safe_load or SafeLoader)")
                for kw in node.keywords:
                    if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                        problems.append(f"{path}:{node.lineno} allow_pickle must be False")
    assert not problems, "\n".join(problems)


def test_jinja_environments_autoescape():
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "Environment":
                kws = {kw.arg for kw in node.keywords}
                assert "autoescape" in kws, f"{path}:{node.lineno} Environment without autoescape"
