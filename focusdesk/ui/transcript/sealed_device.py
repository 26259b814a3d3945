"""A protected study's recording as a QIODevice, so QMediaPlayer plays it without a plaintext
copy anywhere: Qt's FFmpeg backend reads (and seeks in) the decrypting reader through it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QIODevice, QObject

from focusdesk.store.protect.media import open_media


class SealedDevice(QIODevice):
    """Read-only, random-access view of a sealed media file's plaintext."""

    def __init__(self, path: Path, parent: QObject | None = None):
        super().__init__(parent)
        self._fh = open_media(path)
        self._size = self._fh.seek(0, 2)
        self._fh.seek(0)
        self.open(QIODevice.OpenModeFlag.ReadOnly)

    def isSequential(self) -> bool:  # noqa: N802 (Qt name)
        return False

    def size(self) -> int:
        return self._size

    def seek(self, pos: int) -> bool:
        if pos < 0 or pos > self._size:
            return False
        super().seek(pos)
        self._fh.seek(pos)
        return True

    def readData(self, maxlen: int) -> bytes:  # noqa: N802 (Qt name)
        self._fh.seek(self.pos())
        return self._fh.read(maxlen)

    def writeData(self, data) -> int:  # noqa: N802 (Qt name)
        return -1

    def bytesAvailable(self) -> int:  # noqa: N802 (Qt name)
        return self._size - self.pos() + super().bytesAvailable()

    def close(self) -> None:
        super().close()
        if self._fh is not None:
            self._fh.close()
            self._fh = None
