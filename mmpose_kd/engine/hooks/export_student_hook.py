"""Export the test-time network at every checkpoint save."""
import os.path as osp

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS

from mmpose_kd.utils.export import deploy_prefix, export_checkpoint


@HOOKS.register_module()
class ExportStudentHook(Hook):
    """At each checkpoint save, also write a plain mmpose checkpoint of the
    deployed network (DWPose Sec. 3: the distilled student is what ships)
    to ``<work_dir>/<filename>``, loadable by ``mmpose.apis.init_model``.

    Its priority is below EMAHook's, so when EMA is on, the exported weights
    are the EMA weights that the checkpoint's ``state_dict`` holds.

    Args:
        filename (str): output file name, ``{epoch}``/``{iter}`` formatted.
        prefix (str, optional): state-dict prefix of the deployed network;
            default: the model's ``deploy_prefix`` (``student.`` for DWPose,
            :func:`mmpose_kd.utils.export.deploy_prefix`).
    """

    priority = 'LOW'

    def __init__(self, filename: str = 'exported_student.pth', prefix=None):
        self.filename = filename
        self.prefix = prefix

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        prefix = self.prefix or deploy_prefix(model)
        if prefix is None:
            raise ValueError(f'ExportStudentHook: no deploy prefix known for '
                             f'{type(model).__name__}; set `prefix`.')
        out = osp.join(
            runner.work_dir,
            self.filename.format(epoch=runner.epoch, iter=runner.iter))
        # ``checkpoint`` is complete here (EMA already swapped in).
        if runner.rank == 0:
            export_checkpoint(checkpoint, out, prefix)
