"""Where batches run: a local process pool (default) or Dask distributed, behind one interface.

An executor takes a list of :class:`~crisissim.study.worker.Task` and yields each finished
:class:`~crisissim.study.worker.Batch` as it completes (any order). A batch whose worker dies
is run again (the local pool is rebuilt; Dask reschedules or we resubmit); the caller keys
results by (level, rep), so a batch that finishes twice is never counted twice.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterator, Protocol

from crisissim.study.grid import StudyError
from crisissim.study.worker import Batch, Task, run_batch

RETRIES = 3


class Executor(Protocol):
    """Runs tasks; ``workers`` is the parallelism used to size batches."""

    workers: int

    def run(self, tasks: list[Task]) -> Iterator[Batch]:
        """Yield the batch of every task as it finishes."""
        ...

    def close(self) -> None:
        """Release workers (idempotent)."""
        ...


def _ignore_sigint() -> None:  # pool initializer: Ctrl-C is the parent's to handle
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalExecutor:
    """A local process pool of ``workers`` processes (all cores by default); 1 runs inline.

    On POSIX workers are forked (cheap start, no ``__main__`` guard needed in callers' scripts)
    at construction, before any progress thread exists; ``start_method`` may name another
    multiprocessing method (``spawn``, ``forkserver``).
    """

    def __init__(self, workers: int | None = None, start_method: str | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.start_method = start_method
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self._get_pool().submit(int).result()  # start the workers now

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing as mp

            method = self.start_method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            ctx = mp.get_context(method)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_ignore_sigint)
        return self._pool

    def run(self, tasks: list[Task]) -> Iterator[Batch]:
        if self.workers == 1:
            for t in tasks:
                yield run_batch(t)
            return
        pending = dict(enumerate(tasks))
        tries = 0
        while pending:
            pool = self._get_pool()
            futures = {pool.submit(run_batch, t): i for i, t in pending.items()}
            try:
                while futures:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for f in done:
                        i = futures.pop(f)
                        batch = f.result()
                        del pending[i]
                        yield batch
            except BrokenProcessPool:
                tries += 1
                self._shutdown(cancel=True)
                if tries > RETRIES:
                    raise StudyError(f"worker processes died {tries} times; giving up") from None

    def _shutdown(self, cancel: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=cancel)
            self._pool = None

    def close(self) -> None:
        self._shutdown(cancel=True)


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
            n = max(1, workers or os.cpu_count() or 1)
            self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                         dashboard_address=None, silence_logs=40)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(address, timeout="20s")
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
            except Exception as e:  # KilledWorker, lost connection: resubmit the same batch
                if type(e).__name__ not in ("KilledWorker", "CommError", "FutureCancelledError", "CancelledError") \
                        or tries[i] >= RETRIES:
                    raise
                tries[i] += 1
                g = self._client.submit(run_batch, tasks[i], pure=False, retries=RETRIES)
                futures[g] = i
                ac.add(g)
                continue
            yield batch

    def close(self) -> None:
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
