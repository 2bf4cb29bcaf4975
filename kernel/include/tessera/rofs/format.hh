#pragma once
// The on-disk layout of a Tessera ROFS image, version 1 (specified in docs/rofs.md).
// Shared by the kernel's reader and the host's builder. All integers little-endian.
//
//   [superblock 128 B][inode table][directory entry table][string table]  <- metadata, CRC32C
//   [file data, each file contiguous and aligned to data_alignment]
//
// Inode 0 is the root directory. Directory entries of one directory are contiguous and
// sorted by name (bytewise, shorter first on a tie), so lookup is a binary search. A child
// directory's inode number is always greater than its parent's: a path can never loop.
// Every inode but the root has exactly one name: entry i of the entry table names inode
// i + 1 (a breadth-first layout), so the directories form a tree.
// The image is mapped 8-byte aligned and table offsets are multiples of 8, so these
// structs are read in place. Every check a reader makes is listed in docs/rofs.md.
#include <stddef.h>
#include <stdint.h>

namespace tessera::rofs {

inline constexpr uint8_t kMagic[8] = {'T', 'E', 'S', 'S', 'R', 'O', 'F', 'S'};
inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;

// Feature flags. An unknown bit in incompatible_features refuses the mount; unknown
// compatible bits are ignored.
namespace feature {
inline constexpr uint32_t kPageAlignedData = 1u << 0;  // compatible: every file starts on a 4 KiB boundary
inline constexpr uint32_t kKnownCompatible = kPageAlignedData;
inline constexpr uint32_t kKnownIncompatible = 0;
}  // namespace feature

// Limits enforced by both the builder and the kernel.
namespace limit {
inline constexpr uint32_t kMaxNameLength = 255;
inline constexpr uint32_t kMaxSymlinkLength = 4095;
inline constexpr uint32_t kMaxPathDepth = 64;      // components in a resolved path
inline constexpr uint32_t kMaxSymlinkHops = 40;
inline constexpr uint32_t kMaxInodes = 1u << 24;
inline constexpr uint32_t kMaxEntries = 1u << 24;
inline constexpr uint64_t kMaxStringTable = 1ull << 30;
inline constexpr uint64_t kMaxImageSize = 1ull << 40;
inline constexpr uint32_t kMaxDataAlignment = 1u << 16;
}  // namespace limit

// Inode type, in mode bits 12..15 as POSIX st_mode does.
namespace mode {
inline constexpr uint16_t kTypeMask = 0170000;
inline constexpr uint16_t kDirectory = 0040000;
inline constexpr uint16_t kRegular = 0100000;
inline constexpr uint16_t kSymlink = 0120000;
inline constexpr uint16_t kPermissionMask = 07777;
}  // namespace mode

struct Superblock {
  uint8_t magic[8];
  uint16_t version_major;
  uint16_t version_minor;
  uint32_t superblock_size;          // sizeof(Superblock)
  uint32_t compatible_features;
  uint32_t incompatible_features;
  uint32_t data_alignment;           // power of two, 1..kMaxDataAlignment
  uint32_t metadata_crc32c;          // CRC32C of [0, metadata_size) with this field zeroed
  uint64_t image_size;               // total bytes; the image may not be shorter
  uint64_t metadata_size;            // superblock + tables (+ padding), <= data_offset
  uint64_t inode_table_offset;
  uint32_t inode_count;
  uint32_t inode_size;               // sizeof(Inode)
  uint64_t entry_table_offset;
  uint32_t entry_count;              // always inode_count - 1
  uint32_t entry_size;               // sizeof(DirectoryEntry)
  uint64_t string_table_offset;
  uint64_t string_table_size;
  uint64_t data_offset;              // first byte of file data, aligned to data_alignment
  uint64_t data_size;
  int64_t build_time_ns;             // SOURCE_DATE_EPOCH or fixed; informational
  uint8_t reserved[8];
};
static_assert(sizeof(Superblock) == 128);

struct Inode {
  uint16_t mode;          // type and permission bits
  uint16_t reserved0;
  uint32_t uid;
  uint32_t gid;
  uint32_t parent;        // directories: parent's inode number (root: 0); others: 0
  int64_t mtime_ns;
  uint64_t size;          // regular: bytes; directory: entry count; symlink: target length
  uint64_t offset;        // regular: image offset of the data (0 when empty); directory: first entry index;
                          // symlink: string table offset of the target
  uint32_t data_crc32c;   // regular: CRC32C of the data; others: 0
  uint32_t reserved1;
  uint8_t reserved2[16];
};
static_assert(sizeof(Inode) == 64);

struct DirectoryEntry {
  uint32_t name_offset;   // into the string table
  uint16_t name_length;   // 1..kMaxNameLength; no '/' or NUL; not "." or ".."
  uint16_t reserved;
  uint32_t inode;         // always this entry's table index + 1
  uint32_t reserved2;
};
static_assert(sizeof(DirectoryEntry) == 16);

}  // namespace tessera::rofs
