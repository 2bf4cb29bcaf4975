#pragma once
// A validating reader of ROFS images in memory (format.hh, docs/rofs.md). Freestanding:
// the kernel's ROFS driver and the host's `tessera image` tools share this one parser, so
// the code that is fuzzed is the code that runs.
//
// Nothing read from the image is trusted: every offset, size, count and index is checked
// with overflow-safe arithmetic before use. try_open() checks the superblock and table
// bounds (O(1)) and, unless told not to, the metadata CRC32C (O(metadata)); inodes and
// directory entries are checked when first used. Each refusal is an Error whose message
// starts with "rofs: " and names the check and the offending value, e.g.
//   rofs: inode 17: data [4096, 9000) extends past the image end 8192
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>
#include <tessera/rofs/format.hh>

namespace tessera::rofs {

class RofsImage {
 public:
  struct OpenOptions {
    bool verify_metadata_checksum = true;
  };
  struct Entry {
    ktl::StringView name;
    uint32_t inode;
  };

  // `image` must stay mapped for as long as the RofsImage (and anything it returned) lives.
  static Result<RofsImage> try_open(ktl::Bytes image, OpenOptions options);
  static Result<RofsImage> try_open(ktl::Bytes image) { return try_open(image, OpenOptions{}); }

  const Superblock& superblock() const { return *superblock_; }
  uint32_t root() const { return 0; }

  // The inode, after checking its type and that its size/offset fit its type's table or data.
  Result<const Inode*> inode(uint32_t number) const;
  // Binary search among the entries of `directory`. ENOTDIR when it is not a directory,
  // ENOENT when absent, EINVAL (with message) when the directory's entries are corrupt:
  // unsorted, names out of bounds or invalid, child inode out of range, a child directory
  // whose number is not greater than its parent's, or whose parent field disagrees.
  Result<uint32_t> lookup(uint32_t directory, ktl::StringView name) const;
  // The index-th entry of `directory` in sorted order (readdir). ENOENT past the end.
  Result<Entry> entry(uint32_t directory, uint64_t index) const;
  // A regular file's bytes, pointing into the image (zero copy).
  Result<ktl::Bytes> file_data(uint32_t number) const;
  Result<ktl::StringView> symlink_target(uint32_t number) const;
  // Recomputes the file's CRC32C and compares it with the inode's (EBADMSG on mismatch).
  Result<void> verify_file(uint32_t number) const;
  // Every check of docs/rofs.md on every inode, directory entry and file: O(image size).
  // What `tessera image verify` runs; the first fault found is returned.
  Result<void> verify() const;

 private:
  RofsImage() = default;
  const Inode& raw_inode(uint32_t number) const;
  const DirectoryEntry& raw_entry(const Inode& directory, uint64_t index) const;
  // The index-th entry's name after its own checks (E1..E4), without looking at the child.
  Result<ktl::StringView> checked_name(uint32_t directory, const Inode& inode, uint64_t index) const;
  // The index-th entry's child after the checks that tie it to its directory (E5..E7, E9).
  Result<uint32_t> checked_child(uint32_t directory, const Inode& inode, uint64_t index) const;
  Result<const Inode*> directory_inode(uint32_t number) const;

  ktl::Bytes image_;  // exactly image_size bytes
  const Superblock* superblock_ = nullptr;
};

}  // namespace tessera::rofs
