"""The teacher checkpoint of :class:`DWPoseTwoStageDistiller`: fetching it
(a local file or a model-zoo URL) and reading its state dict."""
import os
import os.path as osp
from typing import Dict
from urllib.parse import urlparse

from mmengine.dist import barrier, get_dist_info
from mmengine.logging import print_log
from torch import Tensor

from mmpose_kd.utils.checkpoint import (extract_state_dict,
                                        load_checkpoint_file, strip_prefix)

#: The config key every message about the teacher checkpoint names.
TEACHER_CKPT_KEY = 'model.teacher_ckpt'


def fetch_checkpoint(path: str, config_key: str) -> str:
    """A local file for ``path``: itself, or for an ``http(s)://`` URL (the
    model-zoo URLs the real-scale configs name, as mmpose's configs do) the
    copy in torch hub's cache (``$TORCH_HOME/hub/checkpoints``, where
    mmengine's ``load_from_http`` also keeps it), downloaded once: rank 0
    first, the other ranks after a barrier (each fetches it only if its
    machine does not see that copy).

    Raises:
        RuntimeError: naming the URL and the config key, when the download
            fails.
    """
    if not isinstance(path, str) or \
            not path.startswith(('http://', 'https://')):
        return path
    from torch.hub import download_url_to_file, get_dir
    cached = osp.join(get_dir(), 'checkpoints',
                      osp.basename(urlparse(path).path))
    rank, world_size = get_dist_info()

    def fetch():
        if osp.isfile(cached):
            return
        os.makedirs(osp.dirname(cached), exist_ok=True)
        print_log(
            f'Downloading {path} (config key `{config_key}`) to '
            f'{cached}',
            logger='current')
        try:
            # writes a temporary file and renames it: never a partial file
            download_url_to_file(path, cached, progress=False)
        except Exception as err:
            raise RuntimeError(
                f'Checkpoint {path!r} (config key `{config_key}`) could not '
                f'be downloaded: {type(err).__name__}: {err}. Download it '
                'yourself and set the key to the local file.') from err

    if rank == 0:
        fetch()
    if world_size > 1:
        barrier()
    if rank != 0:
        fetch()
    return cached


def read_teacher_state_dict(path: str) -> Dict[str, Tensor]:
    """The state dict of ``model.teacher_ckpt`` (fetched if a URL): a
    network's checkpoint, or a distiller checkpoint, whose ``student.``
    prefix is stripped (a stage-1 distiller as a teacher or as the stage-2
    source)."""
    sd = extract_state_dict(
        load_checkpoint_file(
            fetch_checkpoint(path, TEACHER_CKPT_KEY), TEACHER_CKPT_KEY))
    if any(k.startswith('student.') for k in sd):
        sd = strip_prefix(sd, 'student.')
    return sd
