"""Sealed files: media encrypted with AES-GCM in chunks, readable at any offset.

Layout: a 40-byte header (magic, the study key's id, a random file id) and then records, each
``<u32 plain length><u8 flags><12-byte nonce><ciphertext + 16-byte tag>``. Each record's
associated data binds the file id, its index and its flags, so records cannot be moved between
files or reordered unseen, and the last record carries the *final* flag: a file cut short shows
as incomplete instead of passing for whole. Records may differ in length: a recording seals what
it has about once a second (a crash loses at most that), an import seals 256 KiB at a time.

Why not one AES-CTR stream: authentication per chunk lets a reader decrypt only the chunk a seek
lands in, and tells damage (or tampering) from audio.
"""

from __future__ import annotations

import bisect
import functools
import io
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

from focusdesk.core.errors import UserError
from focusdesk.store.protect import keyring
from focusdesk.store.protect.keyfile import StudyKey

MAGIC = b"FDSEAL\x00\x01"
HEADER = len(MAGIC) + 16 + 16
_REC = struct.Struct("<IB")
REC_HEAD = _REC.size + 12
TAG = 16
FINAL = 1
CHUNK = 256 * 1024
MAX_RECORD = 64 * 1024 * 1024


class SealedFileError(UserError, ValueError):
    """A sealed file is damaged or was changed: a record fails its authentication."""

    title = "Damaged protected file"


def _aad(file_id: bytes, index: int, flags: int) -> bytes:
    return file_id + struct.pack("<QB", index, flags)


@functools.lru_cache(maxsize=16)
def _cipher(key: StudyKey):
    """One AES-GCM object per key (deriving the media key each time cost more than a seek)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key.media_key())


def forget_ciphers() -> None:
    """Drop the cached AES-GCM objects (a study's key was forgotten)."""
    _cipher.cache_clear()


_INDEXES: dict[tuple, _Index] = {}  # (path, inode, size, mtime): a file read again is not rescanned
_INDEXES_MAX = 64


def _index_for(fd: int, path: Path) -> _Index:
    st = os.fstat(fd)
    stamp = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    index = _INDEXES.get(stamp)
    if index is None:
        index = _Index(fd, st.st_size)
        if len(_INDEXES) >= _INDEXES_MAX:
            _INDEXES.pop(next(iter(_INDEXES)))
        _INDEXES[stamp] = index
    return index


def sealed_key_id(path: Path | str) -> bytes | None:
    """The key id of a sealed file, None for any other file (or one too short to tell)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return None
    if len(head) < HEADER or head[:len(MAGIC)] != MAGIC:
        return None
    return head[len(MAGIC):len(MAGIC) + 16]


def is_sealed(path: Path | str) -> bool:
    return sealed_key_id(path) is not None


def _write_all(fd: int, data: bytes) -> None:
    view, done = memoryview(data), 0
    while done < len(view):
        done += os.write(fd, view[done:])


class SealedWriter:
    """Appends plaintext; ``seal()`` turns what is buffered into a record, ``close()`` adds the
    final record. ``split=False`` seals only at ``write`` boundaries (a WAV's whole frames)."""

    def __init__(self, path: Path | str, key: StudyKey, *, chunk: int = CHUNK, split: bool = True,
                 mode: int = 0o600):
        self.path = Path(path)
        self.key, self.chunk, self.split = key, chunk, split
        self.file_id = secrets.token_bytes(16)
        self._aes = _cipher(key)
        self._buf = bytearray()
        self.offsets: list[int] = []  # file offset of each record
        self.lengths: list[int] = []
        self.plain_bytes = 0
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                           | getattr(os, "O_BINARY", 0), mode)
        self._end = 0
        try:
            self._append(MAGIC + key.key_id + self.file_id)
        except OSError:
            self.abort()
            raise

    def _append(self, data: bytes) -> None:
        try:
            _write_all(self._fd, data)
        except OSError:
            try:  # never leave half a record: cut back to the last whole one
                os.ftruncate(self._fd, self._end)
                os.lseek(self._fd, self._end, os.SEEK_SET)
            except OSError:
                pass
            raise
        self._end += len(data)

    def _record(self, index: int, data: bytes, flags: int) -> bytes:
        nonce = os.urandom(12)
        return _REC.pack(len(data), flags) + nonce + self._aes.encrypt(
            nonce, bytes(data), _aad(self.file_id, index, flags))

    def write_record(self, data: bytes, final: bool = False) -> int:
        index = len(self.offsets)
        record = self._record(index, data, FINAL if final else 0)
        start = self._end
        self._append(record)
        self.offsets.append(start)
        self.lengths.append(len(data))
        self.plain_bytes += len(data)
        return index

    def rewrite_record(self, index: int, data: bytes) -> None:
        """Replace record ``index`` by one of the same length (a WAV header's sizes)."""
        if len(data) != self.lengths[index]:
            raise ValueError("a rewritten record must keep its length")
        record = self._record(index, data, 0)
        if _OS_PWRITE is not None:
            _OS_PWRITE(self._fd, record, self.offsets[index])
        else:  # pragma: no cover - Windows
            os.lseek(self._fd, self.offsets[index], os.SEEK_SET)
            _write_all(self._fd, record)
            os.lseek(self._fd, self._end, os.SEEK_SET)

    def write(self, data: bytes | memoryview) -> None:
        self._buf += data
        if self.split:
            while len(self._buf) >= self.chunk:
                self.write_record(bytes(self._buf[:self.chunk]))
                del self._buf[:self.chunk]
        elif len(self._buf) >= self.chunk:
            self.seal()

    def seal(self) -> None:
        if self._buf:
            data = bytes(self._buf)
            self._buf.clear()
            self.write_record(data)

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def fsync(self) -> None:
        os.fsync(self._fd)

    def sync(self) -> None:
        self.seal()
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            self.seal()
            self.write_record(b"", final=True)
            os.fsync(self._fd)
        finally:
            os.close(self._fd)
            self._fd = None

    def abort(self) -> None:
        """Close without the final record (the file stays marked incomplete)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(self, exc_type, *rest) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class _Index:
    """Where each record of a sealed file lies, read from the file without decrypting."""

    def __init__(self, fd: int, size: int):
        self.file_offsets: list[int] = []
        self.plain_starts: list[int] = []
        self.lengths: list[int] = []
        self.flags: list[int] = []
        pos, plain = HEADER, 0
        while pos + REC_HEAD <= size:
            length, flags = _REC.unpack(_pread(fd, _REC.size, pos))
            end = pos + REC_HEAD + length + TAG
            if length > MAX_RECORD or end > size:
                break
            self.file_offsets.append(pos)
            self.plain_starts.append(plain)
            self.lengths.append(length)
            self.flags.append(flags)
            plain += length
            pos = end
            if flags & FINAL:
                break
        self.end = pos  # past the last whole record
        self.size = plain
        self.complete = bool(self.flags) and bool(self.flags[-1] & FINAL)


_OS_PREAD = getattr(os, "pread", None)  # POSIX only
_OS_PWRITE = getattr(os, "pwrite", None)


def _pread(fd: int, n: int, offset: int) -> bytes:
    if _OS_PREAD is not None:
        return _OS_PREAD(fd, n, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows
    return os.read(fd, n)


class SealedReader(io.RawIOBase):
    """A read-only, seekable file object over a sealed file's plaintext.

    ``complete`` is False for a file cut short (a recording still growing, or killed).
    """

    def __init__(self, path: Path | str, key: StudyKey | None = None):
        super().__init__()
        self.path = Path(path)
        self.name = str(self.path)
        self._fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        try:
            head = _pread(self._fd, HEADER, 0)
            if len(head) < HEADER or head[:len(MAGIC)] != MAGIC:
                raise SealedFileError(f"{self.path.name} is not a protected focusdesk file.")
            key_id = head[len(MAGIC):len(MAGIC) + 16]
            self.file_id = head[len(MAGIC) + 16:HEADER]
            self.key = key or keyring.lookup(key_id)
            if self.key.key_id != key_id:
                raise SealedFileError(f"{self.path.name} belongs to another study's key.")
            self._aes = _cipher(self.key)
            self.index = _index_for(self._fd, self.path)
        except BaseException:
            os.close(self._fd)
            self._fd = None
            raise
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def complete(self) -> bool:
        return self.index.complete

    @property
    def size(self) -> int:
        return self.index.size

    def chunk(self, i: int) -> bytes:
        """Record ``i``'s plaintext (the last one decrypted is kept)."""
        if self._cached is not None and self._cached[0] == i:
            return self._cached[1]
        from cryptography.exceptions import InvalidTag

        ix = self.index
        start, length = ix.file_offsets[i], ix.lengths[i]
        raw = _pread(self._fd, REC_HEAD + length + TAG, start)
        try:
            plain = self._aes.decrypt(raw[_REC.size:REC_HEAD], raw[REC_HEAD:],
                                      _aad(self.file_id, i, ix.flags[i]))
        except InvalidTag:
            raise SealedFileError(f"{self.path.name} is damaged: part of it fails its check "
                                  "(it was changed or the disk corrupted it).") from None
        self._cached = (i, plain)
        return plain

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self.index.size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        ix = self.index
        done = 0
        while done < len(view) and self._pos < ix.size:
            i = bisect.bisect_right(ix.plain_starts, self._pos) - 1
            while ix.lengths[i] == 0:  # an empty record (the final one) holds nothing
                i += 1
            data = self.chunk(i)
            inner = self._pos - ix.plain_starts[i]
            n = min(len(view) - done, len(data) - inner)
            view[done:done + n] = data[inner:inner + n]
            done += n
            self._pos += n
        return done

    def readall(self) -> bytes:
        out = bytearray()
        while True:
            block = self.read(1 << 20)
            if not block:
                return bytes(out)
            out += block

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        super().close()


def seal_file(source: BinaryIO, target: Path, key: StudyKey, *, chunk: int = CHUNK) -> int:
    """Write ``source`` (a binary file object) sealed to the new file ``target``; returns bytes."""
    total = 0
    with SealedWriter(target, key, chunk=chunk) as writer:
        while block := source.read(chunk):
            writer.write(block)
            total += len(block)
    return total


def seal_bytes(data: bytes, target: Path, key: StudyKey) -> None:
    """A small file (a journal, a waveform cache) sealed, replacing ``target`` atomically."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with SealedWriter(tmp, key) as writer:
            writer.write(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def seal_blob(data: bytes, key: StudyKey) -> bytes:
    """A small sealed file's whole content in memory (one final record): for a file rewritten
    in place, such as a recording's journal."""
    file_id = secrets.token_bytes(16)
    nonce = os.urandom(12)
    record = _REC.pack(len(data), FINAL) + nonce + _cipher(key).encrypt(
        nonce, data, _aad(file_id, 0, FINAL))
    return MAGIC + key.key_id + file_id + record


def open_blob(blob: bytes) -> bytes:
    """The plaintext of :func:`seal_blob`'s output (key from the keyring)."""
    from cryptography.exceptions import InvalidTag

    if len(blob) < HEADER + REC_HEAD + TAG or blob[:len(MAGIC)] != MAGIC:
        raise SealedFileError("A protected file is incomplete.")
    key = keyring.lookup(blob[len(MAGIC):len(MAGIC) + 16])
    file_id = blob[len(MAGIC) + 16:HEADER]
    length, flags = _REC.unpack(blob[HEADER:HEADER + _REC.size])
    body = blob[HEADER + REC_HEAD:HEADER + REC_HEAD + length + TAG]
    try:
        return _cipher(key).decrypt(blob[HEADER + _REC.size:HEADER + REC_HEAD], body,
                                    _aad(file_id, 0, flags))
    except InvalidTag:
        raise SealedFileError("A protected file is damaged.") from None


def open_bytes(path: Path) -> bytes:
    with SealedReader(path) as reader:
        if not reader.complete:
            raise SealedFileError(f"{Path(path).name} is incomplete.")
        return reader.readall()


def repair(path: Path) -> _Index:
    """Cut an interrupted sealed file back to its last whole, authentic record; returns the
    index of what is left (the caller decides whether to close it with a final record)."""
    with SealedReader(path) as reader:
        ix = reader.index
        keep = len(ix.lengths)
        while keep:
            try:
                reader.chunk(keep - 1)
                break
            except SealedFileError:
                keep -= 1
        end = ix.file_offsets[keep] if keep < len(ix.lengths) else ix.end
    size = Path(path).stat().st_size
    if end != size:
        with open(path, "r+b") as fh:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
    with SealedReader(path) as reader:
        return reader.index


class SealedAppender(SealedWriter):
    """Reopen a repaired, unfinished sealed file to add records (recovery closes it)."""

    def __init__(self, path: Path | str, key: StudyKey | None = None):  # noqa: D107
        path = Path(path)
        with SealedReader(path, key) as reader:
            ix, file_id, key = reader.index, reader.file_id, reader.key
        if ix.complete:
            raise ValueError(f"{path.name} is already complete")
        self.path, self.key, self.chunk, self.split = path, key, CHUNK, True
        self.file_id = file_id
        self._aes = _cipher(key)
        self._buf = bytearray()
        self.offsets = list(ix.file_offsets)
        self.lengths = list(ix.lengths)
        self.plain_bytes = ix.size
        self._fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
        os.ftruncate(self._fd, ix.end)
        self._end = os.lseek(self._fd, ix.end, os.SEEK_SET)
