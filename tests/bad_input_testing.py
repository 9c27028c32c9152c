"""Shared by the bad-input tests: a copy of the tiny synthetic data with one
training image deleted and one cut in half."""
import json
import os
import os.path as osp
import shutil

TRAIN_ANN = 'annotations/coco_wholebody_train_v1.0.json'


def damaged_copy(src, dst):
    """Copy the synthetic data set ``src`` to ``dst``, delete the first
    training image and truncate the second to half its bytes.

    Returns ``(missing_path, corrupt_path, bad_instances)``: the two paths
    and the number of annotated people in those two images."""
    shutil.copytree(str(src), str(dst))
    with open(osp.join(dst, TRAIN_ANN)) as f:
        coco = json.load(f)
    first, second = coco['images'][:2]
    missing = osp.join(str(dst), 'train2017', first['file_name'])
    corrupt = osp.join(str(dst), 'train2017', second['file_name'])
    os.remove(missing)
    with open(corrupt, 'rb') as f:
        data = f.read()
    with open(corrupt, 'wb') as f:
        f.write(data[:len(data) // 2])
    bad_ids = {first['id'], second['id']}
    bad_instances = sum(ann['image_id'] in bad_ids
                        for ann in coco['annotations'])
    return missing, corrupt, bad_instances
