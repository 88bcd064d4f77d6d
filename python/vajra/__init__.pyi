"""Vajra: BM25 lexical, HNSW vector and hybrid (fused) search. See docs/python.md."""
from ._vajra import (
    ABIMismatchError as ABIMismatchError,
    BadValueError as BadValueError,
    BusyError as BusyError,
    Collection as Collection,
    CorruptError as CorruptError,
    CPUUnsupportedError as CPUUnsupportedError,
    DimensionError as DimensionError,
    DuplicateError as DuplicateError,
    EncodingError as EncodingError,
    Error as Error,
    Hit as Hit,
    HNSWIndex as HNSWIndex,
    InternalError as InternalError,
    InvalidArgumentError as InvalidArgumentError,
    IOFailureError as IOFailureError,
    NoMemoryError as NoMemoryError,
    NotFoundError as NotFoundError,
    PluginLoadError as PluginLoadError,
    StateError as StateError,
    StepLimitError as StepLimitError,
    TypeMismatchError as TypeMismatchError,
    UnsupportedError as UnsupportedError,
    VersionError as VersionError,
    kernel as kernel,
    plugin_install_dir as plugin_install_dir,
    plugin_search_path as plugin_search_path,
)

__version__: str
__all__: list[str]
