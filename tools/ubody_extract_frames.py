"""Extract the UBody frames a training/test split needs, and only those.

The selection (split, protocol, scenes, frame interval) is the one
``UBodyWholeBodyVideoDataset`` uses (the same functions in
``mmpose_kd/datasets/ubody/selection.py``), and the frames are decoded by the
same ``VideoFrameReader``, so a dataset with ``frame_source='extracted'`` reads
exactly the pixels a ``frame_source='video'`` one decodes.

Layout written (the one OSX's ffmpeg script writes too)::

    <frames_root>/<Scene>/<video>/<frame:06d>.png     # frame numbers from 1

Videos are processed in parallel (one process per video at a time). The run
is resumable: frames already on disk are skipped, and a frame is written to a
temporary name and renamed, so an interrupted run leaves no truncated PNG
under a final name. At the end it prints what it could not read (a count and
one line per video) and exits with status 1 if anything failed.

Example::

    python tools/ubody_extract_frames.py data/UBody --split train \\
        --protocol intra --frame-interval 10 --workers 8
"""
import argparse
import os
import os.path as osp
import sys
from multiprocessing import get_context
from typing import List, NamedTuple, Optional, Sequence, Tuple

import cv2
from tqdm import tqdm

# let `python tools/ubody_extract_frames.py` work from a source checkout
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmpose_kd.datasets.ubody import UBodyFrameReadError  # noqa: E402
from mmpose_kd.datasets.ubody import VideoFrameReader  # noqa: E402
from mmpose_kd.datasets.ubody import plan_frames  # noqa: E402
from mmpose_kd.datasets.ubody import SPLIT_LIST_FILES, UBodyFrame  # noqa: E402


class VideoJob(NamedTuple):
    """The frames to extract from one video."""
    scene: str
    video: str
    video_path: str
    frame_numbers: Tuple[int, ...]


class VideoResult(NamedTuple):
    job: VideoJob
    written: int
    skipped: int
    failed: Tuple[Tuple[Optional[int], str], ...]  # (frame or None, why)


def make_jobs(plan: dict,
              videos_root: str,
              video_suffix: str = '.mp4') -> List[VideoJob]:
    """One job per video of a :func:`plan_frames` plan."""
    return [
        VideoJob(
            scene, video,
            UBodyFrame(scene, video, 1).video_path(videos_root, video_suffix),
            tuple(numbers)) for (scene, video), numbers in plan.items()
    ]


def _write_png(path: str, image) -> None:
    # Written under a temporary name and renamed: a crash mid-write must not
    # leave a truncated file that a resumed run would take as done.
    tmp_path = osp.join(osp.dirname(path), f'.{osp.basename(path)}.part.png')
    if not cv2.imwrite(tmp_path, image):
        raise OSError(f'cannot write {tmp_path}')
    os.replace(tmp_path, path)


def extract_video(job: VideoJob, frames_root: str) -> VideoResult:
    """Write the job's missing frames; never raises for unreadable input."""
    targets = [(k, UBodyFrame(job.scene, job.video, k).frame_path(frames_root))
               for k in job.frame_numbers]
    todo = [(k, path) for k, path in targets if not osp.isfile(path)]
    skipped = len(targets) - len(todo)
    if not todo:
        return VideoResult(job, 0, skipped, ())
    if not osp.isfile(job.video_path):
        return VideoResult(job, 0, skipped,
                           ((None, f'video {job.video_path} not found'), ))
    os.makedirs(osp.dirname(todo[0][1]), exist_ok=True)
    reader = VideoFrameReader(max_open=1)
    written, failed = 0, []
    try:
        reader.open(job.video_path)
    except (OSError, UBodyFrameReadError) as err:
        return VideoResult(job, 0, skipped, ((None, str(err)), ))
    try:
        for k, path in todo:  # ascending: decoded forward, no seeking
            try:
                image = reader.read(job.video_path, k)
            except UBodyFrameReadError as err:
                failed.append((k, str(err)))
                continue
            _write_png(path, image)
            written += 1
    finally:
        reader.close()
    return VideoResult(job, written, skipped, tuple(failed))


def _extract_video_star(args):
    return extract_video(*args)


def run_extraction(jobs: Sequence[VideoJob],
                   frames_root: str,
                   workers: int = 1,
                   progress: bool = True) -> List[VideoResult]:
    """Extract all jobs, ``workers`` processes in parallel, with a progress
    bar counting frames."""
    total = sum(len(job.frame_numbers) for job in jobs)
    results = []
    with tqdm(
            total=total, unit='frame', disable=not progress,
            desc='UBody frames') as bar:
        if workers <= 1:
            iterator = (extract_video(job, frames_root) for job in jobs)
            pool = None
        else:
            pool = get_context().Pool(workers)
            iterator = pool.imap_unordered(_extract_video_star,
                                           [(job, frames_root)
                                            for job in jobs])
        try:
            for result in iterator:
                results.append(result)
                bar.update(len(result.job.frame_numbers))
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    return results


def summarize(results: Sequence[VideoResult]) -> Tuple[str, int]:
    """A text summary and the number of frames that could not be read."""
    written = sum(r.written for r in results)
    skipped = sum(r.skipped for r in results)
    bad = [r for r in results if r.failed]
    failed_frames = 0
    lines = []
    for result in sorted(bad, key=lambda r: r.job.video_path):
        whole_video = any(k is None for k, _ in result.failed)
        count = (
            len(result.job.frame_numbers) -
            result.skipped if whole_video else len(result.failed))
        failed_frames += count
        frames = ('all frames' if whole_video else 'frames ' +
                  ', '.join(str(k) for k, _ in result.failed[:10]) +
                  (' ...' if len(result.failed) > 10 else ''))
        lines.append(f'  {result.job.scene}/{result.job.video}: {count} '
                     f'frame(s) not read ({frames}): {result.failed[0][1]}')
    head = (f'extracted {written} frame(s), {skipped} already present, '
            f'{failed_frames} could not be read in {len(bad)} video(s)')
    return '\n'.join([head] + lines), failed_frames


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Extract the UBody frames a split needs '
        '(<frames_root>/<Scene>/<video>/<frame:06d>.png).')
    parser.add_argument(
        'data_root', help='UBody folder (annotations/, '
        'videos/, splits/)')
    parser.add_argument(
        '--frames-root',
        default=None,
        help='where to write frames (default: '
        '<data_root>/images, the dataset\'s default)')
    parser.add_argument(
        '--split', choices=['train', 'test', 'all'], default='train')
    parser.add_argument(
        '--protocol', choices=sorted(SPLIT_LIST_FILES), default='intra')
    parser.add_argument(
        '--frame-interval',
        type=int,
        default=1,
        help='keep frames 1, 1+N, 1+2N... of every video '
        '(same as the dataset\'s frame_interval)')
    parser.add_argument(
        '--scenes',
        nargs='+',
        default=None,
        help='scenes to extract (default: all found)')
    parser.add_argument(
        '--workers', type=int, default=max(1, (os.cpu_count() or 2) // 2))
    parser.add_argument('--annotations-dir', default='annotations')
    parser.add_argument('--videos-dir', default='videos')
    parser.add_argument('--splits-dir', default='splits')
    parser.add_argument('--video-suffix', default='.mp4')
    parser.add_argument('--no-progress', action='store_true')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)

    def under_root(path):
        return path if osp.isabs(path) else osp.join(args.data_root, path)

    frames_root = args.frames_root or osp.join(args.data_root, 'images')
    plan = plan_frames(
        under_root(args.annotations_dir), under_root(args.splits_dir),
        args.scenes, args.split, args.protocol, args.frame_interval)
    jobs = make_jobs(plan, under_root(args.videos_dir), args.video_suffix)
    print(f'{sum(len(j.frame_numbers) for j in jobs)} frame(s) of '
          f'{len(jobs)} video(s) selected (split={args.split}, '
          f'protocol={args.protocol}, frame_interval={args.frame_interval}) '
          f'-> {frames_root}')
    results = run_extraction(
        jobs, frames_root, args.workers, progress=not args.no_progress)
    summary, failed = summarize(results)
    print(summary)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
