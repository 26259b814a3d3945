"""Loaded by every Python process started with this folder on PYTHONPATH (child processes too).

Any attempt to open an internet (IPv4/IPv6) connection or to resolve a host name is recorded in
$FOCUSDESK_NET_LOG and refused, so a test can prove that a workflow stays offline. Local Unix
sockets (PulseAudio, multiprocessing) stay allowed.
"""

import os
import socket

_LOG = os.environ.get("FOCUSDESK_NET_LOG")


def _record(what: str) -> None:
    if _LOG:
        with open(_LOG, "a") as fh:
            fh.write(f"{os.getpid()} {what}\n")


_orig_connect = socket.socket.connect
_orig_connect_ex = socket.socket.connect_ex


def _guarded(orig):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _record(f"connect {address!r}")
            raise OSError(101, "network use is forbidden in this test")
        return orig(self, address)
    return connect


def _no_dns(*args, **kwargs):
    _record(f"getaddrinfo {args[:2]!r}")
    raise socket.gaierror(socket.EAI_NONAME, "name resolution is forbidden in this test")


socket.socket.connect = _guarded(_orig_connect)
socket.socket.connect_ex = _guarded(_orig_connect_ex)
socket.getaddrinfo = _no_dns
