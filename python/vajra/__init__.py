"""Vajra: BM25 lexical, HNSW vector and hybrid (fused) search, from Python.

    import vajra
    c = vajra.Collection.create(dim=128)
    c.add(ids, texts, vectors)
    c.commit()
    c.search("wing flutter", k=5)                       # lexical
    c.search(vector=q, k=5)                             # vector
    c.search("wing flutter", q, k=5)                    # hybrid (RRF)

See docs/python.md. Plugins are found without environment variables: the build tree's own
plugin directories when this package is imported from a build tree, the directory bundled in a
wheel, then libvajra's install directory; VAJRA_PLUGIN_PATH, when set, comes first.
"""
import os as _os

from . import _config


def _plugin_search_path():
    dirs = []
    env = _os.environ.get("VAJRA_PLUGIN_PATH")
    if env:
        dirs.append(env)
    here = _os.path.dirname(_os.path.abspath(__file__))
    build = _os.path.abspath(_config.BUILD_DIR)
    if here.startswith(build + _os.sep):
        dirs.extend(d for d in _config.BUILD_PLUGIN_DIRS.split(":") if d)
    # meson-python puts $libdir into <site-packages>/.vajra.mesonpy.libs/
    bundled = _os.path.join(_os.path.dirname(here), ".vajra.mesonpy.libs", _config.PLUGIN_SUBDIR)
    if _os.path.isdir(bundled):
        dirs.append(bundled)
    return ":".join(dirs) or None  # the registry appends libvajra's install dir


from . import _vajra  # noqa: E402

_vajra._init_registry(_plugin_search_path())

from ._vajra import (  # noqa: E402,F401
    ABIMismatchError,
    BadValueError,
    BusyError,
    Collection,
    CorruptError,
    CPUUnsupportedError,
    DimensionError,
    DuplicateError,
    EncodingError,
    Error,
    Hit,
    HNSWIndex,
    InternalError,
    InvalidArgumentError,
    IOFailureError,
    NoMemoryError,
    NotFoundError,
    PluginLoadError,
    StateError,
    StepLimitError,
    TypeMismatchError,
    UnsupportedError,
    VersionError,
    kernel,
    plugin_install_dir,
    plugin_search_path,
)

__version__ = _vajra.__version__

__all__ = [
    "ABIMismatchError", "BadValueError", "BusyError", "Collection", "CorruptError",
    "CPUUnsupportedError", "DimensionError", "DuplicateError", "EncodingError", "Error", "Hit",
    "HNSWIndex", "InternalError", "InvalidArgumentError", "IOFailureError", "NoMemoryError",
    "NotFoundError", "PluginLoadError", "StateError", "StepLimitError", "TypeMismatchError",
    "UnsupportedError", "VersionError", "kernel", "plugin_install_dir", "plugin_search_path",
    "__version__",
]
