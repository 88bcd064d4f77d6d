"""`pip install --no-build-isolation .` gives a working package (opt-in: VAJRA_TEST_PIP=1, since it
rebuilds the whole project in pip's temporary build directory)."""
import os
import subprocess
import sys

import pytest

ROOT = os.environ.get("VAJRA_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "..", ".."))

SMOKE = """
import vajra, numpy as np
assert ".vajra.mesonpy.libs" in vajra.plugin_search_path(), vajra.plugin_search_path()
c = vajra.Collection.create(dim=4)
c.add(["a", "b"], ["hello world", "wing flutter"], np.eye(4, dtype=np.float32)[:2])
c.commit()
assert [h.id for h in c.search("wing", np.eye(4)[1], k=2)] == ["b", "a"]
h = vajra.HNSWIndex(4)
h.add(np.eye(4))
assert h.search(np.eye(4)[2], k=1)[0][0] == 2
print("ok", vajra.__version__, vajra.kernel())
"""


@pytest.mark.skipif(os.environ.get("VAJRA_TEST_PIP") != "1", reason="set VAJRA_TEST_PIP=1")
def test_pip_install_into_a_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], check=True)
    py = venv / "bin" / "python"
    r = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index", ROOT],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("VAJRA_PLUGIN_PATH", "PYTHONPATH")}
    r = subprocess.run([py, "-c", SMOKE], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("ok"), r.stderr
