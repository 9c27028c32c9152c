"""Fail early, in one sentence, when the OpenMMLab stack is outside the
versions mmpose_kd was written and tested against."""
from importlib import metadata

from packaging.version import Version

# (package, lowest supported, first unsupported)
SUPPORTED = (
    ('mmpose', '1.1.0', '1.4.0'),
    ('mmengine', '0.10.0', '0.11.0'),
    ('mmcv', '2.0.1', '2.2.0'),
)


def check_versions(supported=SUPPORTED, version_of=None):
    """Raise ImportError naming the package and the supported range.

    Args:
        supported: tuples ``(name, min_inclusive, max_exclusive)``.
        version_of: callable name -> version string (for tests); defaults to
            the installed distribution's version.
    """
    version_of = version_of or metadata.version
    for name, low, high in supported:
        try:
            found = version_of(name)
        except metadata.PackageNotFoundError:
            raise ImportError(
                f'mmpose_kd needs {name}>={low},<{high}, but {name} is not '
                'installed.') from None
        if not Version(low) <= Version(found) < Version(high):
            raise ImportError(
                f'mmpose_kd supports {name}>={low},<{high}, but {name} '
                f'{found} is installed.')
