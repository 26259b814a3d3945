"""Read a CTranslate2 ``model.bin`` (its documented binary layout) without CTranslate2 itself.

Layout (ctranslate2/specs/model_spec.py ``_serialize``): uint32 version, string name, uint32
revision, uint32 count, then per variable: string name, uint8 rank, uint32 dims, uint8 dtype id,
uint32 byte count, raw bytes; then uint32 alias count and (alias, target) string pairs. Strings are
uint16 length (including a trailing NUL) + UTF-8 bytes. All little-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


class ModelFileError(ValueError):
    """A model file is damaged or not the kind expected; the message says what to do."""


@dataclass
class CT2Model:
    name: str
    version: int
    revision: int
    variables: dict[str, np.ndarray] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        name = self.aliases.get(name, name)
        try:
            return self.variables[name]
        except KeyError:
            raise ModelFileError(f"The model has no variable {name!r}; it is not a complete "
                                 "CTranslate2 Whisper model.") from None


def read_ct2_model(path: Path | str) -> CT2Model:
    """Parse ``model.bin``; any truncation or inconsistency raises :class:`ModelFileError`."""
    path = Path(path)
    try:
        data = memoryview(path.read_bytes())
    except OSError as exc:
        raise ModelFileError(f"Cannot read {path}: {exc.strerror}.") from exc
    pos = 0

    def take(n: int) -> memoryview:
        nonlocal pos
        if n < 0 or pos + n > len(data):
            raise ModelFileError(f"{path} is truncated or damaged (ended at byte {pos} of "
                                 f"{len(data)}). Reinstall the model or download it again.")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    def u8() -> int:
        return take(1)[0]

    def u16() -> int:
        return struct.unpack("<H", take(2))[0]

    def u32() -> int:
        return struct.unpack("<I", take(4))[0]

    def string() -> str:
        n = u16()
        raw = bytes(take(n))
        if not raw.endswith(b"\0"):
            raise ModelFileError(f"{path} is damaged (bad string at byte {pos}).")
        try:
            return raw[:-1].decode("utf-8")
        except UnicodeDecodeError:
            raise ModelFileError(f"{path} is damaged (bad string at byte {pos}).") from None

    version = u32()
    if not 1 <= version <= 6:
        raise ModelFileError(f"{path} is not a CTranslate2 model file (version {version}).")
    name = string() if version >= 2 else ""
    revision = u32() if version >= 2 else 1
    model = CT2Model(name=name, version=version, revision=revision)
    for _ in range(u32()):
        vname = string()
        shape = tuple(u32() for _ in range(u8()))
        type_id = u8()
        if type_id >= len(_DTYPES) or _DTYPES[type_id] == "bfloat16":
            raise ModelFileError(f"{path}: variable {vname!r} has an unsupported type id {type_id}.")
        dtype = np.dtype(_DTYPES[type_id])
        nbytes = u32()
        expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if nbytes != expected:
            raise ModelFileError(f"{path} is damaged: {vname!r} has {nbytes} bytes, its shape "
                                 f"{shape} needs {expected}.")
        model.variables[vname] = np.frombuffer(take(nbytes), dtype=dtype).reshape(shape)
    if version >= 5:
        for _ in range(u32()):
            alias = string()
            model.aliases[alias] = string()
    if pos != len(data):
        raise ModelFileError(f"{path} is damaged: {len(data) - pos} unexpected bytes at the end.")
    return model
