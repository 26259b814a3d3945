"""The study key: a random 256-bit data key (DEK), stored only wrapped, in ``focusdesk.key``.

Why two wrappings: the passphrase is what a researcher types every day; the recovery key is a
long random code shown once at creation, for the day the passphrase is forgotten. Either
unwraps the same DEK, so changing the passphrase rewraps 32 bytes and rewrites neither the
database nor the media. The passphrase goes through scrypt (memory-hard; its parameters are
stored, so they can grow later); the recovery key is already random, so HKDF suffices. AES-GCM
authenticates each wrapping: a wrong passphrase fails its tag and nothing is changed.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from focusdesk.core.durable import fsync_dir
from focusdesk.core.errors import UserError

KEY_NAME = "focusdesk.key"
FORMAT = "focusdesk-study-key"
VERSION = 1
# About 0.3 s and 64 MiB on a laptop: slow for a guesser, unnoticed at open.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 16, 8, 1
RECOVERY_BYTES = 20  # 160 bits, 32 base32 letters in 8 groups
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class WrongPassphrase(UserError):
    """The passphrase (or recovery key) does not unwrap this study's key."""

    title = "Wrong passphrase"


class KeyFileError(UserError):
    """The key file is missing, damaged or of an unknown version."""

    title = "Cannot read the study key"


@dataclass(frozen=True)
class StudyKey:
    """An unlocked study key: its public id (in every sealed file's header) and the DEK."""

    key_id: bytes
    dek: bytes

    def db_key(self) -> bytes:
        return _hkdf(self.dek, b"focusdesk sqlcipher v1")

    def media_key(self) -> bytes:
        return _hkdf(self.dek, b"focusdesk media v1")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(secret)


def _scrypt(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _wrap(kek: bytes, dek: bytes, aad: bytes) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    return {"nonce": _b64(nonce), "wrapped": _b64(AESGCM(kek).encrypt(nonce, dek, aad))}


def _unwrap(kek: bytes, box: dict, aad: bytes) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(_unb64(box["nonce"]), _unb64(box["wrapped"]), aad)
    except InvalidTag:
        return None


def new_recovery_key() -> str:
    """A random recovery key written as ``ABCD-EFGH-…`` (8 groups of 4 base32 letters)."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_BYTES)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def normalise_recovery_key(text: str) -> str:
    """What a person typed or pasted (spaces, dashes, lower case, O for 0) as 32 letters."""
    letters = "".join(ch for ch in text.upper() if ch.isalnum())
    return letters.replace("0", "O").replace("1", "I").replace("8", "B")


def _recovery_kek(recovery: str, salt: bytes) -> bytes:
    letters = normalise_recovery_key(recovery)
    if len(letters) != 32 or any(ch not in _B32 for ch in letters):
        raise WrongPassphrase("That is not a recovery key: it has 32 letters and digits in groups "
                              "of four (ABCD-EFGH-…). Check it and try again; nothing was changed.")
    return _hkdf(base64.b32decode(letters), b"focusdesk recovery v1", salt)


def _passphrase_kek(passphrase: str, kdf: dict) -> bytes:
    return _scrypt(passphrase, _unb64(kdf["salt"]), int(kdf["n"]), int(kdf["r"]), int(kdf["p"]))


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < 8:
        raise UserError("Choose a passphrase of at least 8 characters (a few words are easy to "
                        "remember and hard to guess). Nothing was changed.")


def key_path(root: Path) -> Path:
    return Path(root) / KEY_NAME


def is_protected(root: Path) -> bool:
    return key_path(root).is_file()


def _aad(key_id: bytes, kind: str) -> bytes:
    return FORMAT.encode() + b"|" + key_id + b"|" + kind.encode()


def build_key_file(passphrase: str, dek: bytes | None = None,
                   key_id: bytes | None = None) -> tuple[dict, StudyKey, str]:
    """A new key file's content, the key it holds and its recovery key (shown once)."""
    check_new_passphrase(passphrase)
    key = StudyKey(key_id or secrets.token_bytes(16), dek or secrets.token_bytes(32))
    recovery = new_recovery_key()
    salt, rsalt = os.urandom(16), os.urandom(16)
    kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)}
    data = {
        "format": FORMAT, "version": VERSION, "key_id": key.key_id.hex(),
        "passphrase": {"kdf": kdf, **_wrap(_passphrase_kek(passphrase, kdf), key.dek,
                                           _aad(key.key_id, "passphrase"))},
        "recovery": {"kdf": {"name": "hkdf-sha256", "salt": _b64(rsalt)},
                     **_wrap(_recovery_kek(recovery, rsalt), key.dek, _aad(key.key_id, "recovery"))},
    }
    return data, key, recovery


def write_key_file(path: Path, data: dict) -> None:
    """Atomically: a key file is either the old one or the new one, never half of each."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private, like the study
    with open(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def read_key_file(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise KeyFileError(f"The study's key file {path} is missing. Put it back from where the "
                           "study was copied or backed up; without it the study cannot be opened."
                           ) from exc
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"The study's key file {path} cannot be read (it may be damaged). "
                           "Put back a copy from a backup; nothing was changed.") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a focusdesk key file. Put back the study's own key "
                           "file; nothing was changed.")
    if data.get("version", 0) > VERSION:
        raise KeyFileError(f"{path} was written by a newer focusdesk. Update focusdesk to open "
                           "this study; nothing was changed.")
    return data


def key_id_of(path: Path) -> bytes:
    return bytes.fromhex(read_key_file(path)["key_id"])


def unlock(path: Path, *, passphrase: str | None = None, recovery_key: str | None = None) -> StudyKey:
    """The study key, unwrapped by the passphrase or the recovery key; WrongPassphrase if neither
    fits. Reads only."""
    data = read_key_file(path)
    key_id = bytes.fromhex(data["key_id"])
    try:
        if recovery_key is not None:
            box = data["recovery"]
            dek = _unwrap(_recovery_kek(recovery_key, _unb64(box["kdf"]["salt"])), box,
                          _aad(key_id, "recovery"))
            if dek is None:
                raise WrongPassphrase("That recovery key is not the one of this study. Check it "
                                      "and try again; nothing was changed.")
        else:
            box = data["passphrase"]
            dek = _unwrap(_passphrase_kek(passphrase or "", box["kdf"]), box,
                          _aad(key_id, "passphrase"))
            if dek is None:
                raise WrongPassphrase("The passphrase is not right for this study. Check it "
                                      "(capital letters, spaces, keyboard layout) and try again; "
                                      "nothing was changed.")
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, UserError):
            raise
        raise KeyFileError(f"The study's key file {path} is damaged. Put back a copy from a "
                           "backup; nothing was changed.") from exc
    return StudyKey(key_id, dek)


def change_passphrase(path: Path, key: StudyKey, new_passphrase: str) -> None:
    """Rewrap the data key under a new passphrase; the recovery wrapping is kept as it is."""
    check_new_passphrase(new_passphrase)
    data = read_key_file(path)
    salt = os.urandom(16)
    kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)}
    data["passphrase"] = {"kdf": kdf, **_wrap(_passphrase_kek(new_passphrase, kdf), key.dek,
                                              _aad(key.key_id, "passphrase"))}
    write_key_file(path, data)
