"""Side by side: our resolved DWPose configs against the released ones.

Independent of the project's tests and of its config helpers: every config
is loaded with ``mmengine.Config.fromfile`` only, ``mmpose::`` paths are
resolved here to the installed mmpose's ``.mim/configs``.

    python tools/experiments/compare_released_recipes.py \\
        --released-root /tmp/dwpose_released

``--released-root`` is a checkout of IDEA-Research/DWPose (it holds
``mmpose/configs/distiller/``). mmpose 1.3.2's own DWPose configs
(``configs/wholebody_2d_keypoint/dwpose/``) are read from the installed
mmpose (``--mm-root`` overrides its ``.mim`` folder).

For every config in ``configs/dwpose/`` the script loads our resolved config
and each released config it stands for (the table of docs/recipes.md, "The
configs", copied into ``PAIRS`` below), flattens both to dotted keys (lists of
dicts, e.g. pipelines, by index, printed with each element's ``[type]``, as
``[released|ours]`` where they differ: a changed type is a ``.type``
difference and the element's other leaves are still compared one by one)
and prints every key whose value differs or that exists on one side only.
A subtree missing on one side is printed once, with the number of leaves it
holds (``--full`` prints each).

What is normalised (nothing else is):

* a registry scope prefix in a ``type`` name (``mmdet.PipelineSwitchHook``
  and ``PipelineSwitchHook`` compare equal; it is kept in the printed value);
* tuples compare equal to lists with the same items; numbers compare by
  value (``1.`` equals ``1``), a bool never equals a number;
* ``_delete_`` markers are dropped (they are merge instructions), and so
  is ``_scope_='mmpose'``, which mmengine adds to every dict with a ``type``
  inherited through an ``mmpose::`` base (mmpose is every config's
  ``default_scope``); any other ``_scope_`` (``mmdet``) is compared;
* a dataset's ``data_root`` is joined into its ``ann_file`` and
  ``data_prefix.*`` (the file mmpose reads), and then dropped;
* the distiller's model: each side's student and teacher config file is
  replaced by that file's ``model`` (``model.student.*``, ``model.teacher.*``;
  released: ``student_cfg`` / ``teacher_cfg``, read relative to the
  released ``mmpose/`` folder, as the released code reads them; ours:
  ``student`` / ``teacher``), the released ``teacher_pretrained`` is
  compared under our name ``teacher_ckpt``, and the released ``distill_cfg``
  entries under our names: ``FeaLoss`` -> ``feature_distill`` (``alpha_fea``
  -> ``alpha``), ``KDLoss`` -> ``logit_distill`` (``weight`` ->
  ``loss_weight``); the other keys of these entries (``type``, ``name``,
  ``use_this``) keep their own name, so they show;
* top-level names that neither mmengine's Runner nor mmpose's tools read
  (helper variables such as ``codec``, ``scene``, ``fea``, ``dwpose_*``)
  are listed apart, as "helper variables", not as differences: what they
  feed into is compared where it is used.

A released config that cannot be loaded is reported as such (with the
error), never skipped silently. Configs with no released counterpart are
listed as such. SSPCM has no mmengine configs to load; ``--sspcm`` prints
our resolved values of the settings docs/recipes.md compares, for a manual
check against the released yaml files and code.
"""
import argparse
import copy
import os
import os.path as osp
import re
import sys
import traceback

from mmengine.config import Config
from mmengine.utils import get_installed_path

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# Keys the runner (mmengine Runner.from_cfg, mmpose tools/train.py, test.py)
# reads from a config; every other top-level name is a helper variable.
RUNNER_KEYS = {
    'model', 'work_dir', 'train_dataloader', 'val_dataloader',
    'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
    'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
    'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
    'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
    'visualizer', 'default_scope', 'randomness', 'experiment_name',
    'model_wrapper_cfg', 'find_unused_parameters', 'custom_imports', 'compile',
    'cfg'
}

DW = 'DW'  # IDEA-Research/DWPose mmpose/configs/distiller/<path>
MM = 'MM'  # mmpose 1.3.2 configs/wholebody_2d_keypoint/dwpose/<path>

# our config -> the released file(s) it stands for (docs/recipes.md table)
PAIRS = {
    'dwpose-s1_l-dis-m_coco-wholebody-256x192':
    [(DW, 'wholebody_2d_key/s1_dis/rtmpose_l_dis_m__coco-256x192.py'),
     (MM, 'coco-wholebody/s1_dis/dwpose_l_dis_m_coco-256x192.py')],
    'dwpose-s1_l-dis-s_coco-wholebody-256x192': [],
    'dwpose-s1_l-dis-t_coco-wholebody-256x192': [],
    'dwpose-s1_x-dis-l_coco-wholebody-384x288':
    [(MM, 'coco-wholebody/s1_dis/dwpose_x_dis_l_coco-384x288.py')],
    'dwpose-s1_x-dis-l_coco-ubody-256x192':
    [(DW, 'ubody/s1_dis/rtmpose_x_dis_l__coco-ubody-256x192.py'),
     (MM, 'ubody/s1_dis/dwpose_x_dis_l_coco-ubody-256x192.py')],
    'dwpose-s1_x-dis-l_coco-ubody-384x288':
    [(DW, 'ubody/s1_dis/rtmpose_x_dis_l__coco-ubody-384x288.py'),
     (MM, 'ubody/s1_dis/rtmpose_x_dis_l_coco-ubody-384x288.py')],
    'dwpose-s2_l-ll_coco-wholebody-256x192': [
        (DW, 'wholebody_2d_key/s2_dis/rtmpose_l-ll__coco-256x192.py')
    ],
    'dwpose-s2_l-ll_coco-wholebody-384x288': [
        (MM, 'coco-wholebody/s2_dis/dwpose_l-ll_coco-384x288.py')
    ],
    'dwpose-s2_m-mm_coco-wholebody-256x192': [
        (DW, 'wholebody_2d_key/s2_dis/rtmpose_m-mm__coco-256x192.py'),
        (MM, 'coco-wholebody/s2_dis/dwpose_m-mm_coco-256x192.py')
    ],
    'dwpose-s2_s-ss_coco-wholebody-256x192': [],
    'dwpose-s2_t-tt_coco-wholebody-256x192': [],
    'dwpose-s2_x-xx_coco-ubody-256x192': [
        (DW, 'ubody/s2_dis/rtmpose_x-xx__coco-ubody-256x192.py')
    ],
}
for _s in ('m', 's', 't'):
    PAIRS[f'dwpose-s1_l-dis-{_s}_coco-ubody-256x192'] = [
        (DW, f'ubody/s1_dis/dwpose_l_dis_{_s}__coco-ubody-256x192.py'),
        (MM, f'ubody/s1_dis/dwpose_l_dis_{_s}_coco-ubody-256x192.py')
    ]
    PAIRS[f'dwpose-s1_l-dis-{_s}_body-coco-256x192'] = [
        (DW, f'body_2d_keypoint/s1_dis/rtmpose_l_dis_{_s}__body_coco'
         '-256x192.py')
    ]
for _size in ('256x192', '384x288'):
    PAIRS[f'dwpose-s2_l-ll_coco-ubody-{_size}'] = [
        (DW, f'ubody/s2_dis/dwpose_l-ll__coco-ubody-{_size}.py'),
        (MM, f'ubody/s2_dis/dwpose_l-ll_coco-ubody-{_size}.py')
    ]
for _p in ('m-mm', 's-ss', 't-tt'):
    PAIRS[f'dwpose-s2_{_p}_coco-ubody-256x192'] = [
        (DW, f'ubody/s2_dis/rtmpose_{_p}__coco-ubody-256x192.py'),
        (MM, f'ubody/s2_dis/dwpose_{_p}_coco-ubody-256x192.py')
    ]
for _p in ('l-ll', 'm-mm', 's-ss', 't-tt'):
    PAIRS[f'dwpose-s2_{_p}_body-coco-256x192'] = [
        (DW, f'body_2d_keypoint/s2_dis/rtmpose_{_p}__body_coco-256x192.py')
    ]

_SCOPED_TYPE = re.compile(r'^[a-z_][a-z0-9_]*\.(?=[A-Za-z])')


def strip_scope(name):
    """``'mmdet.YOLOXHSVRandomAug'`` -> ``'YOLOXHSVRandomAug'``."""
    if isinstance(name, str):
        return _SCOPED_TYPE.sub('', name)
    return name


def mmpose_configs_root():
    return osp.join(get_installed_path('mmpose'), '.mim', 'configs')


def resolve(path, rel_root=None):
    """``mmpose::a.py`` -> the installed file; a relative path -> under
    ``rel_root`` (the released code's working directory)."""
    if path.startswith('mmpose::'):
        return osp.join(mmpose_configs_root(), path[len('mmpose::'):])
    if rel_root is not None and not osp.isabs(path):
        return osp.join(rel_root, path)
    return path


def load(path):
    return Config.fromfile(path).to_dict()


def join_data_root(obj):
    """Join ``data_root`` into ``ann_file`` / ``data_prefix.*`` of every
    dict that has it (the path mmpose's BaseDataset reads), recursively."""
    if isinstance(obj, dict):
        obj = {k: join_data_root(v) for k, v in obj.items()}
        root = obj.get('data_root')
        if isinstance(root, str) and ('ann_file' in obj
                                      or 'data_prefix' in obj):
            if isinstance(obj.get('ann_file'), str) and obj['ann_file']:
                obj['ann_file'] = osp.join(root, obj['ann_file'])
            if isinstance(obj.get('data_prefix'), dict):
                obj['data_prefix'] = {
                    k: osp.join(root, v) if isinstance(v, str) else v
                    for k, v in obj['data_prefix'].items()
                }
            del obj['data_root']
        return obj
    if isinstance(obj, (list, tuple)):
        return [join_data_root(v) for v in obj]
    return obj


def expand_released_model(model, rel_root):
    """The released distiller's model in our key names (see the module
    docstring); returns (model, notes)."""
    model = copy.deepcopy(model)
    notes = []
    out = {}
    for key, value in model.items():
        if key in ('student_cfg', 'teacher_cfg'):
            part = key[:-4]
            try:
                out[part] = load(resolve(value, rel_root))['model']
            except Exception as err:  # noqa: BLE001
                notes.append(f'cannot load released {key} {value!r}: '
                             f'{type(err).__name__}: {err}')
                out[part] = f'<unloadable {value}>'
        elif key == 'teacher_pretrained':
            out['teacher_ckpt'] = value
        elif key == 'distill_cfg':
            for group in value:
                for method in group.get('methods', []):
                    method = dict(method)
                    if method.get('type') == 'FeaLoss':
                        dst = 'feature_distill'
                        if 'alpha_fea' in method:
                            method['alpha'] = method.pop('alpha_fea')
                    elif method.get('type') == 'KDLoss':
                        dst = 'logit_distill'
                        if 'weight' in method:
                            method['loss_weight'] = method.pop('weight')
                    else:
                        dst = f'distill_cfg[{method.get("type")}]'
                    out[dst] = method
        else:
            out[key] = value
    return out, notes


def expand_our_model(model):
    model = copy.deepcopy(model)
    notes = []
    for part in ('student', 'teacher'):
        spec = model.get(part)
        if isinstance(spec, str):
            try:
                model[part] = load(resolve(spec))['model']
            except Exception as err:  # noqa: BLE001
                notes.append(f'cannot load our {part} {spec!r}: '
                             f'{type(err).__name__}: {err}')
    return model, notes


def flatten(obj, prefix, out, types):
    """Dotted leaves of ``obj`` into ``out``; a list element is keyed by its
    index, and ``types`` maps that key to the element's ``type`` (scope
    stripped), printed beside the index: ``pipeline.0[LoadImage]``."""
    if isinstance(obj, dict):
        if not obj:
            out[prefix] = {}
        for key in obj:
            if key == '_delete_' or (key == '_scope_'
                                     and obj[key] == 'mmpose'):
                continue
            flatten(obj[key], f'{prefix}.{key}' if prefix else str(key), out,
                    types)
    elif isinstance(obj, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in obj):
            for i, value in enumerate(obj):
                if isinstance(value, dict) and 'type' in value:
                    types[f'{prefix}.{i}'] = strip_scope(value['type'])
                flatten(value, f'{prefix}.{i}', out, types)
        else:
            out[prefix] = list(obj)
    else:
        out[prefix] = obj


def label(key, types_r, types_o):
    """``key`` with each list index followed by its element's type on the
    released / our side (``[A]`` when equal, ``[A|B]`` when not)."""
    parts = key.split('.')
    shown = []
    for i, part in enumerate(parts):
        head = '.'.join(parts[:i + 1])
        names = [t.get(head) for t in (types_r, types_o)]
        names = [n for n in names if n is not None]
        if names:
            part += '[' + '|'.join(dict.fromkeys(names)) + ']'
        shown.append(part)
    return '.'.join(shown)


def same(a, b, key):
    if key.endswith('.type') or key == 'type':
        return strip_scope(a) == strip_scope(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, key) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def prefixes(keys):
    out = set()
    for key in keys:
        parts = key.split('.')
        for i in range(1, len(parts) + 1):
            out.add('.'.join(parts[:i]))
    return out


def missing_root(key, other_prefixes):
    """The shortest prefix of ``key`` absent on the other side."""
    parts = key.split('.')
    for i in range(1, len(parts) + 1):
        head = '.'.join(parts[:i])
        if head not in other_prefixes:
            return head
    return key


def short(value, width=150):
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + '...'


def compare(ours, released, full=False):
    """Returns (n_keys, lines)."""
    flat_ours, flat_released, types_ours, types_released = {}, {}, {}, {}
    flatten(ours, '', flat_ours, types_ours)
    flatten(released, '', flat_released, types_released)
    keys = sorted(set(flat_ours) | set(flat_released))
    prefixes_ours, prefixes_released = prefixes(flat_ours), prefixes(
        flat_released)
    lines = []
    grouped = {}
    for key in keys:
        shown = label(key, types_released, types_ours)
        if key in flat_ours and key in flat_released:
            if not same(flat_ours[key], flat_released[key], key):
                lines.append(f'  DIFF  {shown}\n'
                             f'        released: {short(flat_released[key])}\n'
                             f'        ours:     {short(flat_ours[key])}')
        elif key in flat_released:
            root = missing_root(key, prefixes_ours)
            if full or root == key:
                lines.append(
                    f'  ONLY-RELEASED  {shown} = {short(flat_released[key])}')
            else:
                grouped.setdefault(('ONLY-RELEASED', root), []).append(key)
        else:
            root = missing_root(key, prefixes_released)
            if full or root == key:
                lines.append(f'  ONLY-OURS  {shown} = {short(flat_ours[key])}')
            else:
                grouped.setdefault(('ONLY-OURS', root), []).append(key)
    for (side, root), members in sorted(grouped.items()):
        src = flat_released if side == 'ONLY-RELEASED' else flat_ours
        sample = ', '.join(f'{m[len(root) + 1:]}={short(src[m], 40)}'
                           for m in members[:4])
        more = f', ... ({len(members)} leaves)' if len(members) > 4 else ''
        shown = label(root, types_released, types_ours)
        lines.append(f'  {side}  {shown}.*  {{{sample}{more}}}')
    return len(keys), lines


def split_helpers(cfg):
    runner = {k: v for k, v in cfg.items() if k in RUNNER_KEYS}
    helpers = {k: v for k, v in cfg.items() if k not in RUNNER_KEYS}
    return runner, helpers


def load_ours(name):
    path = osp.join(REPO, 'configs', 'dwpose', name + '.py')
    cfg = load(path)
    runner, helpers = split_helpers(cfg)
    runner['model'], notes = expand_our_model(runner['model'])
    return join_data_root(runner), helpers, notes


def load_released(src, rel, released_root, mm_root):
    if src == DW:
        work = osp.join(released_root, 'mmpose')
        path = osp.join(work, 'configs', 'distiller', rel)
    else:
        work = osp.dirname(mm_root)  # the .mim folder holds configs/
        path = osp.join(mm_root, 'wholebody_2d_keypoint', 'dwpose', rel)
    if not osp.isfile(path):
        raise FileNotFoundError(f'released config {path} does not exist')
    cwd = os.getcwd()
    os.chdir(work)  # relative metainfo/from_file paths, as released
    try:
        cfg = load(path)
    finally:
        os.chdir(cwd)
    runner, helpers = split_helpers(cfg)
    runner['model'], notes = expand_released_model(runner['model'], work)
    return path, join_data_root(runner), helpers, notes


def run_dwpose(args):
    names = sorted(f[:-3]
                   for f in os.listdir(osp.join(REPO, 'configs', 'dwpose'))
                   if f.endswith('.py'))
    if args.only:
        names = [n for n in names if any(s in n for s in args.only)]
    summary = []
    for name in names:
        print('=' * 79)
        print(f'OURS {name}')
        try:
            ours, our_helpers, notes = load_ours(name)
        except Exception:  # noqa: BLE001
            print('  cannot load our config:')
            print(traceback.format_exc())
            summary.append((name, '-', 'OUR CONFIG UNLOADABLE', 0, 0))
            continue
        for note in notes:
            print(f'  NOTE {note}')
        refs = PAIRS.get(name)
        if refs is None:
            print('  no released counterpart in docs/recipes.md\'s table '
                  '(not compared)')
            summary.append((name, '-', 'not released', 0, 0))
            continue
        if not refs:
            print('  docs/recipes.md: not released (no file to compare)')
            summary.append((name, '-', 'not released', 0, 0))
            continue
        for src, rel in refs:
            print('-' * 79)
            print(f'  vs {src} {rel}')
            try:
                path, released, rel_helpers, rnotes = load_released(
                    src, rel, args.released_root, args.mm_root)
            except Exception as err:  # noqa: BLE001
                print(f'  RELEASED CONFIG NOT LOADABLE: '
                      f'{type(err).__name__}: {err}')
                summary.append((name, f'{src} {rel}', 'UNLOADABLE', 0, 0))
                continue
            print(f'  released file: {path}')
            for note in rnotes:
                print(f'  NOTE {note}')
            n_keys, lines = compare(ours, released, args.full)
            print(f'  keys compared (union of flattened leaves): {n_keys}; '
                  f'entries differing: {len(lines)}')
            for line in lines:
                print(line)
            only_r = sorted(set(rel_helpers) - set(our_helpers))
            only_o = sorted(set(our_helpers) - set(rel_helpers))
            print(f'  helper variables (not compared) only released: '
                  f'{only_r}; only ours: {only_o}')
            summary.append(
                (name, f'{src} {rel}', 'compared', n_keys, len(lines)))
    print('=' * 79)
    print('SUMMARY (config, released, status, keys compared, entries)')
    for row in summary:
        print('  ' + ' | '.join(str(c) for c in row))


SSPCM_KEYS = [
    'train_dataloader.labeled.batch_size',
    'train_dataloader.unlabeled.batch_size',
    'train_dataloader.labeled.dataset.ann_file',
    'train_dataloader.labeled.dataset.data_root',
    'train_dataloader.unlabeled.dataset.ann_file',
    'train_dataloader.unlabeled.dataset.bbox_file',
    'train_dataloader.unlabeled.dataset.filter_cfg',
    'train_dataloader.unlabeled.drop_last',
    'train_dataloader.labeled.dataset.pipeline',
    'train_dataloader.unlabeled.dataset.pipeline',
    'train_cfg',
    'param_scheduler',
    'optim_wrapper',
    'auto_scale_lr',
    'val_cfg',
    'val_dataloader.dataset.bbox_file',
    'val_dataloader.dataset.ann_file',
    'val_evaluator',
    'default_hooks.checkpoint',
    'model.semi_train_cfg',
    'model.network_a.test_cfg',
    'model.network_a.backbone.init_cfg',
    'model.network_c.backbone.init_cfg',
    'model.data_preprocessor',
    'randomness',
]


def get_dotted(cfg, key):
    node = cfg
    for part in key.split('.'):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return '<absent>'
    return node


def run_sspcm(args):
    root = osp.join(REPO, 'configs', 'sspcm')
    names = sorted(f for f in os.listdir(root) if f.endswith('.py'))
    for name in names:
        print('=' * 79)
        print(f'OURS configs/sspcm/{name}')
        try:
            cfg = load(osp.join(root, name))
        except Exception as err:  # noqa: BLE001
            print(f'  cannot load: {type(err).__name__}: {err}')
            continue
        for key in SSPCM_KEYS:
            print(f'  {key} = {get_dotted(cfg, key)!r}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--released-root',
        help='checkout of IDEA-Research/DWPose (holds mmpose/configs/)')
    parser.add_argument(
        '--mm-root',
        default=None,
        help='mmpose 1.3.2 .mim/configs folder (default: the installed one)')
    parser.add_argument(
        '--only', nargs='*', help='substrings of our config names')
    parser.add_argument(
        '--full', action='store_true', help='one line per one-sided leaf')
    parser.add_argument(
        '--sspcm',
        action='store_true',
        help='print our resolved SSPCM values for a manual comparison')
    args = parser.parse_args(argv)
    os.chdir(REPO)
    sys.path.insert(0, REPO)
    if args.mm_root is None:
        args.mm_root = mmpose_configs_root()
    if args.sspcm:
        run_sspcm(args)
        return
    if not args.released_root:
        parser.error('--released-root is required for the DWPose comparison')
    run_dwpose(args)


if __name__ == '__main__':
    main()
