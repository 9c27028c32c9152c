"""SkippedImageCountHook + CheckedLoadImage through a real mmengine Runner
on the tiny synthetic data with one training image deleted and one cut in
half: ``on_error='skip'`` trains and logs the count, summed over two
dataloader workers; ``on_error='raise'`` stops naming the file."""
import glob
import os.path as osp
import re
import uuid

import pytest
from mmengine.runner import Runner

from mmpose_kd.datasets.transforms.loading import ImageLoadError
from mmpose_kd.engine.hooks.skipped_image_count_hook import \
    SkippedImageCountHook
from bad_input_testing import damaged_copy
from toy_models import heatmap_cfg, runner_cfg

INPUT_SIZE = (64, 64)
CODEC = dict(
    type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(16, 16), sigma=2)
WARNING = re.compile(r'CheckedLoadImage: skipped a sample, image file (\S+) '
                     r'.*?(\d+) image load\(s\) skipped so far')
EPOCH_LINE = re.compile(r'SkippedImageCountHook: epoch (\d+): (\d+) image '
                        r'load\(s\) skipped in this epoch, (\d+) so far')


@pytest.fixture(scope='module')
def damaged(tiny_wholebody, tmp_path_factory):
    root = tmp_path_factory.mktemp('damaged') / 'data'
    missing, corrupt, _ = damaged_copy(tiny_wholebody, root)
    return root, missing, corrupt


def build_runner(data_root,
                 work_dir,
                 on_error,
                 num_workers=2,
                 max_epochs=2,
                 resume=False):
    cfg = runner_cfg(
        heatmap_cfg(input_size=INPUT_SIZE),
        data_root,
        work_dir,
        max_epochs=max_epochs,
        batch_size=4,
        codec=CODEC)
    name = f'skipped_{uuid.uuid4().hex[:8]}'
    # mmengine reuses a logger, message hub and visualizer of the same name
    cfg.update(
        experiment_name=name,
        log_level='INFO',
        visualizer=dict(type='Visualizer', name=name),
        custom_hooks=[dict(type='SkippedImageCountHook')],
        resume=resume)
    loader = cfg['train_dataloader']
    loader.update(num_workers=num_workers, persistent_workers=False)
    dataset = loader['dataset']
    dataset['type'] = 'CheckedCocoWholeBodyDataset'
    assert dataset['pipeline'][0]['type'] == 'LoadImage'
    dataset['pipeline'][0] = dict(type='CheckedLoadImage', on_error=on_error)
    return Runner.from_cfg(cfg)


def read_log(runner):
    (path, ) = glob.glob(osp.join(runner.log_dir, '*.log'))
    with open(path) as f:
        return f.read()


def test_skip_trains_and_logs_the_count_over_workers(damaged, tmp_path):
    data_root, missing, corrupt = damaged
    runner = build_runner(data_root, tmp_path / 'work', 'skip')
    runner.train()
    log = read_log(runner)

    warnings = WARNING.findall(log)  # written by the worker processes
    assert {path for path, _ in warnings} == {missing, corrupt}
    # both epochs load every image at least once; refetches may add more
    epochs = [tuple(map(int, m)) for m in EPOCH_LINE.findall(log)]
    assert [epoch for epoch, _, _ in epochs] == [1, 2]
    assert all(in_epoch >= 2 for _, in_epoch, _ in epochs)
    total = epochs[-1][2]
    assert total == epochs[0][1] + epochs[1][1]
    # one warning per skip, numbered by the shared count across workers
    assert total == len(warnings)
    assert sorted(int(n) for _, n in warnings) == list(range(1, total + 1))
    # the count in the iteration log lines and in the message hub
    assert re.search(r'skipped_images: \d', log)
    assert runner.message_hub.get_scalar(
        SkippedImageCountHook.KEY).current() == total


def test_resume_continues_the_count(damaged, tmp_path):
    data_root, _, _ = damaged
    work_dir = tmp_path / 'work'
    first = build_runner(
        data_root, work_dir, 'skip', num_workers=0, max_epochs=1)
    first.train()
    before = first.message_hub.get_scalar(SkippedImageCountHook.KEY).current()
    assert before >= 2
    resumed = build_runner(
        data_root, work_dir, 'skip', num_workers=0, max_epochs=2, resume=True)
    resumed.train()
    # Both runs may start within the same second and then share one
    # timestamped log file; only the resumed run logs epoch 2.
    ((in_epoch, total), ) = [
        (int(in_epoch), int(total))
        for epoch, in_epoch, total in EPOCH_LINE.findall(read_log(resumed))
        if epoch == '2'
    ]
    assert in_epoch >= 2 and total == before + in_epoch


def test_raise_stops_naming_the_file(damaged, tmp_path):
    data_root, missing, corrupt = damaged
    runner = build_runner(
        data_root, tmp_path / 'work', 'raise', num_workers=0, max_epochs=1)
    with pytest.raises(ImageLoadError) as info:
        runner.train()
    message = str(info.value)
    assert missing in message or corrupt in message


def test_interval_must_be_a_positive_integer():
    with pytest.raises(ValueError, match='interval'):
        SkippedImageCountHook(interval=0)
