#include "fs/rofs/rofs_image.hh"

#include "lib/crc32c.hh"

// The checks and their messages are numbered in docs/rofs.md ("Checks"); the comments
// below cite those numbers. tests/unit/rofs_bad_image_test.cc has one image per check.

namespace tessera::rofs {
namespace {

using ull = unsigned long long;
constexpr ull u(uint64_t value) { return value; }

constexpr size_t kCrcFieldOffset = __builtin_offsetof(Superblock, metadata_crc32c);

// [offset, +size) lies inside [lower, upper), the end computed without wrapping.
bool range_within(uint64_t offset, uint64_t size, uint64_t lower, uint64_t upper) {
  uint64_t end;
  return offset >= lower && ktl::checked_add(offset, size, end) && end <= upper;
}

bool has_bad_name_byte(ktl::StringView name) {
  for (char c : name)
    if (c == '/' || c == '\0') return true;
  return false;
}

uint16_t type_of(const Inode& inode) { return inode.mode & mode::kTypeMask; }

uint32_t metadata_checksum(ktl::Bytes image, uint64_t metadata_size) {
  static constexpr uint8_t kZeroField[sizeof(Superblock::metadata_crc32c)] = {};
  Crc32c crc;
  crc.update(image.subspan(0, kCrcFieldOffset));
  crc.update(ktl::Bytes(kZeroField));
  size_t rest = kCrcFieldOffset + sizeof(kZeroField);
  crc.update(image.subspan(rest, metadata_size - rest));
  return crc.value();
}

Result<void> check_superblock_fields(const Superblock& sb, size_t mapped) {
  if (__builtin_memcmp(sb.magic, kMagic, sizeof(kMagic)) != 0)  // M3
    return Error::with_message(kEINVAL, "rofs: bad magic: not a ROFS image");
  if (sb.version_major != kVersionMajor)  // M4
    return Error::with_message(kENOTSUP, "rofs: unsupported version %u.%u (this reader reads %u.x)", sb.version_major,
                               sb.version_minor, kVersionMajor);
  if (sb.superblock_size != sizeof(Superblock))  // M5
    return Error::with_message(kEINVAL, "rofs: superblock_size %u, expected %zu", sb.superblock_size,
                               sizeof(Superblock));
  if (sb.inode_size != sizeof(Inode))  // M6
    return Error::with_message(kEINVAL, "rofs: inode_size %u, expected %zu", sb.inode_size, sizeof(Inode));
  if (sb.entry_size != sizeof(DirectoryEntry))  // M7
    return Error::with_message(kEINVAL, "rofs: entry_size %u, expected %zu", sb.entry_size, sizeof(DirectoryEntry));
  if (uint32_t unknown = sb.incompatible_features & ~feature::kKnownIncompatible)  // M8
    return Error::with_message(kENOTSUP, "rofs: unknown incompatible features 0x%x", unknown);
  if (sb.image_size > limit::kMaxImageSize)  // M9
    return Error::with_message(kEINVAL, "rofs: image_size %llu exceeds the limit %llu", u(sb.image_size),
                               u(limit::kMaxImageSize));
  if (sb.image_size > mapped)  // M10
    return Error::with_message(kEINVAL, "rofs: image_size %llu but only %zu bytes are mapped (truncated image?)",
                               u(sb.image_size), mapped);
  if (sb.metadata_size < sizeof(Superblock) || sb.metadata_size > sb.image_size)  // M11
    return Error::with_message(kEINVAL, "rofs: metadata_size %llu outside [128, image_size %llu]", u(sb.metadata_size),
                               u(sb.image_size));
  return {};
}

Result<void> check_geometry(const Superblock& sb) {
  uint32_t alignment = sb.data_alignment;
  if (!ktl::is_power_of_two(alignment) || alignment > limit::kMaxDataAlignment)  // M13
    return Error::with_message(kEINVAL, "rofs: data_alignment %u is not a power of two in [1, %u]", alignment,
                               limit::kMaxDataAlignment);
  if ((sb.compatible_features & feature::kPageAlignedData) && alignment < 4096)  // M14
    return Error::with_message(kEINVAL, "rofs: page_aligned_data set but data_alignment is %u", alignment);
  if (sb.inode_count < 1 || sb.inode_count > limit::kMaxInodes)  // M15
    return Error::with_message(kEINVAL, "rofs: inode_count %u outside [1, %u]", sb.inode_count, limit::kMaxInodes);
  if (sb.entry_count != sb.inode_count - 1)  // M16
    return Error::with_message(kEINVAL, "rofs: entry_count %u, must be inode_count - 1 = %u", sb.entry_count,
                               sb.inode_count - 1);
  if (sb.string_table_size > limit::kMaxStringTable)  // M17
    return Error::with_message(kEINVAL, "rofs: string_table_size %llu exceeds the limit %llu", u(sb.string_table_size),
                               u(limit::kMaxStringTable));
  if (sb.inode_table_offset % 8 != 0)  // M18
    return Error::with_message(kEINVAL, "rofs: inode table offset %llu is not 8-byte aligned",
                               u(sb.inode_table_offset));
  if (sb.entry_table_offset % 8 != 0)  // M18
    return Error::with_message(kEINVAL, "rofs: entry table offset %llu is not 8-byte aligned",
                               u(sb.entry_table_offset));

  // The counts are bounded above, so these products cannot overflow.
  uint64_t inode_bytes = uint64_t{sb.inode_count} * sizeof(Inode);
  uint64_t entry_bytes = uint64_t{sb.entry_count} * sizeof(DirectoryEntry);
  if (!range_within(sb.inode_table_offset, inode_bytes, sizeof(Superblock), sb.metadata_size))  // M19
    return Error::with_message(kEINVAL, "rofs: inode table [%llu, +%llu) outside [128, metadata_size %llu)",
                               u(sb.inode_table_offset), u(inode_bytes), u(sb.metadata_size));
  uint64_t inode_end = sb.inode_table_offset + inode_bytes;
  if (!range_within(sb.entry_table_offset, entry_bytes, inode_end, sb.metadata_size))  // M20
    return Error::with_message(kEINVAL,
                               "rofs: entry table [%llu, +%llu) outside [inode table end %llu, metadata_size %llu)",
                               u(sb.entry_table_offset), u(entry_bytes), u(inode_end), u(sb.metadata_size));
  uint64_t entry_end = sb.entry_table_offset + entry_bytes;
  if (!range_within(sb.string_table_offset, sb.string_table_size, entry_end, sb.metadata_size))  // M21
    return Error::with_message(kEINVAL,
                               "rofs: string table [%llu, +%llu) outside [entry table end %llu, metadata_size %llu)",
                               u(sb.string_table_offset), u(sb.string_table_size), u(entry_end), u(sb.metadata_size));
  if (sb.data_offset % alignment != 0)  // M22
    return Error::with_message(kEINVAL, "rofs: data_offset %llu is not a multiple of data_alignment %u",
                               u(sb.data_offset), alignment);
  if (!range_within(sb.data_offset, sb.data_size, sb.metadata_size, sb.image_size))  // M23
    return Error::with_message(kEINVAL, "rofs: data area [%llu, +%llu) outside [metadata_size %llu, image_size %llu)",
                               u(sb.data_offset), u(sb.data_size), u(sb.metadata_size), u(sb.image_size));
  return {};
}

}  // namespace

Result<RofsImage> RofsImage::try_open(ktl::Bytes image, OpenOptions options) {
  if (reinterpret_cast<uintptr_t>(image.data()) % 8 != 0)  // M1
    return Error::with_message(kEINVAL, "rofs: image address %p is not 8-byte aligned",
                               static_cast<const void*>(image.data()));
  if (image.size() < sizeof(Superblock))  // M2
    return Error::with_message(kEINVAL, "rofs: image is %zu bytes, smaller than the 128-byte superblock", image.size());
  const auto& sb = *reinterpret_cast<const Superblock*>(image.data());
  TRY(check_superblock_fields(sb, image.size()));
  if (options.verify_metadata_checksum) {  // M12
    uint32_t computed = metadata_checksum(image, sb.metadata_size);
    if (computed != sb.metadata_crc32c)
      return Error::with_message(kEBADMSG, "rofs: metadata checksum mismatch: superblock says 0x%08x, computed 0x%08x",
                                 sb.metadata_crc32c, computed);
  }
  TRY(check_geometry(sb));

  RofsImage result;
  result.image_ = image.subspan(0, sb.image_size);
  result.superblock_ = &sb;
  TRY(result.inode(0));  // M24
  return result;
}

const Inode& RofsImage::raw_inode(uint32_t number) const {
  return reinterpret_cast<const Inode*>(image_.data() + superblock_->inode_table_offset)[number];
}

const DirectoryEntry& RofsImage::raw_entry(const Inode& directory, uint64_t index) const {
  return reinterpret_cast<const DirectoryEntry*>(image_.data() +
                                                 superblock_->entry_table_offset)[directory.offset + index];
}

Result<const Inode*> RofsImage::inode(uint32_t number) const {
  const Superblock& sb = *superblock_;
  if (number >= sb.inode_count)  // I1
    return Error::with_message(kEINVAL, "rofs: inode %u out of range (inode_count %u)", number, sb.inode_count);
  const Inode& node = raw_inode(number);
  unsigned mode = node.mode;
  if (number == 0 && type_of(node) != mode::kDirectory)  // I3
    return Error::with_message(kEINVAL, "rofs: inode 0: root is not a directory (mode %#o)", mode);

  switch (type_of(node)) {
    case mode::kDirectory:
      if (number == 0 && node.parent != 0)  // I4
        return Error::with_message(kEINVAL, "rofs: inode 0: root's parent is %u, must be 0", node.parent);
      if (number != 0 && node.parent >= number)  // I5
        return Error::with_message(kEINVAL, "rofs: inode %u: parent %u is not a lower inode number", number,
                                   node.parent);
      if (number != 0 && type_of(raw_inode(node.parent)) != mode::kDirectory)  // I6
        return Error::with_message(kEINVAL, "rofs: inode %u: parent %u is not a directory", number, node.parent);
      if (!range_within(node.offset, node.size, 0, sb.entry_count))  // I8
        return Error::with_message(kEINVAL,
                                   "rofs: inode %u: entries [%llu, +%llu) outside the entry table (entry_count %u)",
                                   number, u(node.offset), u(node.size), sb.entry_count);
      return &node;
    case mode::kRegular: {
      if (node.parent != 0)  // I7
        return Error::with_message(kEINVAL, "rofs: inode %u: parent %u set on a non-directory", number, node.parent);
      if (node.size == 0) {
        if (node.offset != 0)  // I9
          return Error::with_message(kEINVAL, "rofs: inode %u: empty file has data offset %llu, must be 0", number,
                                     u(node.offset));
        return &node;
      }
      if (node.offset % sb.data_alignment != 0)  // I10
        return Error::with_message(kEINVAL, "rofs: inode %u: data offset %llu is not a multiple of data_alignment %u",
                                   number, u(node.offset), sb.data_alignment);
      uint64_t data_end = sb.data_offset + sb.data_size;                    // checked at mount
      if (!range_within(node.offset, node.size, sb.data_offset, data_end))  // I11
        return Error::with_message(kEINVAL, "rofs: inode %u: data [%llu, +%llu) outside the data area [%llu, %llu)",
                                   number, u(node.offset), u(node.size), u(sb.data_offset), u(data_end));
      return &node;
    }
    case mode::kSymlink:
      if (node.parent != 0)  // I7
        return Error::with_message(kEINVAL, "rofs: inode %u: parent %u set on a non-directory", number, node.parent);
      if (node.size < 1 || node.size > limit::kMaxSymlinkLength)  // I12
        return Error::with_message(kEINVAL, "rofs: inode %u: symlink target length %llu outside [1, %u]", number,
                                   u(node.size), limit::kMaxSymlinkLength);
      if (!range_within(node.offset, node.size, 0, sb.string_table_size))  // I13
        return Error::with_message(kEINVAL,
                                   "rofs: inode %u: symlink target [%llu, +%llu) outside the string table (size %llu)",
                                   number, u(node.offset), u(node.size), u(sb.string_table_size));
      return &node;
    default:  // I2
      return Error::with_message(kEINVAL, "rofs: inode %u: invalid file type in mode %#o", number, mode);
  }
}

Result<const Inode*> RofsImage::directory_inode(uint32_t number) const {
  const Inode* node = TRY(inode(number));
  if (type_of(*node) != mode::kDirectory)
    return Error::with_message(kENOTDIR, "rofs: inode %u is not a directory", number);
  return node;
}

Result<ktl::StringView> RofsImage::checked_name(uint32_t directory, const Inode& node, uint64_t index) const {
  const DirectoryEntry& entry = raw_entry(node, index);
  const Superblock& sb = *superblock_;
  if (entry.name_length < 1 || entry.name_length > limit::kMaxNameLength)  // E2
    return Error::with_message(kEINVAL, "rofs: directory %u entry %llu: name length %u outside [1, %u]", directory,
                               u(index), entry.name_length, limit::kMaxNameLength);
  if (!range_within(entry.name_offset, entry.name_length, 0, sb.string_table_size))  // E1
    return Error::with_message(kEINVAL,
                               "rofs: directory %u entry %llu: name [%u, +%u) outside the string table (size %llu)",
                               directory, u(index), entry.name_offset, entry.name_length, u(sb.string_table_size));
  ktl::StringView name(reinterpret_cast<const char*>(image_.data() + sb.string_table_offset + entry.name_offset),
                       entry.name_length);
  if (has_bad_name_byte(name))  // E3
    return Error::with_message(kEINVAL, "rofs: directory %u entry %llu: name contains '/' or a NUL byte", directory,
                               u(index));
  bool dots = name[0] == '.' && (name.length() == 1 || (name.length() == 2 && name[1] == '.'));
  if (dots)  // E4
    return Error::with_message(kEINVAL, "rofs: directory %u entry %llu: name is '.' or '..'", directory, u(index));
  return name;
}

Result<uint32_t> RofsImage::checked_child(uint32_t directory, const Inode& node, uint64_t index) const {
  uint32_t child = raw_entry(node, index).inode;
  // One name per inode makes the directory graph a tree, so a walk of the whole image is
  // linear; a second name for a directory could otherwise make it exponential.
  uint64_t table_index = node.offset + index;
  if (child != table_index + 1)  // E5
    return Error::with_message(
        kEINVAL, "rofs: directory %u entry %llu: names inode %u, but entry table index %llu must name inode %llu",
        directory, u(index), child, u(table_index), u(table_index + 1));
  // Checked before the child's own checks, which would otherwise report a symptom (I5).
  bool is_directory = type_of(raw_inode(child)) == mode::kDirectory;
  if (is_directory && child <= directory)  // E6
    return Error::with_message(kEINVAL, "rofs: directory %u entry %llu: child directory %u is not numbered above it",
                               directory, u(index), child);
  const Inode* child_inode = TRY(inode(child));          // E9
  if (is_directory && child_inode->parent != directory)  // E7
    return Error::with_message(kEINVAL, "rofs: directory %u entry %llu: child directory %u says its parent is %u",
                               directory, u(index), child, child_inode->parent);
  return child;
}

static Error unsorted(uint32_t directory, uint64_t first, uint64_t second) {  // E8
  return Error::with_message(kEINVAL, "rofs: directory %u entries %llu and %llu are not in strictly increasing order",
                             directory, u(first), u(second));
}

Result<uint32_t> RofsImage::lookup(uint32_t directory, ktl::StringView name) const {
  const Inode& node = *TRY(directory_inode(directory));
  // Every probe must fall strictly between the nearest names already probed on each
  // side; otherwise the directory is unsorted and the search's answer would be arbitrary.
  uint64_t low = 0, high = node.size;
  ktl::StringView low_name, high_name;
  bool have_low = false, have_high = false;
  while (low < high) {
    uint64_t middle = low + (high - low) / 2;
    ktl::StringView probe = TRY(checked_name(directory, node, middle));
    if (have_low && compare(low_name, probe) >= 0) return unsorted(directory, low - 1, middle);
    if (have_high && compare(probe, high_name) >= 0) return unsorted(directory, middle, high);
    int order = compare(probe, name);
    if (order == 0) {
      if (middle > 0 && compare(TRY(checked_name(directory, node, middle - 1)), probe) >= 0)
        return unsorted(directory, middle - 1, middle);
      if (middle + 1 < node.size && compare(probe, TRY(checked_name(directory, node, middle + 1))) >= 0)
        return unsorted(directory, middle, middle + 1);
      return checked_child(directory, node, middle);
    }
    if (order < 0) {
      low = middle + 1;
      low_name = probe;
      have_low = true;
    } else {
      high = middle;
      high_name = probe;
      have_high = true;
    }
  }
  return Error::from_code(kENOENT);
}

Result<RofsImage::Entry> RofsImage::entry(uint32_t directory, uint64_t index) const {
  const Inode& node = *TRY(directory_inode(directory));
  if (index >= node.size) return Error::from_code(kENOENT);
  ktl::StringView name = TRY(checked_name(directory, node, index));
  if (index > 0 && compare(TRY(checked_name(directory, node, index - 1)), name) >= 0)
    return unsorted(directory, index - 1, index);
  uint32_t child = TRY(checked_child(directory, node, index));
  return Entry{name, child};
}

Result<ktl::Bytes> RofsImage::file_data(uint32_t number) const {
  const Inode& node = *TRY(inode(number));
  if (type_of(node) == mode::kDirectory) return Error::with_message(kEISDIR, "rofs: inode %u is a directory", number);
  if (type_of(node) != mode::kRegular)
    return Error::with_message(kEINVAL, "rofs: inode %u is not a regular file", number);
  return image_.subspan(node.offset, node.size);
}

Result<ktl::StringView> RofsImage::symlink_target(uint32_t number) const {
  const Inode& node = *TRY(inode(number));
  if (type_of(node) != mode::kSymlink) return Error::with_message(kEINVAL, "rofs: inode %u is not a symlink", number);
  ktl::StringView target(reinterpret_cast<const char*>(image_.data() + superblock_->string_table_offset + node.offset),
                         node.size);
  for (char c : target)
    if (c == '\0')  // I14
      return Error::with_message(kEINVAL, "rofs: inode %u: symlink target contains a NUL byte", number);
  return target;
}

Result<void> RofsImage::verify_file(uint32_t number) const {
  ktl::Bytes data = TRY(file_data(number));
  uint32_t computed = crc32c(data);
  uint32_t expected = raw_inode(number).data_crc32c;
  if (computed != expected)  // I15
    return Error::with_message(kEBADMSG, "rofs: inode %u: data checksum mismatch: inode says 0x%08x, computed 0x%08x",
                               number, expected, computed);
  return {};
}

Result<void> RofsImage::verify() const {
  // V1, the one check that needs a pass: directories' entry ranges are disjoint and in
  // inode order (as a breadth-first layout makes them), so no entry is listed twice.
  uint64_t entries_end = 0;
  uint32_t previous_directory = 0;
  for (uint32_t number = 0; number < superblock_->inode_count; ++number) {
    const Inode& node = *TRY(inode(number));
    switch (type_of(node)) {
      case mode::kDirectory:
        if (node.size == 0) break;
        if (node.offset < entries_end)  // V1
          return Error::with_message(kEINVAL,
                                     "rofs: inode %u: entries [%llu, +%llu) overlap or precede those of directory %u",
                                     number, u(node.offset), u(node.size), previous_directory);
        entries_end = node.offset + node.size;
        previous_directory = number;
        for (uint64_t index = 0; index < node.size; ++index) TRY(entry(number, index));
        break;
      case mode::kRegular: TRY(verify_file(number)); break;
      default: TRY(symlink_target(number)); break;
    }
  }
  return {};
}

}  // namespace tessera::rofs
