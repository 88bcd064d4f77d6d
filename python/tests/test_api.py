"""Every public name is documented, in the module and in the type stubs."""
import ast
import inspect
import os

import vajra

PKG = os.path.dirname(vajra.__file__)


def public_members(obj):
    for name, value in inspect.getmembers(obj):
        if not name.startswith("_") or (name in ("__enter__", "__exit__", "__len__")
                                         and not issubclass(obj, tuple)):
            yield name, value


def test_every_public_name_has_a_docstring():
    assert vajra.__doc__
    missing = []
    for name in vajra.__all__:
        if name == "__version__":
            continue
        obj = getattr(vajra, name)
        if not (obj.__doc__ or "").strip():
            missing.append(name)
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            for mname, m in public_members(obj):
                if mname in ("count", "index") and issubclass(obj, tuple):
                    continue  # tuple's own methods
                if not (getattr(m, "__doc__", "") or "").strip():
                    missing.append(f"{name}.{mname}")
    assert not missing, missing


def test_signatures_visible_to_introspection():
    assert str(inspect.signature(vajra.HNSWIndex.search)).startswith("(self, /, queries, k=10")
    assert "mode=None" in str(inspect.signature(vajra.Collection.search))
    assert "writable=False" in str(inspect.signature(vajra.Collection.open))


def stub_names(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            out[node.name] = node
    return out


def test_stubs_cover_the_api_with_docstrings():
    stubs = stub_names(os.path.join(PKG, "_vajra.pyi"))
    assert os.path.exists(os.path.join(PKG, "py.typed"))
    init = open(os.path.join(PKG, "__init__.pyi"), encoding="utf-8").read()
    for name in vajra.__all__:
        if name == "__version__":
            continue
        assert name in stubs, f"{name} missing from _vajra.pyi"
        assert f"{name} as {name}" in init, f"{name} not re-exported by __init__.pyi"
        assert ast.get_docstring(stubs[name]), f"{name} has no docstring in the stub"
        obj = getattr(vajra, name)
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            stubbed = {n.name for n in stubs[name].body if isinstance(n, ast.FunctionDef)}
            for mname, _ in public_members(obj):
                if mname in ("count", "index") and issubclass(obj, tuple):
                    continue
                if mname in ("n_fields", "n_sequence_fields", "n_unnamed_fields"):
                    continue  # structseq bookkeeping
                assert mname in stubbed or any(
                    isinstance(n, ast.AnnAssign) and n.target.id == mname
                    for n in stubs[name].body), f"{name}.{mname} missing from the stub"
            for f in stubs[name].body:
                if isinstance(f, ast.FunctionDef) and not any(
                        isinstance(d, ast.Name) and d.id == "overload" for d in f.decorator_list):
                    assert ast.get_docstring(f), f"{name}.{f.name} has no docstring in the stub"


def test_readme_example_runs(capsys):
    """The README's Python example runs as written, from the source root."""
    root = os.environ.get("VAJRA_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    cwd = os.getcwd()
    os.chdir(root)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.startswith("[vajra.Hit(id=") for line in out)
