"""Arrays kept in one .npz archive and memory-mapped when read back.

A dataset is stored once, as arrays; every later reader (a dataset page, a prediction, each
training process) maps the large ones instead of reading and copying them: the pages come from
the operating system's file cache, shared by all processes, and are only read when touched.

``save`` writes a standard uncompressed .npz (``np.load`` and any zip tool read it) in which
each array's data starts on a 64-byte boundary of the file: a padding extra field in each
member's local header (the way Android's ``zipalign`` does it) puts the member's ``.npy`` at a
multiple of 64, and the ``.npy`` header itself is padded to 64 bytes. ``load`` maps every
stored (uncompressed) member of at least ``MAP_FROM_BYTES`` whose data is aligned for its
dtype, read-only; anything else (small arrays, compressed members, the unaligned arrays of an
archive written by ``np.savez``) is read as ``np.load`` would. Nothing is ever unpickled.
"""
from __future__ import annotations

import struct
import zipfile

import numpy as np

#: members at least this large are memory-mapped (smaller ones are cheaper to read)
MAP_FROM_BYTES = 1 << 20
ALIGN = 64
#: the header id of the padding extra field (Android's zipalign uses the same)
PADDING_ID = 0xD935
_LOCAL_HEADER = struct.Struct("<4s22xHH")     # signature ... file name length, extra length
_ZIP64_EXTRA = 20                              # what zipfile adds to a local header for zip64
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def save(f, arrays: dict) -> None:
    """Write ``arrays`` (``{name: array}``) to the binary file ``f``, opened for writing at its
    start, as an uncompressed .npz with every array's data 64-byte aligned."""
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for key, value in arrays.items():
            value = np.asanyarray(value)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            # The member's data starts after the 30-byte local header, its name and extra
            # fields (ours, then zip64's): pad so that it starts on a multiple of ALIGN.
            start = f.tell() + _LOCAL_HEADER.size + len(info.filename.encode()) + _ZIP64_EXTRA
            pad = -start % ALIGN
            if 0 < pad < 4:                  # an extra field is at least its 4-byte head
                pad += ALIGN
            if pad:
                info.extra = struct.pack("<HH", PADDING_ID, pad - 4) + bytes(pad - 4)
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, value, allow_pickle=False)


def load(path, mmap=True) -> dict:
    """The arrays of the .npz at ``path``, ``{name: array}``; large stored members
    memory-mapped read-only when ``mmap`` (see the module's docstring).

    Raises ``OSError``, ``ValueError`` or ``zipfile.BadZipFile`` for a damaged archive, and
    ``ValueError`` for arrays of Python objects (never unpickled).
    """
    arrays = {}
    with open(path, "rb") as f, zipfile.ZipFile(f) as archive:
        for info in archive.infolist():
            key = info.filename.removesuffix(".npy")
            mapped = _mapped(path, f, info) if mmap else None
            if mapped is None:
                with archive.open(info) as member:
                    mapped = np.lib.format.read_array(member, allow_pickle=False)
            arrays[key] = mapped
    return arrays


def _mapped(path, f, info):
    """The member ``info`` of the archive open as ``f``, memory-mapped; None when it cannot
    or should not be (compressed, encrypted, small, unaligned, not a plain .npy header)."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 \
            or info.file_size < MAP_FROM_BYTES:
        return None
    f.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(f.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"member {info.filename}: bad local header")
    start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    f.seek(start)
    reader = _HEADER_READERS.get(np.lib.format.read_magic(f))
    if reader is None:
        return None
    shape, fortran_order, dtype = reader(f)
    offset = f.tell()
    if dtype.hasobject:
        raise ValueError(f"member {info.filename} holds Python objects; they are never "
                         "unpickled")
    nbytes = dtype.itemsize * int(np.prod(shape, dtype=np.int64))
    if offset % dtype.alignment or offset + nbytes > start + info.file_size or not nbytes:
        return None
    mapped = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                       order="F" if fortran_order else "C")
    return mapped.view(np.ndarray)              # a plain array; its base keeps the mapping
