"""Tree members compiled to native code for serving: TL2cgen writes C, the C compiler builds it.

LightGBM's and XGBoost's own predictors walk their trees through generic loops, and each
call has a fixed cost. TL2cgen turns a booster into C source, one `if` per split, which
the machine's C compiler (gcc or clang) builds into a shared library: the same
probabilities to float32 precision, about twice as fast in batches and three times for
one row (figures in `docs/benchmarks.md`). Only numbers from the model file (thresholds,
feature indices, leaf values) reach the generated source, so compiling a model runs
nothing from the file.

Libraries are cached by content under `<cache>/native/`: a key made of the member file's
bytes, the versions of TL2cgen and Treelite and the compiler's own version line. A model
compiled once loads in milliseconds in every later server process; a lock file keeps two
processes from compiling the same member at once. Without a C compiler, or when a member
cannot be compiled, that member keeps its library's predictor and the reason is logged.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from bankmarketing_ops._exceptions import ModelArtifactError
from bankmarketing_ops._logging import get_logger

__all__ = ["NativeReport", "NativeTrees", "compile_members", "find_compiler"]

_log = get_logger(__name__)

#: Member kinds TL2cgen compiles (a CatBoost, forest or linear member keeps its predictor).
COMPILABLE: Final = frozenset({"lightgbm", "xgboost"})
#: -O1: -O2 and -O3 take twice as long to build and score a batch within 7 % of it.
_FLAGS: Final = ("-O1",)
#: Bumped when the way libraries are built changes, so older cached builds are not reused.
_BUILD_FORMAT: Final = "1"


@dataclass
class NativeReport:
    """What `compile_members` did for one model."""

    compiled: dict[int, NativeTrees] = field(default_factory=dict)
    """Member position → its compiled predictor."""
    cached: int = 0
    """How many of them came from the cache (no compiler run)."""
    skipped: dict[int, str] = field(default_factory=dict)
    """Member position → why it keeps its library's predictor."""
    seconds: float = 0.0


def find_compiler() -> str | None:
    """The C compiler to use: `$CC` when set, else gcc, else clang; None if there is none."""
    configured = os.environ.get("CC")
    if configured:
        return configured if shutil.which(configured) else None
    return next((name for name in ("gcc", "clang") if shutil.which(name)), None)


def compile_members(
    directory: Path,
    members: Sequence[tuple[str, str]],
    *,
    cache_dir: Path,
) -> NativeReport:
    """Compile (or load from the cache) every tree member of the model in `directory`.

    Args:
        directory: The model's directory (`model.json` and the member files).
        members: `(kind, file)` of each member, in the manifest's order.
        cache_dir: Where compiled libraries are kept (`<cache>/native`).
    """
    started = time.perf_counter()
    report = NativeReport()
    compiler = find_compiler()
    for position, (kind, file) in enumerate(members):
        if kind not in COMPILABLE:
            report.skipped[position] = f"{kind} members are not compiled"
            continue
        if compiler is None:
            report.skipped[position] = "no C compiler found (set CC, or install gcc or clang)"
            continue
        try:
            report.compiled[position], cached = _load(directory / file, kind, compiler, cache_dir)
            report.cached += cached
        except Exception as exc:  # any failure leaves the member on its library's predictor
            reason = next(iter(str(exc).strip().splitlines()), type(exc).__name__)
            report.skipped[position] = f"cannot compile {file}: {reason}"
    report.seconds = time.perf_counter() - started
    return report


class NativeTrees:
    """One compiled member: P(yes) for a matrix (TL2cgen's runtime) or a row (its C entry).

    The library reads float32 or float64 inputs, as the booster's thresholds are stored
    (XGBoost: float32; LightGBM: float64); inputs are converted to that type.
    """

    def __init__(self, library: Path) -> None:
        import tl2cgen

        self._predictor = tl2cgen.Predictor(str(library), nthread=1)
        self._dtype = np.float32 if self._predictor.threshold_type == "float32" else np.float64
        self._tl2cgen = tl2cgen
        native = ctypes.CDLL(str(library))
        self._predict_row = native.predict
        self._predict_row.restype = None
        width = int(native.get_num_feature())
        value = ctypes.c_float if self._dtype is np.float32 else ctypes.c_double

        class Entry(ctypes.Union):  # TL2cgen's `union Entry` of the generated header
            _fields_ = (("missing", ctypes.c_int), ("fvalue", value), ("qvalue", ctypes.c_int))

        self._entries = (Entry * width)()
        # The union is as wide as its value, so the row buffer reads as a numpy array:
        # one slice assignment writes a whole row.
        self._row = np.frombuffer(memoryview(self._entries).cast("B"), dtype=self._dtype)
        self._width = width
        self._out = (value * 1)()
        self._lock = threading.Lock()  # the row buffers are per instance
        self._library = native  # keeps the library loaded while the entry point is used

    @property
    def num_feature(self) -> int:
        return self._width

    def __call__(self, inputs: Any) -> npt.NDArray[np.float64]:
        matrix = np.ascontiguousarray(inputs, dtype=self._dtype)
        proba = self._predictor.predict(self._tl2cgen.DMatrix(matrix))
        return np.asarray(proba, dtype=np.float64).reshape(-1)

    def one(self, values: list[float]) -> float:
        """P(yes) for one row. The generated code quantizes its input in place, so the
        row is written afresh on every call."""
        with self._lock:
            self._row[:] = values
            self._out[0] = 0.0
            self._predict_row(self._entries, 0, self._out)
            return float(self._out[0])


# --- the cache ------------------------------------------------------------------------------
def _load(member: Path, kind: str, compiler: str, cache_dir: Path) -> tuple[NativeTrees, bool]:
    """The member's compiled predictor; a cached library that does not load (truncated,
    built elsewhere) is built again once."""
    library, cached = _library_for(member, kind, compiler, cache_dir)
    try:
        return NativeTrees(library), cached
    except Exception:
        if not cached:
            raise
        _log.info("cached library %s does not load; building it again", library.name)
        library.unlink(missing_ok=True)
        library, _ = _library_for(member, kind, compiler, cache_dir)
        return NativeTrees(library), False


def _library_for(member: Path, kind: str, compiler: str, cache_dir: Path) -> tuple[Path, bool]:
    """The compiled library of `member`, built if the cache has none. (path, was cached)."""
    key = _cache_key(member.read_bytes(), compiler)
    library = cache_dir / f"{key}.so"
    cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _check_private(cache_dir)
    if library.exists():
        _check_private(library)
        return library, True
    with _exclusive(cache_dir / f"{key}.lock"):
        if library.exists():  # another process built it while we waited
            return library, True
        _build(member, kind, compiler, library)
    return library, False


def _check_private(path: Path) -> None:
    """Refuse a cache another user could have written to: loading a library runs its code,
    and the names are predictable (a hash of a model anyone may have)."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: no POSIX owners
        return
    status = path.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o022:
        raise ModelArtifactError(
            f"{path} is not this user's alone (owner {status.st_uid}, mode "
            f"{status.st_mode & 0o777:o}); not loading native code from it. Make it private "
            "(chmod go-w) or point BANKOPS_CACHE_DIR elsewhere"
        )


def _cache_key(member_bytes: bytes, compiler: str) -> str:
    import tl2cgen
    import treelite

    digest = hashlib.sha256()
    for part in (
        _BUILD_FORMAT,
        tl2cgen.__version__,
        treelite.__version__,
        _compiler_version(compiler),
        " ".join(_FLAGS),
    ):
        digest.update(part.encode() + b"\0")
    digest.update(member_bytes)
    return digest.hexdigest()[:32]


@functools.cache
def _compiler_version(compiler: str) -> str:
    """The compiler's first `--version` line (asked once per process, not per member)."""
    done = subprocess.run(
        [compiler, "--version"], capture_output=True, text=True, timeout=30, check=False
    )
    return (done.stdout.splitlines() or [compiler])[0]


def _build(member: Path, kind: str, compiler: str, library: Path) -> None:
    """Generate C with TL2cgen, compile it, and move the library into place atomically."""
    import tl2cgen
    import treelite

    _quiet_tl2cgen()
    if kind == "xgboost":
        model = treelite.frontend.from_xgboost_json(member.read_text())
    else:
        model = treelite.frontend.load_lightgbm_model(str(member))
    with tempfile.TemporaryDirectory(dir=library.parent, prefix=".build-") as scratch:
        built = Path(scratch) / library.name
        tl2cgen.export_lib(
            model,
            toolchain=compiler,
            libpath=str(built),
            params={"parallel_comp": max(1, os.cpu_count() or 1), "quantize": 1},
            nthread=os.cpu_count() or 1,
            options=list(_FLAGS),
        )
        if not built.exists():
            raise ModelArtifactError(f"{compiler} produced no library for {member.name}")
        os.replace(built, library)


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """An advisory lock across processes (POSIX); elsewhere two builds may race, harmlessly,
    since each one replaces the library atomically."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_QUIET_LOCK = threading.Lock()
_quiet_callback: Any = None


def _quiet_tl2cgen() -> None:
    """Send TL2cgen's native log lines to our logger at debug level, not to stdout."""
    global _quiet_callback
    with _QUIET_LOCK:
        if _quiet_callback is not None:
            return
        from tl2cgen.core import _LIB

        def to_debug(message: bytes) -> None:
            _log.debug("tl2cgen: %s", message.decode("utf-8", "replace").strip())

        callback = ctypes.CFUNCTYPE(None, ctypes.c_char_p)(to_debug)
        _LIB.TL2cgenRegisterLogCallback(callback)
        _quiet_callback = callback  # a ctypes callback must outlive its registration
