"""tools/split_semi.py: the paper's instance protocol (first N person
instances labeled, all unlabeled) and the seeded image-level split."""
import json
import os.path as osp

import pytest

from tool_loading import load_tool

split_semi = load_tool('split_semi')


def _coco(num_images=10):
    """Images 1..n; image i has i % 3 people; image 2's person has no
    keypoints labeled; ids are not contiguous to catch index mix-ups."""
    images, anns = [], []
    for i in range(1, num_images + 1):
        images.append(
            dict(id=i * 7, file_name=f'{i:04d}.jpg', width=64, height=64))
        for p in range(i % 3):
            visible = 0 if i == 2 else 2
            anns.append(
                dict(
                    id=len(anns) + 100,
                    image_id=i * 7,
                    category_id=1,
                    bbox=[1, 2, 30, 40],
                    keypoints=[5, 6, visible] * 17,
                    num_keypoints=17 if visible else 0,
                    iscrowd=0,
                    area=1200))
    return dict(
        info=dict(description='toy'),
        categories=[dict(id=1)],
        images=images,
        annotations=anns)


def _write(tmp_path, coco):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco))
    return str(path)


def test_split_partitions_images_and_annotations():
    coco = _coco(12)
    labeled, unlabeled = split_semi.split_coco(coco, num_labeled=3, seed=1)
    lab_ids = {img['id'] for img in labeled['images']}
    unl_ids = {img['id'] for img in unlabeled['images']}
    assert len(lab_ids) == 3
    assert lab_ids.isdisjoint(unl_ids)
    assert lab_ids | unl_ids == {img['id'] for img in coco['images']}
    # every annotation goes with its image, none is lost or duplicated
    assert all(a['image_id'] in lab_ids for a in labeled['annotations'])
    assert all(a['image_id'] in unl_ids for a in unlabeled['annotations'])
    assert (len(labeled['annotations']) +
            len(unlabeled['annotations']) == len(coco['annotations']))
    # other top-level fields are kept
    assert labeled['categories'] == coco['categories']
    assert unlabeled['info'] == coco['info']


def test_labeled_images_have_people_with_keypoints():
    coco = _coco(12)
    # eligible: images with >= 1 person with keypoints: i % 3 != 0, i != 2
    eligible = {i * 7 for i in range(1, 13) if i % 3 and i != 2}
    for seed in range(5):
        labeled, _ = split_semi.split_coco(
            coco, num_labeled=len(eligible), seed=seed)
        assert {img['id'] for img in labeled['images']} == eligible


def test_same_seed_same_split_other_seed_differs():
    coco = _coco(40)
    first = split_semi.split_coco(coco, num_labeled=5, seed=3)[0]
    again = split_semi.split_coco(coco, num_labeled=5, seed=3)[0]
    other = [
        split_semi.split_coco(coco, num_labeled=5, seed=s)[0]
        for s in (4, 5, 6)
    ]
    ids = lambda c: sorted(img['id'] for img in c['images'])  # noqa: E731
    assert ids(first) == ids(again)
    assert any(ids(o) != ids(first) for o in other)


def test_ratio_and_bad_sizes():
    coco = _coco(40)  # 40 images, eligible = 40 - 13 (i%3==0) - 1 (i=2) = 26
    labeled, _ = split_semi.split_coco(coco, ratio=0.5, seed=0)
    assert len(labeled['images']) == 13
    with pytest.raises(ValueError, match='between 1 and the 26 images'):
        split_semi.split_coco(coco, num_labeled=27)
    with pytest.raises(ValueError, match='ratio'):
        split_semi.split_coco(coco, ratio=1.5)
    with pytest.raises(ValueError, match='exactly one'):
        split_semi.split_coco(coco)


def test_strip_unlabeled_zeroes_keypoints_only_there():
    coco = _coco(12)
    labeled, unlabeled = split_semi.split_coco(
        coco, num_labeled=2, seed=0, strip_unlabeled=True)
    assert all(
        set(a['keypoints']) == {0} and a['num_keypoints'] == 0
        for a in unlabeled['annotations'])
    assert all(a['num_keypoints'] == 17 for a in labeled['annotations'])
    assert coco['annotations'][0]['num_keypoints'] == 17  # input untouched


def test_cli_writes_files_and_prints_summary(tmp_path, capsys):
    ann = _write(tmp_path, _coco(12))
    out_l, out_u = tmp_path / 'l.json', tmp_path / 'u.json'
    assert split_semi.main([
        ann, '--num-labeled', '4', '--seed', '2', '--out-labeled',
        str(out_l), '--out-unlabeled',
        str(out_u)
    ]) == 0
    labeled = json.loads(out_l.read_text())
    unlabeled = json.loads(out_u.read_text())
    assert len(labeled['images']) == 4
    assert len(unlabeled['images']) == 8
    text = capsys.readouterr().out
    stats_l = split_semi.summarize(labeled)
    stats_u = split_semi.summarize(unlabeled)
    line_l = next(line for line in text.splitlines()
                  if line.startswith('labeled'))
    line_u = next(line for line in text.splitlines()
                  if line.startswith('unlabeled'))
    assert line_l.split()[1:4] == [
        str(stats_l['images']),
        str(stats_l['annotations']),
        str(stats_l['people_with_keypoints'])
    ]
    assert line_u.split()[1:4] == [
        str(stats_u['images']),
        str(stats_u['annotations']),
        str(stats_u['people_with_keypoints'])
    ]
    # image 2's two people have no keypoints: annotations, not people
    assert (stats_l['people_with_keypoints'] +
            stats_u['people_with_keypoints'] == stats_l['annotations'] +
            stats_u['annotations'] - 2)


def test_rewriting_a_split_replaces_the_files_whole(tmp_path):
    """A reader that opened the files before a rewrite (another demo seed
    on the same data root) reads the old files whole; no temporary file is
    left behind."""
    ann = _write(tmp_path, _coco(12))
    out_l, out_u = tmp_path / 'l.json', tmp_path / 'u.json'
    argv = [
        ann, '--num-labeled', '4', '--out-labeled',
        str(out_l), '--out-unlabeled',
        str(out_u)
    ]
    split_semi.main(argv + ['--seed', '1'])
    first = out_u.read_text()
    with open(str(out_u)) as reader:
        split_semi.main(argv + ['--seed', '2'])
        assert reader.read() == first
    assert json.loads(out_u.read_text()) != json.loads(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'ann.json', 'l.json', 'u.json'
    ]


def test_default_output_names(tmp_path):
    ann = _write(tmp_path, _coco(12))
    split_semi.main([ann, '--ratio', '0.25'])
    assert osp.isfile(str(tmp_path / 'ann_labeled-2.json'))
    assert osp.isfile(str(tmp_path / 'ann_unlabeled-2.json'))


def test_bad_input_names_the_file(tmp_path):
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match='nope.json'):
        split_semi.main([missing, '--num-labeled', '1'])
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(dict(images=[])))
    with pytest.raises(KeyError, match='annotations'):
        split_semi.main([str(bad), '--num-labeled', '1'])


# ---------------------------------------------------------------- instances
def _coco_for_instances():
    """Images listed out of id order; annotations interleaved across images.
    Some people are not training instances under the official rule."""
    images = [
        dict(id=i, file_name=f'{i:04d}.jpg', width=100, height=80)
        for i in (30, 10, 20, 40)
    ]
    kpts = [5, 6, 2] * 17

    def ann(aid, image_id, **kw):
        a = dict(
            id=aid,
            image_id=image_id,
            category_id=1,
            bbox=[10, 10, 30, 40],
            keypoints=list(kpts),
            num_keypoints=17,
            iscrowd=0,
            area=800.)
        a.update(kw)
        return a

    anns = [
        ann(1, 10),
        ann(2, 30),
        ann(3, 30, iscrowd=1),  # crowd
        ann(4, 20, keypoints=[0] * 51, num_keypoints=0),  # no keypoints
        ann(5, 30),
        ann(6, 10, area=0.),  # zero area
        ann(7, 20, bbox=[120, 10, 30, 40]),  # box outside the image
        ann(8, 20),
        ann(9, 40, category_id=2),  # not a person
        ann(10, 40),
        ann(11, 10),
    ]
    categories = [dict(id=1, name='person'), dict(id=2, name='dog')]
    return dict(
        info=dict(description='toy'),
        categories=categories,
        images=images,
        annotations=anns)


def test_instances_first_follows_the_official_order_and_rule():
    coco = _coco_for_instances()
    # official order: images in file order (30, 10, 20, 40), each image's
    # annotations in file order; training instances only
    expected = [2, 5, 1, 11, 8, 10]
    assert [a['id'] for a in split_semi.eligible_instances(coco)] == expected
    for n in (1, 3, 6):
        labeled, unlabeled = split_semi.split_coco(
            coco,
            num_labeled=n,
            unit='instances',
            order='first',
            unlabeled='all')
        assert [a['id'] for a in labeled['annotations']] == expected[:n]
        ids = {a['image_id'] for a in labeled['annotations']}
        assert [img['id'] for img in labeled['images']
                ] == [img['id'] for img in coco['images'] if img['id'] in ids]
        assert labeled['categories'] == coco['categories']
        # the unlabeled part is everything, labeled people included
        assert unlabeled['images'] == coco['images']
        assert unlabeled['annotations'] == coco['annotations']
    with pytest.raises(ValueError, match='between 1 and the 6 instances'):
        split_semi.split_coco(coco, num_labeled=7, unit='instances')


def test_instances_rest_is_the_complement():
    coco = _coco_for_instances()
    labeled, unlabeled = split_semi.split_coco(
        coco, num_labeled=3, unit='instances', order='first')
    lab = {a['id'] for a in labeled['annotations']}
    unl = {a['id'] for a in unlabeled['annotations']}
    assert lab == {2, 5, 1}
    assert lab.isdisjoint(unl)
    assert lab | unl == {a['id'] for a in coco['annotations']}
    # an image keeps its other people in the unlabeled part
    assert {img['id'] for img in unlabeled['images']} == {10, 20, 30, 40}


def test_instances_random_is_seeded():
    coco = _coco_for_instances()

    def pick(s):
        return [
            a['id'] for a in split_semi.split_coco(
                coco, num_labeled=3, unit='instances', seed=s)[0]
            ['annotations']
        ]

    assert pick(1) == pick(1)
    assert all(set(pick(s)) <= {2, 5, 1, 11, 8, 10} for s in range(5))
    assert len({tuple(pick(s)) for s in range(6)}) > 1


def test_images_first_takes_the_first_eligible_images_in_file_order():
    coco = _coco_for_instances()
    labeled, unlabeled = split_semi.split_coco(
        coco, num_labeled=2, order='first')
    assert [img['id'] for img in labeled['images']] == [30, 10]
    assert [img['id'] for img in unlabeled['images']] == [20, 40]


def test_mmpose_loads_exactly_the_first_n_instances(tmp_path):
    from mmpose.datasets import CocoDataset
    coco = _coco_for_instances()
    labeled, _ = split_semi.split_coco(
        coco, num_labeled=4, unit='instances', order='first', unlabeled='all')
    path = tmp_path / 'labeled.json'
    path.write_text(json.dumps(labeled))
    dataset = CocoDataset(
        ann_file=str(path),
        data_mode='topdown',
        pipeline=[],
        serialize_data=False)
    assert [dataset.get_data_info(i)['id'] for i in range(len(dataset))] \
        == [2, 5, 1, 11]


def test_cli_paper_protocol_writes_only_the_labeled_file(tmp_path, capsys):
    ann = tmp_path / 'train.json'
    ann.write_text(json.dumps(_coco_for_instances()))
    out = tmp_path / 'first.json'
    assert split_semi.main([
        str(ann), '--unit', 'instances', '--order', 'first', '--num-labeled',
        '3', '--unlabeled', 'all', '--out-labeled',
        str(out)
    ]) == 0
    assert [a['id'] for a in json.loads(out.read_text())['annotations']] \
        == [2, 5, 1]
    assert sorted(p.name
                  for p in tmp_path.iterdir()) == ['first.json', 'train.json']
    text = capsys.readouterr().out
    assert 'first 3 instances' in text
    assert f'{ann} (the input itself)' in text
    # default names carry the unit
    split_semi.main([str(ann), '--unit', 'instances', '--num-labeled', '2'])
    assert (tmp_path / 'train_labeled-2-instances.json').is_file()
    assert (tmp_path / 'train_unlabeled-2-instances.json').is_file()
