"""Record what a method returns while another method calls it.

mmpose heads compute their training loss in ``head.loss(feats, ...)``, which
calls ``self.forward(feats)`` internally. The distiller needs those same
logits for logit distillation; recording them avoids a second head forward
and works for every head type (SimCC, heatmap, ...)."""
from contextlib import contextmanager


class MethodOutputRecorder:
    """Holds the outputs recorded by :func:`record_method_output`."""

    def __init__(self):
        self.outputs = []

    @property
    def output(self):
        if not self.outputs:
            raise RuntimeError('the recorded method was never called')
        return self.outputs[-1]


@contextmanager
def record_method_output(obj, method_name: str):
    """Within the block, calls of ``obj.<method_name>`` are recorded."""
    original = getattr(obj, method_name)
    recorder = MethodOutputRecorder()

    def recording(*args, **kwargs):
        out = original(*args, **kwargs)
        recorder.outputs.append(out)
        return out

    # An instance attribute shadows the class method for this object only.
    setattr(obj, method_name, recording)
    try:
        yield recorder
    finally:
        delattr(obj, method_name)
