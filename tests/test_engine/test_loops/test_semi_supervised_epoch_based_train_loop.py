"""SemiSupervisedEpochBasedTrainLoop: epoch length, labeled cycling, sampler
epochs, resumable labeled order, clear errors, on a real Runner."""
import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset

import mmpose_kd  # noqa: F401
from mmpose_kd.engine.loops.semi_supervised_epoch_based_train_loop import \
    SemiSupervisedEpochBasedTrainLoop

torch.set_num_threads(1)


class NamedItems(Dataset):
    """Items 'L0', 'L1'... so a batch says where it came from."""
    metainfo = dict()

    def __init__(self, prefix, num):
        self.names = [f'{prefix}{i}' for i in range(num)]

    def __len__(self):
        return len(self.names)

    def __getitem__(self, index):
        return dict(name=self.names[index])


class BatchRecorder(BaseModel):
    """Records every batch the loop hands to train_step."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.batches = []

    def train_step(self, data, optim_wrapper):
        self.batches.append(data)
        return dict()

    def forward(self, *args, **kwargs):
        return []


def loader(prefix, num, batch_size):
    return dict(
        dataset=NamedItems(prefix, num),
        batch_size=batch_size,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=True))


def make_runner(tmp_path,
                num_labeled=3,
                num_unlabeled=7,
                max_epochs=2,
                labeled_bs=2,
                unlabeled_bs=3,
                seed=1,
                name='run'):
    return Runner(
        model=BatchRecorder(),
        work_dir=str(tmp_path / name),
        train_dataloader=dict(
            labeled=loader('L', num_labeled, labeled_bs),
            unlabeled=loader('U', num_unlabeled, unlabeled_bs)),
        train_cfg=dict(
            type='SemiSupervisedEpochBasedTrainLoop', max_epochs=max_epochs),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        default_hooks=dict(checkpoint=None),
        default_scope='mmpose',
        randomness=dict(seed=seed),
        experiment_name=name)


def names(batches, part):
    return [b[part]['name'] for b in batches]


def test_epoch_is_one_pass_over_unlabeled(tmp_path):
    runner = make_runner(tmp_path)
    loop = runner.train_loop
    assert isinstance(loop, SemiSupervisedEpochBasedTrainLoop)
    assert loop.dataloader is loop.unlabeled_dataloader
    assert loop.max_iters == 2 * 3  # ceil(7 / 3) batches per epoch
    runner.train()
    batches = runner.model.batches
    assert len(batches) == 6 and runner.iter == 6 and runner.epoch == 2
    for epoch in range(2):
        seen = sum(names(batches[3 * epoch:3 * epoch + 3], 'unlabeled'), [])
        assert sorted(seen) == sorted(f'U{i}' for i in range(7))
    # each iteration carries both parts, at their own batch sizes
    assert [len(b['labeled']['name']) for b in batches[:3]] == [2, 1, 2]
    assert [len(b['unlabeled']['name']) for b in batches[:3]] == [3, 3, 1]


def test_labeled_set_is_cycled_and_reshuffled(tmp_path):
    runner = make_runner(
        tmp_path,
        num_labeled=3,
        num_unlabeled=12,
        unlabeled_bs=2,
        max_epochs=1)
    runner.train()
    labeled = names(runner.model.batches, 'labeled')
    assert len(labeled) == 6  # one per unlabeled batch
    # batches come in passes of [2, 1]: each pass is the whole labeled set
    passes = [labeled[i] + labeled[i + 1] for i in range(0, 6, 2)]
    assert all(sorted(p) == ['L0', 'L1', 'L2'] for p in passes)
    assert len({tuple(p) for p in passes}) > 1  # a new order per pass
    loop = runner.train_loop
    assert loop.labeled_passes_per_epoch == 3
    assert loop.labeled_dataloader.sampler.epoch == 2  # passes 0, 1, 2
    assert loop.dataloader.sampler.epoch == 0


def test_labeled_order_depends_only_on_the_epoch(tmp_path):
    """Resuming at an epoch boundary replays the same labeled batches."""
    full = make_runner(tmp_path, max_epochs=3, name='full')
    full.train()
    resumed = make_runner(tmp_path, max_epochs=3, name='resumed')
    resumed.train_loop._epoch = 2  # what Runner.resume sets
    resumed.train()
    assert names(resumed.model.batches, 'labeled') == \
        names(full.model.batches[-3:], 'labeled')
    assert names(resumed.model.batches, 'unlabeled') == \
        names(full.model.batches[-3:], 'unlabeled')
    assert resumed.train_loop.labeled_dataloader.sampler.epoch == \
        full.train_loop.labeled_dataloader.sampler.epoch


@pytest.mark.parametrize('part', ['labeled', 'unlabeled'])
def test_empty_part_is_named(tmp_path, part):
    sizes = dict(num_labeled=3, num_unlabeled=7)
    sizes[f'num_{part}'] = 0
    runner = make_runner(tmp_path, **sizes)
    with pytest.raises(
            ValueError, match=f'The {part} training set is '
            'empty'):
        runner.train()


def test_batch_larger_than_set_with_drop_last_is_explained(tmp_path):
    runner = make_runner(tmp_path)
    runner._train_dataloader['labeled'].update(drop_last=True, batch_size=4)
    with pytest.raises(
            ValueError, match='labeled training dataloader '
            'yields no batch'):
        runner.train()


def test_train_dataloader_must_have_both_parts(tmp_path):
    runner = make_runner(tmp_path)
    runner._train_dataloader = dict(labeled=loader('L', 3, 2))
    with pytest.raises(ValueError, match='dict\\(labeled=.*unlabeled='):
        runner.train()
    runner = make_runner(tmp_path, name='extra')
    runner._train_dataloader['batch_size'] = 4
    with pytest.raises(ValueError, match='_delete_=True'):
        runner.train()


def test_auto_scale_lr_counts_labeled_and_unlabeled_samples(tmp_path):
    """mmengine's auto_scale_lr reads train_dataloader.batch_size; with two
    parts the loop reports labeled + unlabeled per process, so the LR is
    scaled by world_size * (2 + 3) / base_batch_size."""
    train_dataloader = dict(
        labeled=loader('L', 3, 2), unlabeled=loader('U', 7, 3))
    given = dict(train_dataloader)
    runner = Runner(
        model=BatchRecorder(),
        work_dir=str(tmp_path / 'scaled'),
        train_dataloader=train_dataloader,
        train_cfg=dict(type='SemiSupervisedEpochBasedTrainLoop', max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        auto_scale_lr=dict(enable=True, base_batch_size=10),
        default_hooks=dict(checkpoint=None),
        default_scope='mmpose',
        experiment_name='auto_scale_lr')
    runner.train()
    assert runner.train_loop.total_batch_size == 5
    lr = runner.optim_wrapper.optimizer.param_groups[0]['lr']
    assert lr == pytest.approx(0.1 * 5 / 10)
    assert train_dataloader == given  # the caller's config is untouched
    assert 'batch_size' not in train_dataloader
