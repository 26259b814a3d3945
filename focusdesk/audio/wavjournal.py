"""A WAV file that stays playable while it grows, and can be repaired after a crash.

Why WAV and not chunk files: one file per take is what the rest of focusdesk (and every other
tool) can open, and a plain PCM WAV has exactly two size fields to get wrong. The writer appends
raw frames and, about once a second, rewrites those two fields with ``pwrite`` and calls
``fsync``. A killed process therefore leaves a valid file up to its last header update, and
``repair_wav`` recomputes the sizes from the file length, which brings back every frame that
reached the kernel (a ``kill -9`` loses nothing the writer had written; a power cut loses at
most the last sync interval).

A small JSON *journal* beside the file (``<name>.wav.journal``) says which session and
recording row the file belongs to. The recorder holds an exclusive lock on ``<journal>.lock``
(filelock: an OS lock on every platform, released when the process dies) while it records, so
recovery can tell a live recording from an interrupted one. The lock is on a file of its own
because Windows locks are mandatory: a locked journal could not be read.

In a protected study the take and its journal are sealed (``store/protect/sealed.py``) as they
are written: the header is record 0 (rewritten in place with the sizes at each sync), the audio
since the last sync is sealed into one record at each sync, so a kill loses at most that second;
``repair_wav`` cuts a sealed take back to its last whole record and closes it.
"""

from __future__ import annotations

import errno
import json
import os
import struct
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from focusdesk.store.protect import sealed
from focusdesk.store.protect.keyfile import StudyKey
from focusdesk.store.protect.media import study_key_for

HEADER_BYTES = 44
JOURNAL_SUFFIX = ".journal"
LOCK_SUFFIX = ".lock"
MAX_DATA_BYTES = 0xFFFFFFFF - HEADER_BYTES  # a RIFF size field is 32 bits

DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def wav_header(data_bytes: int, rate: int, channels: int, sample_width: int = 2) -> bytes:
    """A canonical 44-byte PCM header for ``data_bytes`` of audio."""
    block_align = channels * sample_width
    return b"".join([
        b"RIFF", struct.pack("<I", min(36 + data_bytes, 0xFFFFFFFF)), b"WAVE",
        b"fmt ", struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block_align, block_align,
                             sample_width * 8),
        b"data", struct.pack("<I", min(data_bytes, 0xFFFFFFFF)),
    ])


def read_header(path: Path | str) -> tuple[int, int, int]:
    """``(rate, channels, sample_width)`` from a header that focusdesk wrote."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_BYTES)
    return parse_header(head, Path(path).name)


def parse_header(head: bytes, name: str) -> tuple[int, int, int]:
    """``(rate, channels, sample_width)`` from the first bytes of a focusdesk WAV (a sealed
    take's plaintext included)."""
    path = name
    if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE" \
            or head[12:16] != b"fmt " or head[36:40] != b"data":
        raise ValueError(f"{Path(path).name} does not start with a focusdesk WAV header.")
    _, fmt, channels, rate, _, _, bits = struct.unpack("<IHHIIHH", head[16:36])
    if fmt != 1 or channels < 1 or rate < 1 or bits not in (8, 16, 24, 32):
        raise ValueError(f"{Path(path).name} has an unusable WAV header.")
    return rate, channels, bits // 8


def _pwrite(fd: int, data: bytes, offset: int) -> None:
    """Write at ``offset`` and leave the append position where it was (Windows has no pwrite)."""
    if hasattr(os, "pwrite"):
        os.pwrite(fd, data, offset)
        return
    end = os.lseek(fd, 0, os.SEEK_CUR)
    try:
        os.lseek(fd, offset, os.SEEK_SET)
        os.write(fd, data)
    finally:
        os.lseek(fd, end, os.SEEK_SET)


class GrowingWav:
    """Appends PCM frames to a WAV file; ``sync()`` makes everything so far durable and valid.
    Sealed (encrypted) when ``path`` is in a protected study."""

    def __init__(self, path: Path | str, rate: int, channels: int, sample_width: int = 2):
        self.path = Path(path)
        self.rate, self.channels, self.sample_width = rate, channels, sample_width
        self.frame_bytes = channels * sample_width
        self.data_bytes = 0
        self._fd = None
        self._sealed: sealed.SealedWriter | None = None
        key = study_key_for(self.path)
        if key is not None:
            self._open_sealed(key)
            return
        # O_BINARY: on Windows a plain os.open is text mode and would turn \n bytes into \r\n.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                           0o644)
        try:
            self._write_all(wav_header(0, rate, channels, sample_width))
            os.fsync(self._fd)
        except OSError:
            self.close()
            raise

    def _open_sealed(self, key: StudyKey) -> None:
        # A record holds at most about 2 s: sync() seals what came since the last one.
        chunk = max(self.rate * self.frame_bytes * 2, 64 * 1024)
        self._sealed = sealed.SealedWriter(self.path, key, chunk=chunk, split=False)
        try:
            self._sealed.write_record(wav_header(0, self.rate, self.channels, self.sample_width))
            self._sealed.sync()
        except OSError:
            self.close()
            raise

    @property
    def frames(self) -> int:
        return self.data_bytes // self.frame_bytes

    def _write_all(self, data: bytes | memoryview) -> int:
        view, done = memoryview(data), 0
        while done < len(view):
            done += os.write(self._fd, view[done:])
        return done

    def append(self, data: bytes | memoryview) -> None:
        """Write whole frames. On a full disk, cut back to the last whole frame and re-raise."""
        if self.data_bytes + len(data) > MAX_DATA_BYTES:
            raise OSError(errno.EFBIG, "the WAV file reached its 4 GB limit")
        if self._sealed is not None:
            try:
                self._sealed.write(bytes(data))
            except OSError:  # the record being sealed is lost; what is on disk stays whole
                self.data_bytes = self._sealed.plain_bytes - HEADER_BYTES
                raise
            self.data_bytes += len(data)
            return
        try:
            self._write_all(data)
        except OSError:
            # A partial write may have left half a frame: trim to what is known good.
            try:
                os.ftruncate(self._fd, HEADER_BYTES + self.data_bytes)
            except OSError:
                pass
            raise
        self.data_bytes += len(data)

    def sync(self) -> None:
        if self._sealed is not None:
            try:
                self._sealed.seal()
            finally:
                self.data_bytes = self._sealed.plain_bytes - HEADER_BYTES
            self._sealed.rewrite_record(0, wav_header(self.data_bytes, self.rate, self.channels,
                                                      self.sample_width))
            self._sealed.fsync()
            return
        _pwrite(self._fd, struct.pack("<I", 36 + self.data_bytes), 4)
        _pwrite(self._fd, struct.pack("<I", self.data_bytes), 40)
        os.fsync(self._fd)

    def close(self) -> None:
        if self._sealed is not None:
            writer = self._sealed
            try:
                if writer.is_open:
                    self.sync()
                    writer.close()
            finally:
                writer.abort()
                self._sealed = None
            return
        if self._fd is None:
            return
        try:
            self.sync()
        finally:
            os.close(self._fd)
            self._fd = None


def repair_wav(path: Path | str) -> int:
    """Fix the size fields of an interrupted focusdesk WAV from its length; returns its frames.

    A trailing partial frame is cut off. Nothing else in the file is changed.
    """
    path = Path(path)
    if sealed.is_sealed(path):
        return _repair_sealed(path)
    rate, channels, width = read_header(path)
    frame_bytes = channels * width
    size = path.stat().st_size
    data = max(0, size - HEADER_BYTES)
    data -= data % frame_bytes
    data = min(data, MAX_DATA_BYTES - MAX_DATA_BYTES % frame_bytes)
    with open(path, "r+b") as fh:
        if size != HEADER_BYTES + data:
            fh.truncate(HEADER_BYTES + data)
        fh.seek(4)
        fh.write(struct.pack("<I", 36 + data))
        fh.seek(40)
        fh.write(struct.pack("<I", data))
        fh.flush()
        os.fsync(fh.fileno())
    return data // frame_bytes


def _repair_sealed(path: Path) -> int:
    """A sealed take: cut to its last whole record, sizes into the header record, closed."""
    index = sealed.repair(path)
    if not index.lengths or index.lengths[0] != HEADER_BYTES:
        raise ValueError(f"{path.name} has no readable header.")
    with sealed.SealedReader(path) as reader:
        head = reader.chunk(0)
    if head[:4] != b"RIFF" or head[36:40] != b"data":
        raise ValueError(f"{path.name} does not start with a focusdesk WAV header.")
    _, _, channels, rate, _, _, bits = struct.unpack("<IHHIIHH", head[16:36])
    frame_bytes = channels * (bits // 8)
    data = index.size - HEADER_BYTES
    data -= data % frame_bytes
    if not index.complete:
        writer = sealed.SealedAppender(path)
        try:
            writer.rewrite_record(0, wav_header(data, rate, channels, bits // 8))
            writer.close()
        finally:
            writer.abort()
    return data // frame_bytes


# --- the journal beside a file being recorded ------------------------------------------------

@dataclass
class Journal:
    session_id: int
    rate: int
    channels: int
    offset_ms: int
    started_at: str
    recording_id: int | None = None
    dropped_blocks: int = 0
    pid: int = 0


def journal_path(wav: Path | str) -> Path:
    wav = Path(wav)
    return wav.with_name(wav.name + JOURNAL_SUFFIX)


def _journal_lock(journal: Path) -> FileLock:
    # No soft fallback: a stale lock file must never make a crashed take look live.
    return FileLock(journal.with_name(journal.name + LOCK_SUFFIX), blocking=False,
                    fallback_to_soft=False)


def discard_journal(journal: Path) -> None:
    """Remove a journal nobody holds, and its lock file."""
    journal.unlink(missing_ok=True)
    journal.with_name(journal.name + LOCK_SUFFIX).unlink(missing_ok=True)


class JournalLock:
    """Writes the journal and holds an exclusive lock on it while the file is being recorded."""

    def __init__(self, wav: Path | str, journal: Journal):
        self.path = journal_path(wav)
        self.journal = journal
        self._key = study_key_for(self.path)  # a protected study's journal is sealed too
        self._lock = _journal_lock(self.path)
        self._lock.acquire()  # before the journal exists, so recovery never sees it unlocked
        self._fh = open(self.path, "a+b")  # noqa: SIM115 (held open while recording)
        self.write()

    def write(self, **changes) -> None:
        for key, val in changes.items():
            setattr(self.journal, key, val)
        data = json.dumps(asdict(self.journal)).encode()
        if self._key is not None:
            data = sealed.seal_blob(data, self._key)
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def finish(self) -> None:
        """The take is complete and in the database: the journal is no longer needed."""
        if self._fh is not None:
            self._fh.close()  # Windows cannot delete an open file
            self._fh = None
        self.path.unlink(missing_ok=True)  # gone before the lock goes: never seen unlocked
        self.release()
        discard_journal(self.path)

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._lock.is_locked:
            self._lock.release()


def read_journal(path: Path) -> Journal | None:
    try:
        raw = path.read_bytes()
        if raw.startswith(sealed.MAGIC):
            raw = sealed.open_blob(raw)
        data = json.loads(raw or b"{}")
        return Journal(**{k: data[k] for k in Journal.__dataclass_fields__ if k in data})
    except (OSError, ValueError, TypeError):
        return None


def is_locked(path: Path) -> bool:
    """True while some process (a recorder) holds the journal's lock."""
    if not path.exists():
        return False
    lock = _journal_lock(path)
    try:
        lock.acquire()
    except Timeout:
        return True
    lock.release()
    return False
