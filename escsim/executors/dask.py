"""A Dask distributed executor: the same ``map_unordered(fn, items)`` as the local ones.

``DaskExecutor(scheduler="tcp://host:8786")`` sends chunks to an existing cluster (its workers
need escsim installed, at the same version); without an address it starts a local Dask cluster
of ``workers`` single-threaded processes (or threads, with ``processes=False``). Dask is an
optional dependency: ``pip install escsim[dask]``.

At most ``2 x workers`` chunks are in flight at once, so the parent's memory stays flat however
long the sweep; results come back in the order they finish, which the tables do not depend on.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from escsim.errors import InputError
from escsim.executors.base import Executor, available_cores
from escsim.plugins import with_policy_modules

_EXPECTED = "the address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786"
#: A Dask peer opens with a small handshake message; a first frame larger than this is not Dask.
_MAX_HANDSHAKE_BYTES = 1 << 20


def _scheduler_error(address: str, message: str) -> InputError:
    return InputError(message, key="--scheduler", value=address, expected=_EXPECTED)


def check_scheduler_address(address: str) -> str:
    """``address`` as ``tcp://host:port`` (``host:port`` gets ``tcp://``; ``tls://`` is kept),
    or an :class:`InputError` naming ``--scheduler``."""
    text = address.strip()
    if "://" not in text:
        text = f"tcp://{text}"
    scheme, _, location = text.partition("://")
    if scheme not in ("tcp", "tls"):
        raise _scheduler_error(address, f"unsupported protocol '{scheme}'")
    host, sep, port = location.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536 or \
            any(c in host for c in "/?#@ ") or len(host) > 253:
        raise _scheduler_error(address, "malformed scheduler address")
    return f"{scheme}://{location}"


def probe_scheduler(address: str, timeout_seconds: float) -> None:
    """Before handing ``address`` to Dask: connect and read the first 8 bytes a Dask peer sends
    (the length of its handshake), each step within ``timeout_seconds``. A server that does not
    answer, or answers with something that is not a Dask handshake, is an InputError -- Dask
    itself would wait forever, or try to allocate whatever length the first bytes spell."""
    location = address.partition("://")[2]
    host, _, port = location.rpartition(":")
    host = host.strip("[]")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_seconds) as sock:
            sock.settimeout(timeout_seconds)
            head = b""
            while len(head) < 8:
                more = sock.recv(8 - len(head))
                if not more:
                    raise _scheduler_error(address, "the server closed the connection without "
                                                    "a Dask handshake")
                head += more
    except TimeoutError:
        raise _scheduler_error(address, f"no Dask handshake within {timeout_seconds:g}s "
                                        "(not a Dask scheduler, or not answering)") from None
    except OSError as exc:
        raise _scheduler_error(address, f"cannot reach the Dask scheduler: "
                                        f"{exc.strerror or exc}") from None
    (size,) = struct.unpack("<Q", head)
    if not 0 < size <= _MAX_HANDSHAKE_BYTES:
        raise _scheduler_error(address, "the server does not speak the Dask protocol")


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start local worker processes with Ctrl-C (SIGINT) ignored: a Ctrl-C at the terminal
    reaches every process of the group, and the workers would each print a traceback after the
    command's one message. The command stops them itself when it closes the cluster. (Python
    keeps an inherited ignored SIGINT rather than raising KeyboardInterrupt.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class DaskExecutor(Executor):
    """Run chunks on a Dask distributed cluster (or a local one)."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 processes: bool = True, connect_timeout_seconds: float = 10.0):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - exercised only without the extra
            raise InputError("the Dask executor needs Dask", key="--executor", value="dask",
                             expected="pip install 'escsim[dask]'") from None
        self._cluster: Any = None
        self.scheduler_address = scheduler
        if scheduler:
            address = check_scheduler_address(scheduler)
            if address.startswith("tcp://"):
                probe_scheduler(address, connect_timeout_seconds)
            try:
                self._client = Client(address, timeout=connect_timeout_seconds)
            except (OSError, TimeoutError, ValueError, MemoryError, OverflowError) as exc:
                raise _scheduler_error(scheduler, f"cannot connect to the Dask scheduler "
                                                  f"({type(exc).__name__}: {exc})") from None
        else:
            with _workers_ignore_ctrl_c():
                self._cluster = LocalCluster(n_workers=workers or available_cores(),
                                             threads_per_worker=1, processes=processes,
                                             # the scheduler's HTTP server on a free port: a
                                             # fixed one clashes with any other cluster running
                                             dashboard_address=":0",
                                             silence_logs=logging.CRITICAL)
            self._client = Client(self._cluster)
            self.scheduler_address = None
        nthreads = self._client.nthreads()
        self.workers = max(1, sum(nthreads.values()))

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        fn = with_policy_modules(fn)  # the workers import the user's policy modules first
        it = iter(items)
        limit = 2 * self.workers
        pending = as_completed()
        in_flight = 0
        try:
            for item in it:
                pending.add(self._client.submit(fn, item, pure=False))
                in_flight += 1
                if in_flight >= limit:
                    future = next(pending)
                    in_flight -= 1
                    yield future.result()
            for future in pending:
                yield future.result()
        finally:
            futures = list(pending.futures)
            if futures:
                self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
