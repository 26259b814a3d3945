"""Opening untrusted archives and XML from other tools without being hurt by them.

Refused, each with a message that says what is wrong: files that are not zips or are damaged,
entries with absolute paths or ``..`` (zip slip), entries that are huge or compress suspiciously
well (zip bombs), and XML that declares entities or a DTD (billion laughs, external entities).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lxml import etree

from focusdesk.core.inputs import check_input_file

MAX_ENTRY_BYTES = 4 * 1024**3  # a long recording may be large; anything bigger is refused
MAX_XML_BYTES = 256 * 1024**2
MAX_RATIO = 200  # uncompressed / compressed, for entries over 1 MB


class UnsafeFileError(ValueError):
    """The file was refused; nothing was imported."""


@dataclass
class SafeZip:
    path: Path
    zf: zipfile.ZipFile

    def names(self) -> list[str]:
        return [i.filename for i in self.zf.infolist() if not i.is_dir()]

    def read(self, name: str, limit: int = MAX_XML_BYTES) -> bytes:
        info = self.zf.getinfo(name)
        if info.file_size > limit:
            raise UnsafeFileError(f"{self.path.name}: {name} is too large ({info.file_size} bytes).")
        with self.zf.open(info) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise UnsafeFileError(f"{self.path.name}: {name} is larger than it claims; refused.")
        return data

    def extract_to(self, name: str, target: Path) -> Path:
        """Copy one entry to ``target`` in chunks (media can be large)."""
        info = self.zf.getinfo(name)
        written = 0
        with self.zf.open(info) as src, open(target, "wb") as dst:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > MAX_ENTRY_BYTES:
                    raise UnsafeFileError(f"{self.path.name}: {name} is too large; refused.")
                dst.write(chunk)
        return target

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_zip(path: Path | str, what: str = "archive") -> SafeZip:
    path = check_input_file(path)
    if not zipfile.is_zipfile(path):
        raise UnsafeFileError(f"{path.name} is not a valid {what} (not a zip file, or damaged). "
                              "Export it again from the other program.")
    try:
        zf = zipfile.ZipFile(path)
        bad = zf.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise UnsafeFileError(f"{path.name} is damaged ({exc}). Export it again.") from exc
    if bad is not None:
        zf.close()
        raise UnsafeFileError(f"{path.name} is damaged: {bad} fails its checksum. Export it again.")
    for info in zf.infolist():
        name = info.filename
        pure = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
            zf.close()
            raise UnsafeFileError(f"{path.name} contains an absolute path ({name!r}); refused.")
        if ".." in pure.parts:
            zf.close()
            raise UnsafeFileError(f"{path.name} contains a path leaving its folder ({name!r}); refused.")
        if info.file_size > MAX_ENTRY_BYTES:
            zf.close()
            raise UnsafeFileError(f"{path.name}: {name} is too large ({info.file_size} bytes); refused.")
        if info.file_size > 1024**2 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            zf.close()
            raise UnsafeFileError(f"{path.name}: {name} expands suspiciously (a zip bomb?); refused.")
    return SafeZip(path=path, zf=zf)


def parse_xml(data: bytes, source: str) -> etree._Element:
    """Parse XML with no DTD, no entities and no network; entity declarations are refused."""
    head = data[:65536].upper()
    if b"<!ENTITY" in head or b"<!DOCTYPE" in head:
        raise UnsafeFileError(f"{source} declares a DTD or entities, which focusdesk refuses "
                              "(they can expand without limit or read local files).")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise UnsafeFileError(f"{source} is not well-formed XML ({exc}).") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise UnsafeFileError(f"{source} declares a DTD, which focusdesk refuses.")
    return root
