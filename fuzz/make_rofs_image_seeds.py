#!/usr/bin/env python3
"""Writes small ROFS images (docs/rofs.md) into fuzz/corpus/rofs_image/ as fuzzer seeds.

A second, independent writer of the format, from the spec alone: if the spec and the
reader disagree, these seeds stop mounting and the fuzzer's coverage collapses early.
Images built by `tessera image build` are added to the corpus next to these (seed names
starting with "built-").

    fuzz/make_rofs_image_seeds.py [OUT_DIR]
"""
import os
import struct
import sys
from collections import deque

MAGIC = b"TESSROFS"
DIRECTORY, REGULAR, SYMLINK = 0o040000, 0o100000, 0o120000
PAGE_ALIGNED = 1


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def align(value, alignment):
    return (value + alignment - 1) // alignment * alignment


def build(tree, alignment=8, page_aligned=False):
    """tree: dict name -> bytes (file) | ("link", target) | dict (directory)."""
    # Breadth first: each directory's children, in bytewise name order, get the next inode
    # numbers and the next entries, so entry i names inode i + 1.
    inodes = [(DIRECTORY | 0o755, 0, tree)]  # (mode, parent, payload)
    entries = []  # (name, child)
    ranges = {}
    queue = deque([0])
    while queue:
        number = queue.popleft()
        children = inodes[number][2]
        ranges[number] = (len(entries), len(children))
        for name in sorted(children, key=lambda n: n.encode()):
            value = children[name]
            child = len(inodes)
            if isinstance(value, dict):
                inodes.append((DIRECTORY | 0o755, number, value))
                queue.append(child)
            elif isinstance(value, tuple):
                inodes.append((SYMLINK | 0o777, 0, value[1].encode()))
            else:
                inodes.append((REGULAR | 0o644, 0, value))
            entries.append((name.encode(), child))

    strings = bytearray()
    name_offsets = []
    for name, _ in entries:
        name_offsets.append(len(strings))
        strings += name
    target_offsets = {}
    for number, (mode, _, payload) in enumerate(inodes):
        if mode & 0o170000 == SYMLINK:
            target_offsets[number] = len(strings)
            strings += payload

    inode_table = 128
    entry_table = inode_table + 64 * len(inodes)
    string_table = entry_table + 16 * len(entries)
    metadata_size = string_table + len(strings)
    data_offset = align(metadata_size, alignment)
    cursor = data_offset
    data_offsets = {}
    for number, (mode, _, payload) in enumerate(inodes):
        if mode & 0o170000 == REGULAR and payload:
            cursor = align(cursor, alignment)
            data_offsets[number] = cursor
            cursor += len(payload)
    image_size = cursor

    image = bytearray(image_size)
    for number, (mode, parent, payload) in enumerate(inodes):
        kind = mode & 0o170000
        crc = 0
        if kind == DIRECTORY:
            offset, size = ranges[number]
        elif kind == REGULAR:
            size, offset = len(payload), data_offsets.get(number, 0)
            crc = crc32c(payload)
            image[offset:offset + size] = payload
        else:
            size, offset = len(payload), target_offsets[number]
        struct.pack_into("<HHIIIqQQII16x", image, inode_table + 64 * number, mode, 0, 0, 0, parent,
                         1_600_000_000_000_000_000, size, offset, crc, 0)
    for index, (name, child) in enumerate(entries):
        struct.pack_into("<IHHII", image, entry_table + 16 * index, name_offsets[index], len(name), 0, child, 0)
    image[string_table:string_table + len(strings)] = strings

    struct.pack_into("<8sHHIIIIIQQQIIQIIQQQQq8x", image, 0, MAGIC, 1, 0, 128,
                     PAGE_ALIGNED if page_aligned else 0, 0, alignment, 0, image_size, metadata_size,
                     inode_table, len(inodes), 64, entry_table, len(entries), 16, string_table, len(strings),
                     data_offset, image_size - data_offset, 1_700_000_000_000_000_000)
    struct.pack_into("<I", image, 28, crc32c(bytes(image[:metadata_size])))
    return bytes(image)


def deep(depth):
    tree = {"leaf": b"bottom\n"}
    for _ in range(depth):
        tree = {"d": tree}
    return tree


SEEDS = {
    "empty_root": ({}, {}),
    "one_file": ({"hello.txt": b"hello, world\n"}, {}),
    "small_tree": ({
        "etc": {"tessera": {"kernel.conf": b"log.level=debug\ndemo.threads=4\n"}},
        "app": {"demo": {"README": b"The demo application.\n" * 8, "empty": b""}},
        "config": ("link", "/etc/tessera/kernel.conf"),
        "readme": ("link", "app/demo/README"),
        "loop": ("link", "loop"),
    }, {}),
    "odd_names": ({
        "with space": b"1", "-dash": b"2", "\u00e9t\u00e9": b"3", "a": b"4", "a0": b"5", "Z": b"6",
        "n" * 255: b"long name", "dangling": ("link", "../nowhere"),
    }, {}),
    "deep": (deep(12), {}),
    "page_aligned": ({"a": b"A" * 100, "b": b"B" * 10, "empty": b""}, {"alignment": 4096, "page_aligned": True}),
    "wide": ({"f%03d" % i: bytes([i]) for i in range(60)}, {"alignment": 1}),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "rofs_image")
    os.makedirs(out, exist_ok=True)
    for name, (tree, options) in SEEDS.items():
        with open(os.path.join(out, name + ".img"), "wb") as f:
            f.write(build(tree, **options))
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
