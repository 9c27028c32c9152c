from .atomic_checkpoint_hook import AtomicCheckpointHook  # noqa: F401
from .distill_schedule_hook import DistillScheduleHook  # noqa: F401
from .distill_schedule_hook import TrainingProgressHook  # noqa: F401
from .export_student_hook import ExportStudentHook  # noqa: F401
from .pcm_snapshot_hook import PCMSnapshotHook  # noqa: F401
from .random_state_hook import RandomStateHook  # noqa: F401
from .skipped_image_count_hook import SkippedImageCountHook  # noqa: F401
from .sspcm_visualization_hook import SSPCMVisualizationHook  # noqa: F401
