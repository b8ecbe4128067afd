"""The shipped ``.streamlit/config.toml``: the dashboard listens on 127.0.0.1 and asks nothing of another host.

The server is started exactly as a user would (``streamlit run app.py``, no address on the command line)
under a ``sitecustomize`` that records every socket connection, datagram and name lookup aimed anywhere
but this machine; the test fails if there is any, and if the server answers on a non-loopback address.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SITECUSTOMIZE = r'''
import json, os, socket

_LOG = os.environ["DVTOOLS_NET_LOG"]
_LOCAL = {"127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "", None}


def _record(kind, target):
    with open(_LOG, "a") as f:
        f.write(json.dumps([kind, repr(target)]) + "\n")


def _host(address):
    return address[0] if isinstance(address, tuple) else address


def _local(host):
    return host in _LOCAL or (isinstance(host, str) and host.startswith("127."))


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(_host(address)):
        _record("connect", address)
        raise OSError("outbound connection blocked by the test")
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(_host(address)):
        _record("connect_ex", address)
        return 111
    return _connect_ex(self, address)


def sendto(self, data, *args):
    address = args[-1]
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(_host(address)):
        _record("sendto", address)
        raise OSError("outbound datagram blocked by the test")
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    h = host.decode() if isinstance(host, bytes) else host
    if not _local(h):
        _record("getaddrinfo", h)
        raise socket.gaierror("name lookup blocked by the test")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.getaddrinfo = getaddrinfo
'''


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _non_loopback_address() -> str | None:
    """An address of this machine other than loopback (None when it has none)."""
    try:
        names = socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        return None
    return next((a for a in names if not a.startswith("127.")), None)


def test_config_binds_loopback_and_stays_quiet() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False


def test_server_makes_no_outbound_request(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    log.touch()
    port = _free_port()
    env = dict(os.environ, DVTOOLS_NET_LOG=str(log),
               PYTHONPATH=os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", ""), str(ROOT)]))
    # As a user starts it: the shipped config decides the address (only the port is chosen here).
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.fileWatcherType", "none"]
    out = tmp_path / "streamlit.log"
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline, healthy = time.monotonic() + 60, False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    healthy = r.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        assert healthy, out.read_text()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        time.sleep(2.0)  # the start-up banner (where the external-IP lookup happens) is printed by now
        other = _non_loopback_address()
        if other is not None:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.settimeout(2)
                assert s.connect_ex((other, port)) != 0, f"the server also listens on {other}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    attempts = [json.loads(line) for line in log.read_text().splitlines()]
    assert attempts == [], f"outbound attempts: {attempts}\n{out.read_text()}"
    assert "External URL" not in out.read_text()
