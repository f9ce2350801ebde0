"""Dataset arrays in one .npz, memory-mapped when read back (nncore/data/npzfiles.py)."""
import zipfile

import numpy as np
import pytest

from nncore.data import npzfiles

BIG = npzfiles.MAP_FROM_BYTES


def arrays():
    rng = np.random.default_rng(0)
    return {
        "X": rng.integers(0, 256, size=(BIG // 100 + 7, 100), dtype=np.uint8),
        "floats": rng.normal(size=(BIG // 4 // 33 + 3, 33)).astype(np.float32),
        "fortran": np.asfortranarray(rng.normal(size=(BIG // 8 // 50 + 1, 50))),
        "y": np.arange(10, dtype=np.int64),
        "classes": np.array(["1", "10", "two"]),
        "encoding": np.array('{"label": "digit"}'),
        "empty": np.zeros((0, 4)),
    }


def save(path, data):
    with open(path, "wb") as f:
        npzfiles.save(f, data)


def test_a_saved_archive_is_a_standard_npz(tmp_path):
    data = arrays()
    save(tmp_path / "a.npz", data)
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        assert archive.testzip() is None
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    with np.load(tmp_path / "a.npz", allow_pickle=False) as f:
        assert sorted(f.files) == sorted(data)
        for key, value in data.items():
            assert np.array_equal(f[key], value) and f[key].dtype == value.dtype, key


def test_large_members_are_mapped_read_only_and_aligned(tmp_path):
    data = arrays()
    save(tmp_path / "a.npz", data)
    loaded = npzfiles.load(tmp_path / "a.npz")
    for key, value in data.items():
        assert np.array_equal(loaded[key], value) and loaded[key].dtype == value.dtype, key
        assert type(loaded[key]) is np.ndarray
    for key in ("X", "floats", "fortran"):
        assert isinstance(loaded[key].base, np.memmap), key
        assert not loaded[key].flags.writeable and loaded[key].ctypes.data % 64 == 0
    assert loaded["fortran"].flags.f_contiguous
    for key in ("y", "classes", "encoding", "empty"):   # small: read, not mapped
        assert not isinstance(loaded[key].base, np.memmap), key
    with pytest.raises(ValueError):
        loaded["X"][0, 0] = 1
    unmapped = npzfiles.load(tmp_path / "a.npz", mmap=False)
    assert unmapped["X"].flags.writeable and np.array_equal(unmapped["X"], data["X"])


def test_archives_written_by_numpy_are_read_too(tmp_path):
    """Datasets stored before npzfiles (np.savez): what is aligned is mapped, the rest read."""
    data = arrays()
    np.savez(tmp_path / "old.npz", **data)
    np.savez_compressed(tmp_path / "compressed.npz", **data)
    for name in ("old.npz", "compressed.npz"):
        loaded = npzfiles.load(tmp_path / name)
        for key, value in data.items():
            assert np.array_equal(loaded[key], value), (name, key)
    old = npzfiles.load(tmp_path / "old.npz")
    assert isinstance(old["X"].base, np.memmap)           # bytes need no alignment
    compressed = npzfiles.load(tmp_path / "compressed.npz")
    assert not any(isinstance(a.base, np.memmap) for a in compressed.values())


def test_object_arrays_are_never_unpickled(tmp_path):
    np.savez(tmp_path / "objects.npz", X=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError):
        npzfiles.load(tmp_path / "objects.npz")


def test_a_damaged_archive_raises(tmp_path):
    save(tmp_path / "a.npz", arrays())
    data = (tmp_path / "a.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises((zipfile.BadZipFile, ValueError, OSError)):
        npzfiles.load(tmp_path / "cut.npz")
