from importlib import metadata

import pytest

from mmpose_kd.utils.version_check import SUPPORTED, check_versions


def fake(versions):

    def version_of(name):
        if name not in versions:
            raise metadata.PackageNotFoundError(name)
        return versions[name]

    return version_of


def test_installed_stack_is_supported():
    check_versions()


def test_too_new_names_package_and_range():
    with pytest.raises(ImportError) as e:
        check_versions(
            version_of=fake(
                dict(mmpose='1.4.0', mmengine='0.10.7', mmcv='2.1.0')))
    msg = str(e.value)
    assert 'mmpose>=1.1.0,<1.4.0' in msg and '1.4.0 is installed' in msg


def test_too_old_mmcv():
    with pytest.raises(ImportError, match=r'mmcv>=2.0.1,<2.2.0.*2\.2\.0'):
        check_versions(
            version_of=fake(
                dict(mmpose='1.3.2', mmengine='0.10.7', mmcv='2.2.0')))


def test_missing_package():
    with pytest.raises(ImportError, match='mmengine is not installed'):
        check_versions(version_of=fake(dict(mmpose='1.3.2')))


def test_supported_table_names_the_three_packages():
    assert {n for n, _, _ in SUPPORTED} == {'mmpose', 'mmengine', 'mmcv'}
