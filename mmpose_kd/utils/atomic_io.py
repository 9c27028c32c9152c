"""Atomic local file writes: write a temporary file in the target's folder,
flush it to disk, then ``os.replace`` it onto the target. A crash (or a kill)
at any moment leaves either the old file or the new one, never a truncated
one, because a rename within one filesystem is atomic on POSIX and Windows.
"""
import contextlib
import os
import os.path as osp
import tempfile
from typing import Iterator, Union

from mmengine.fileio import LocalBackend, register_backend

#: The name under which :class:`AtomicLocalBackend` is registered with
#: mmengine's file backends (``backend_args=dict(backend=...)``).
ATOMIC_LOCAL_BACKEND = 'local_atomic'


@contextlib.contextmanager
def atomic_target(path: Union[str, os.PathLike]) -> Iterator[str]:
    """Yield a temporary path beside ``path``; on a clean exit, make it
    durable and rename it onto ``path``; on an error, remove it."""
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # Same folder, so the final rename never crosses filesystems.
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp', dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(folder)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def atomic_write_bytes(data: bytes, path: Union[str, os.PathLike]) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_target(path) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def atomic_write_text(text: str,
                      path: Union[str, os.PathLike],
                      encoding: str = 'utf-8') -> None:
    """Write ``text`` to ``path`` atomically."""
    atomic_write_bytes(text.encode(encoding), path)


def _fsync_folder(folder: str) -> None:
    # Makes the rename itself durable; not possible on every OS (Windows
    # cannot open a folder), where the rename is still atomic.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend with atomic ``put``/``put_text``.

    mmengine's ``save_checkpoint`` serialises the checkpoint to memory and
    hands the bytes to the file backend's ``put``; the stock
    ``LocalBackend.put`` opens the target with ``'wb'`` and writes in place,
    so a crash mid-write leaves a truncated ``epoch_N.pth``. Selected with
    ``backend_args=dict(backend='local_atomic')`` (what
    :class:`~mmpose_kd.engine.hooks.AtomicCheckpointHook` does by default).
    """

    def put(self, obj: bytes, filepath) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        atomic_write_text(obj, filepath, encoding=encoding)


register_backend(ATOMIC_LOCAL_BACKEND, AtomicLocalBackend, force=True)
