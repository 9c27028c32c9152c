"""Every module of mmpose_kd lives in mmpose's own registries under a name
that stock mmpose 1.3.2 does not already use."""
import json
import subprocess
import sys

from mmpose import registry as mmpose_registry

import mmpose_kd  # noqa: F401

REGISTRIES = ('MODELS', 'DATASETS', 'TRANSFORMS', 'HOOKS', 'LOOPS', 'METRICS',
              'VISUALIZERS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS')

STOCK_NAMES = r'''
import json
from mmpose.utils import register_all_modules
register_all_modules()
from mmpose import registry
print(json.dumps({n: sorted(getattr(registry, n).module_dict)
                  for n in %r}))
''' % (REGISTRIES, )


def ours():
    found = {}
    for name in REGISTRIES:
        reg = getattr(mmpose_registry, name)
        found[name] = sorted(
            k for k, v in reg.module_dict.items()
            if getattr(v, '__module__', '').startswith('mmpose_kd'))
    return found


def test_modules_are_registered_in_mmpose_registries():
    found = ours()
    assert 'DWPoseTwoStageDistiller' in found['MODELS']
    assert 'FeatureDistillLoss' in found['MODELS']
    assert 'DistillScheduleHook' in found['HOOKS']
    assert sum(len(v) for v in found.values()) >= 6


def test_no_name_collides_with_stock_mmpose():
    out = subprocess.run([sys.executable, '-c', STOCK_NAMES],
                         capture_output=True,
                         text=True,
                         check=True)
    stock = json.loads(out.stdout.strip().splitlines()[-1])
    assert 'DWPoseDistiller' in stock['MODELS']  # the check is live
    for name, names in ours().items():
        clash = set(names) & set(stock[name])
        assert not clash, f'{name}: {sorted(clash)} already in mmpose'


def test_custom_imports_in_a_stock_config(tmp_path):
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['mmpose_kd'], "
        'allow_failed_imports=False)\n'
        "model = dict(type='FeatureDistillLoss', student_channels=2, "
        'teacher_channels=4)\n')
    code = ('from mmengine.config import Config\n'
            'from mmpose.utils import register_all_modules\n'
            'register_all_modules()\n'
            'from mmpose.registry import MODELS\n'
            f'cfg = Config.fromfile({str(cfg_file)!r})\n'
            'print(type(MODELS.build(cfg.model)).__name__)\n')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True)
    assert out.stdout.strip().endswith('FeatureDistillLoss')


def test_import_stays_light():
    """`import mmpose_kd` (what custom_imports does in every config) loads
    neither the synthetic data generator, the unlabeled-set builder nor
    onnx: they are imported where they are used."""
    import subprocess
    import sys
    code = ('import sys, mmpose_kd; print(sorted(m for m in sys.modules if '
            'm.startswith(("mmpose_kd.datasets.synthetic", '
            '"mmpose_kd.datasets.unlabeled", "mmpose_kd.deploy", "onnx", '
            '"onnxruntime", "rtmlib"))))')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True).stdout.strip()
    assert out == '[]', out
