#pragma once
// The ROFS driver: a read-only FileSystem over a RofsImage in memory (normally the boot
// image). Mounting is O(1) in the number of files apart from the metadata checksum;
// everything else is checked by RofsImage when first used, so a corrupt part of the image
// fails the access that touches it, with RofsImage's message naming the check.
//
// VFS inode numbers are the image's inode numbers plus one: the image numbers its root 0,
// and 0 is not a valid st_ino / d_ino.
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/result.hh>
#include "fs/rofs/rofs_image.hh"
#include "fs/vfs/file_system.hh"

namespace tessera {

class RofsFileSystem final : public FileSystem {
 public:
  struct Options {
    bool verify_metadata_checksum = true;
    // Checks a regular file's CRC32C every time it is opened (EBADMSG refuses the open).
    bool verify_data_on_open = false;
  };

  // `image` must stay mapped for as long as the filesystem lives. Free with destroy().
  static Result<RofsFileSystem*> try_create(ktl::Bytes image, Options options);
  ~RofsFileSystem() = default;

  const rofs::RofsImage& image() const { return image_; }

  const char* type_name() const override { return "rofs"; }
  Node root() const override { return {1, vfs::file_type::kDirectory}; }
  bool is_read_only() const override { return true; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override;
  Result<vfs::Stat> stat(uint64_t inode) override;
  Result<size_t> read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) override;
  Result<bool> read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) override;
  Result<size_t> read_link(uint64_t inode, ktl::MutableBytes buffer) override;
  Result<ktl::Bytes> map(uint64_t inode) override;
  Result<void> verify(uint64_t inode) override;
  Result<void> open_inode(uint64_t inode, int flags) override;

 private:
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  RofsFileSystem(rofs::RofsImage&& image, Options options) : image_(ktl::move(image)), options_(options) {}

  // The image's number for a VFS inode number.
  Result<uint32_t> image_number(uint64_t inode) const;
  Result<Node> node(uint32_t number) const;

  rofs::RofsImage image_;
  Options options_;
};

}  // namespace tessera
