"""Where batches run: a local process pool (default) or Dask distributed, behind one interface.

An executor takes a list of :class:`~crisissim.study.worker.Task` and yields each finished
:class:`~crisissim.study.worker.Batch` as it completes (any order). A batch whose worker dies
is run again (the local pool is rebuilt; Dask reschedules or we resubmit); the caller keys
results by (level, rep), so a batch that finishes twice is never counted twice. Workers that
keep dying give up after ``RETRIES`` retries with a one-line :class:`StudyError` (local pool:
``RETRIES`` + 1 breakages in a row with no batch finishing; Dask: per batch).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol

from crisissim.study.grid import StudyError
from crisissim.study.worker import Batch, Task, init_worker, run_batch

CONNECT_TIMEOUT = "20s"  # how long to try to reach a --scheduler address
RETRIES = 3  # retries of a batch (Dask) or of the pool with no progress in between (local)


class Executor(Protocol):
    """Runs tasks; ``workers`` is the parallelism used to size batches."""

    workers: int

    def run(self, tasks: list[Task]) -> Iterator[Batch]:
        """Yield the batch of every task as it finishes."""
        ...

    def close(self, wait: bool = False) -> None:
        """Release workers (idempotent); ``wait`` for them to exit (after a finished run)."""
        ...


GRACE = 1.2  # seconds stopped workers get to send back the replications they finished


def cpu_count() -> int:
    """CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """A local process pool of ``workers`` processes (all cores by default); 1 runs inline.

    On POSIX workers are forked (cheap start, no ``__main__`` guard needed in callers' scripts)
    at construction, before any progress thread exists; ``start_method`` may name another
    multiprocessing method (``spawn``, ``forkserver``).
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None):
        self.workers = max(1, workers or cpu_count())
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        self._others: set[int] = set()
        self.restarts = 0  # pools rebuilt after a worker died
        if self.workers > 1:
            self._get_pool().submit(int).result()  # start the workers now

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp

            method = self.start_method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            ctx = mp.get_context(method)
            self._others = {p.pid for p in mp.active_children() if p.pid is not None}  # children that are not our workers
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=init_worker,
                                             initargs=(os.getpid(),))
        return self._pool

    def run(self, tasks: list[Task]) -> Iterator[Batch]:
        """Yield each task's batch as it finishes. On Ctrl-C (or a worker told to stop) the batches
        and the finished part of the running ones are yielded first, then KeyboardInterrupt is raised."""
        if self.workers == 1:
            for t in tasks:
                batch = run_batch(t)
                yield batch
                if batch.interrupted:
                    raise KeyboardInterrupt
            return
        pending = dict(enumerate(tasks))
        fails = 0  # pool breakages since a batch last finished
        while pending:
            pool = self._get_pool()
            futures = {}
            try:
                for i, t in pending.items():  # submit() raises too if a worker already died
                    futures[pool.submit(run_batch, t)] = i
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for f in sorted(done, key=lambda f: f.exception() is not None):  # results first
                        batch = f.result()
                        del pending[futures.pop(f)]
                        fails = 0
                        yield batch
                        if batch.interrupted:  # a worker was told to stop: the study stops too
                            raise KeyboardInterrupt
            except KeyboardInterrupt:
                yield from self._stop(futures)
                raise
            except BrokenProcessPool:
                # A worker died (killed, out of memory, os._exit): every unfinished future of this
                # pool failed with it. Keep what did finish, rebuild the pool, resubmit the rest.
                for f, i in futures.items():
                    if f.done() and not f.cancelled() and f.exception() is None:
                        del pending[i]
                        fails = 0
                        yield f.result()
                self._shutdown(cancel=True, join=True)  # reap the dead pool's processes
                fails += 1
                self.restarts += 1
                if fails > RETRIES:
                    raise StudyError(f"a worker process died {fails} times in a row without finishing a batch "
                                     "(out of memory? a crash in the engine?); giving up") from None

    def _stop(self, futures) -> Iterator[Batch]:
        """Ctrl-C: workers abandon the replication they run and send back the finished ones, which
        are yielded (for the journal) as they arrive for up to GRACE seconds; then the workers end."""
        import multiprocessing as mp
        import time

        for f in futures:
            f.cancel()  # not started yet
        workers = [p for p in mp.active_children() if p.pid is not None and p.pid not in self._others]
        for p in workers:  # a terminal's Ctrl-C reached them already; a `kill -INT` of the study did not
            try:
                os.kill(p.pid, signal.SIGINT)  # type: ignore[arg-type]  # (filtered above)
            except OSError:
                pass
        live = {f for f in futures if not f.cancelled()}
        deadline = time.monotonic() + GRACE
        try:
            while live and (left := deadline - time.monotonic()) > 0:
                done, live = wait(live, timeout=left, return_when=FIRST_COMPLETED)
                for f in done:
                    if not f.cancelled() and f.exception() is None:
                        yield f.result()
        finally:
            for p in workers:
                p.kill()
            for p in workers:
                p.join(1.0)
            self._shutdown(cancel=True, join=True)  # the pool's manager thread sees them gone and ends

    def _shutdown(self, cancel: bool, join: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=join or not cancel, cancel_futures=cancel)
            self._pool = None

    def close(self, wait: bool = False) -> None:
        # waiting also avoids CPython 3.11's exit-time race on a pool shut down without waiting
        # ("Exception ignored ... Bad file descriptor" from concurrent.futures' _python_exit)
        self._shutdown(cancel=True, join=wait)


class DaskExecutor:
    """Dask distributed: a scheduler at ``address`` (``tcp://host:port``) or a ``LocalCluster``.

    ``address`` None or ``"local"`` starts a local cluster of ``workers`` single-threaded
    workers (``processes=False`` keeps them in this process, for tests).
    """

    def __init__(self, address: str | None = None, workers: int | None = None, processes: bool = True):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise StudyError("Dask is not installed: pip install 'crisissim[dask]' (or drop --dask/--scheduler)") from None
        self._cluster = None
        if address in (None, "local"):
            n = max(1, workers or cpu_count())
            # no dashboard; its HTTP server (health routes) on a free port, not a busy 8787 (a warning)
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                         dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                         # CRITICAL, not ERROR: a worker's heartbeat racing the shutdown
                                         # logs a traceback at ERROR (a batch's own error comes back on
                                         # its future and is reported in one line)
                                         silence_logs=50)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as e:
                raise StudyError(f"cannot reach Dask scheduler {address}: {e}") from None
        self.workers = max(1, sum(self._client.nthreads().values()) or (workers or 1))

    def run(self, tasks: list[Task]) -> Iterator[Batch]:
        from distributed import as_completed

        tries = {i: 0 for i in range(len(tasks))}
        futures = {self._client.submit(run_batch, t, pure=False, retries=RETRIES): i for i, t in enumerate(tasks)}
        ac = as_completed(list(futures))
        for f in ac:
            i = futures.pop(f)
            try:
                batch = f.result()
            except Exception as e:
                name, t = type(e).__name__, tasks[i]
                where = f"level {t.level} " + (f"rep {t.reps[0]}" if len(t.reps) == 1 else
                                               f"reps {t.reps[0]}..{t.reps[-1]}")
                if name == "KilledWorker":  # the scheduler already rescheduled it allowed-failures times
                    n = getattr(e, "allowed_failures", None)
                    times = f"{n + 1} times" if isinstance(n, int) else "repeatedly"
                    raise StudyError(f"Dask workers died {times} running {where} (out of memory? a crash in the "
                                     "engine?); giving up") from None
                if name not in ("CommError", "FutureCancelledError", "CancelledError"):
                    raise
                # lost connection, or cancelled by a scheduler restart: submit the same batch again
                if tries[i] >= RETRIES:
                    msg = (str(e).strip().splitlines() or [""])[0]
                    raise StudyError(f"Dask lost {where} {tries[i] + 1} times ({name}: {msg}); giving up") from None
                tries[i] += 1
                g = self._client.submit(run_batch, t, pure=False, retries=RETRIES)
                futures[g] = i
                ac.add(g)
                continue
            yield batch

    def close(self, wait: bool = False) -> None:
        import logging

        log = logging.getLogger("distributed")
        level = log.level
        log.setLevel(logging.CRITICAL)  # workers' heartbeats racing the shutdown are not errors
        try:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
                self._cluster = None
        finally:
            log.setLevel(level)
