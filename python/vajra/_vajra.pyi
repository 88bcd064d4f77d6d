"""Type stubs of the `vajra` C extension (re-exported by the `vajra` package)."""
from os import PathLike
from typing import Literal, Mapping, NamedTuple, Sequence, overload

import numpy as np
import numpy.typing as npt

__version__: str

StrPath = str | PathLike[str]
Metric = Literal["ip", "l2", "cosine"]
Mode = Literal["lexical", "vector", "hybrid", "auto"]
Fusion = Literal["rrf", "minmax", "zscore"]
Vectors = npt.ArrayLike  # 2-D (n, dim) or 1-D (dim,); float32 zero-copy, float16/64 converted

class Error(Exception):
    """Base class of every error the Vajra library reports; str(e) is the C message."""
    code: int
    """The C status code (negative)."""
    status: str
    """Its name, e.g. 'VAJRA_ERR_CORRUPT'."""

class InvalidArgumentError(Error, ValueError):
    """A bad parameter."""
class NoMemoryError(Error, MemoryError):
    """An allocation failed."""
class TypeMismatchError(Error):
    """Morphisms whose types do not meet."""
class NotFoundError(Error, LookupError):
    """A file, plugin, profile or document id is absent."""
class IOFailureError(Error):
    """A read, write, fsync or rename failed (also: a file that cannot be opened by a reader)."""
class PluginLoadError(Error):
    """A plugin could not be loaded."""
class ABIMismatchError(Error):
    """A plugin was built for another ABI."""
class UnsupportedError(Error):
    """An optional operation is not available."""
class CorruptError(Error):
    """A file failed validation."""
class VersionError(Error):
    """A file written by a newer, incompatible version."""
class StepLimitError(Error):
    """An unfold hit its step limit."""
class DuplicateError(Error, ValueError):
    """A duplicate document id."""
class EncodingError(Error, ValueError):
    """Invalid UTF-8 or a malformed record."""
class DimensionError(Error, ValueError):
    """A vector (or array) of the wrong dimension or shape."""
class CPUUnsupportedError(Error):
    """The CPU lacks features a plugin needs."""
class BadValueError(Error, ValueError):
    """NaN/Inf, a zero vector under cosine, an out-of-range value."""
class StateError(Error):
    """The object is in the wrong state: closed, read-only, uncommitted."""
class InternalError(Error):
    """A broken invariant inside Vajra: please report it."""
class BusyError(Error):
    """Another writer holds the collection."""

class Hit(NamedTuple):
    """One search result, best first in the lists search() returns."""
    id: str
    """The document's external id."""
    score: float
    """Its score (the float32 the library computed), higher is better."""
    title: str
    """Its title ('' when it had none)."""
    doc: int
    """Its internal document number."""
    @property
    def attrs(self) -> dict[str, object] | None:
        """Its attributes when the search asked with_attrs=True, else None (not in the tuple)."""

class HNSWIndex:
    """An HNSW vector index (the vector-hnsw plugin), numpy in and out.

    Thread-safe: searches run concurrently (each thread gets its own search scratch); add waits
    for running searches and they for it. Build and search run with the GIL released.
    """
    def __init__(self, dim: int, metric: Metric = "ip", profile: str = "fast", *,
                 M: int | None = None, ef_construction: int | None = None,
                 ef_search: int | None = None, threads: int | None = None,
                 seed: int | None = None, storage: Literal["f32", "f16", "sq8"] | None = None,
                 rerank: bool = False) -> None:
        """Make an empty index. `profile` ('quality', 'fast', 'instant') sets M,
        ef_construction and ef_search, which the keywords override; `threads` builds
        (default: every CPU; the graph is the same for any count). `storage` 'f16' or 'sq8'
        keeps rows quantised (0.5x / 0.25x the f32 bytes; the graph is built on exact
        distances); `rerank=True` also keeps f32 rows to re-score the final candidates."""
    def add(self, vectors: Vectors, ids: npt.ArrayLike | None = None) -> None:
        """Insert vectors (labelled by `ids`, default: insertion numbers). All or nothing:
        raises DimensionError, BadValueError (NaN/Inf; zero vector under cosine)."""
    @overload
    def search(self, queries: Sequence[float] | npt.NDArray[np.floating], k: int = 10,
               ef: int | None = None, *, threads: int | None = None,
               exact: bool = False) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]: ...
    @overload
    def search(self, queries: Vectors, k: int = 10, ef: int | None = None, *,
               threads: int | None = None,
               exact: bool = False) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]: ...
    def search(self, queries: Vectors, k: int = 10, ef: int | None = None, *,
               threads: int | None = None,
               exact: bool = False) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        """(ids, scores) of the k nearest neighbours of each query: shape (n, k) for a 2-D
        batch, (k,) for one 1-D query; missing hits are id -1, score -inf. Scores: inner
        product (ip), cosine (cosine) or minus the squared distance (l2)."""
    def save(self, path: StrPath) -> None:
        """Write the index and its ids to one container file, atomically."""
    @classmethod
    def load(cls, path: StrPath, *, mmap: bool = True, threads: int | None = None) -> "HNSWIndex":
        """Open a saved index (or the vector side of a collection file); mmap=True searches the
        mapped file in place."""
    def __len__(self) -> int:
        """Number of vectors."""
    @property
    def dim(self) -> int:
        """Vector dimension."""
    @property
    def metric(self) -> Metric:
        """'ip', 'l2' or 'cosine'."""
    @property
    def M(self) -> int:
        """Links per node on the upper levels (2M on level 0)."""
    @property
    def ef_construction(self) -> int:
        """Beam width while inserting."""
    @property
    def ef_search(self) -> int:
        """Default beam width of search."""
    @property
    def threads(self) -> int:
        """Threads used by add."""
    @property
    def storage(self) -> str:
        """How rows are stored: 'f32', 'f16' or 'sq8'."""
    @property
    def rerank(self) -> bool:
        """Whether f32 rows are kept to re-rank quantised searches."""

class Collection:
    """Documents indexed lexically (BM25) and, with dim > 0, by vector (HNSW); searched
    lexically, by vector or hybrid. Thread-safe: searches run concurrently; add, commit and
    close wait for running searches."""
    @classmethod
    def create(cls, path: StrPath | None = None, dim: int = 0, *, metric: Metric = "ip",
               profile: str | None = None, M: int | None = None,
               ef_construction: int | None = None,
               ef_search: int | None = None, threads: int | None = None, scorer: str = "bm25",
               k1: float | None = None, b: float | None = None,
               stemmer: Literal["english", "porter", "none"] = "english",
               keep_stopwords: bool = False, ignore_title: bool = False,
               attr_schema: str | None = None, vector_plugin: str | None = None,
               vector_params: dict[str, object] | None = None, embedder: str | None = None,
               embedder_params: Mapping[str, str | int | float] | None = None
               ) -> "Collection":
        """A new, empty collection (dim=0: lexical only). With `path`, commit() also saves
        there. `attr_schema` declares filterable attributes ("lang:keyword, year:int");
        default: inferred from the first batch carrying attributes. `vector_plugin` picks the
        vector index ("vector-hnsw", "vector-flat"), `vector_params` its parameters
        ({"storage": "f16"}; values passed as str). `embedder` ("lsa", "table") makes the
        vectors from the text, trained at the first commit and saved with the collection;
        `embedder_params` configure it ({"dim": 256})."""
    @classmethod
    def open(cls, path: StrPath, writable: bool = False, *, mmap: bool = True,
             threads: int | None = None) -> "Collection":
        """Open a saved collection; writable=True takes its writer lock (BusyError when taken)
        and makes every commit save the file durably."""
    def add(self, ids: Sequence[str], texts: Sequence[str | None] | None = None,
            vectors: Vectors | None = None, titles: Sequence[str | None] | None = None, *,
            attrs: Sequence[Mapping[str, object] | str | None] | None = None) -> None:
        """Add documents (searchable after commit()); all or nothing."""
    def upsert(self, ids: Sequence[str], texts: Sequence[str | None] | None = None,
               vectors: Vectors | None = None, titles: Sequence[str | None] | None = None, *,
               attrs: Sequence[Mapping[str, object] | str | None] | None = None) -> None:
        """Like add(), but a live document with the same id is replaced at the next commit."""
    def delete(self, ids: Sequence[str], /) -> None:
        """Stage the deletion of documents by id (NotFoundError for an unknown id)."""
    def compact(self, *, threads: int | None = None) -> None:
        """Merge the segments into one without the deleted documents; searches keep running."""
    def promote(self, profile: str | None = None, *, M: int | None = None,
                ef_construction: int | None = None, ef_search: int | None = None,
                threads: int | None = None,
                vector_params: dict[str, str | int] | None = None) -> None:
        """Compact with new vector parameters (e.g. 'instant' now, 'quality' later), which
        later segments use too. `vector_params` sets other build keys of the vector index
        (e.g. {"storage": "sq8"}, {"rerank": 1}), overriding the current values; keys not given
        are kept. A bad key or value raises InvalidArgumentError and changes nothing."""
    def commit(self) -> None:
        """Make everything staged searchable at once (and save: a writable file durably, or the
        create() path)."""
    def save(self, path: StrPath) -> None:
        """Write the collection to one container file, atomically."""
    def search(self, text: str | None = None, vector: Vectors | None = None, *, k: int = 10,
               mode: Mode | None = None, fusion: Fusion = "rrf", rrf_k: float = 60.0,
               weight: float = 0.5, depth: int | None = None, ef: int | None = None,
               exact: bool = False, filter: str | None = None,
               with_attrs: bool = False) -> list[Hit]:
        """One query: the best k hits. Hybrid when both text and vector are given (mode=None).
        `filter` is an attribute filter expression applied inside the searches."""
    def search_batch(self, texts: Sequence[str] | None = None, vectors: Vectors | None = None,
                     *, k: int = 10, mode: Mode | None = None, fusion: Fusion = "rrf",
                     rrf_k: float = 60.0, weight: float = 0.5, depth: int | None = None,
                     ef: int | None = None, exact: bool = False, threads: int | None = None,
                     filter: str | None = None, with_attrs: bool = False) -> list[list[Hit]]:
        """Many queries on C threads (default: every CPU), one list of hits per query."""
    @overload
    def evaluate(self, queries: StrPath | Mapping[str, str] | Sequence[tuple[str, str]],
                 qrels: StrPath | Mapping[str, Mapping[str, int]],
                 vectors: Vectors | None = None, *,
                 mode: Literal["lexical", "vector", "hybrid"] = "lexical", k: int = 1000,
                 depth: int | None = None, ef: int | None = None, exact: bool = False,
                 fusion: Fusion = "rrf", rrf_k: float = 60.0, weight: float = 0.5,
                 threads: int | None = None,
                 filter: str | None = None) -> dict[str, float | int | str]: ...
    @overload
    def evaluate(self, queries: StrPath | Mapping[str, str] | Sequence[tuple[str, str]],
                 qrels: StrPath | Mapping[str, Mapping[str, int]],
                 vectors: Vectors | None = None, *, mode: Literal["all"], k: int = 1000,
                 depth: int | None = None, ef: int | None = None, exact: bool = False,
                 fusion: Fusion = "rrf", rrf_k: float = 60.0, weight: float = 0.5,
                 threads: int | None = None,
                 filter: str | None = None) -> list[dict[str, float | int | str]]: ...
    def evaluate(self, queries, qrels, vectors=None, *, mode="lexical", k=1000, depth=None,
                 ef=None, exact=False, fusion="rrf", rrf_k=60.0, weight=0.5, threads=None,
                 filter=None):
        """The metrics `vajra eval --json` prints: ndcg@10, ndcg@10_exp, recall@100, mrr@10,
        map, queries."""
    def close(self) -> None:
        """Free the collection now (waits for running searches); idempotent."""
    def __enter__(self) -> "Collection":
        """Return self."""
    def __exit__(self, *exc: object) -> Literal[False]:
        """close()."""
    def __len__(self) -> int:
        """Committed documents."""
    @property
    def info(self) -> dict[str, object]:
        """count, dim, metric, plugins, scorer parameters, profile, HNSW parameters, path,
        vector_params (the vector index's effective key/values)."""
    @property
    def dim(self) -> int:
        """Vector dimension (0: lexical only)."""
    @property
    def counts(self) -> dict[str, int | bool]:
        """segments, generation, live, deleted, staged_adds, staged_deletes, writable."""
    @property
    def closed(self) -> bool:
        """True after close()."""

def plugin_search_path() -> str:
    """The directories searched for plugins, colon-joined."""
def plugin_install_dir() -> str:
    """The plugin directory compiled into libvajra-core."""
def kernel() -> str:
    """The distance kernel in use: 'avx512', 'avx2', 'neon' or 'scalar'."""
