#pragma once
// A filesystem provided by a module through the C operation table of tessera/module_api.h
// (tessera_filesystem_ops), seen by the VFS as any other FileSystem. It translates in
// both directions and trusts nothing that comes back: a negative errno becomes an Error
// naming the filesystem, the call and its argument; a count larger than the buffer, an
// unknown node type, inode 0 or an entry name too long become EIO.
#include <stdint.h>
#include <tessera/module_api.h>
#include <tessera/result.hh>
#include "fs/vfs/file_system.hh"

namespace tessera {

class ModuleFileSystem final : public FileSystem {
 public:
  // `ops` is copied; `context` is the module's own pointer, handed back on every call.
  static Result<ModuleFileSystem*> try_create(const tessera_filesystem_ops& ops, void* context);
  ~ModuleFileSystem() = default;

  // Whether the module occupying [begin, end) provides this filesystem: its table or
  // one of its functions lies there.
  bool provided_by(uintptr_t begin, uintptr_t end) const;

  const char* type_name() const override { return type_name_; }
  Node root() const override { return {ops_.root_inode, vfs::file_type::kDirectory}; }
  bool is_read_only() const override { return ops_.read_only != 0; }
  Result<Node> lookup(uint64_t directory, ktl::StringView name) override;
  Result<vfs::Stat> stat(uint64_t inode) override;
  Result<size_t> read(uint64_t inode, uint64_t offset, ktl::MutableBytes buffer) override;
  Result<bool> read_directory(uint64_t directory, uint64_t index, vfs::DirectoryEntry& entry) override;
  Result<size_t> read_link(uint64_t inode, ktl::MutableBytes buffer) override;
  Result<void> open_inode(uint64_t inode, int flags) override;
  void close_inode(uint64_t inode) override;
  Result<Node> create(uint64_t directory, ktl::StringView name, uint32_t mode) override;
  Result<Node> create_symlink(uint64_t directory, ktl::StringView name, ktl::StringView target) override;
  Result<size_t> write(uint64_t inode, uint64_t offset, ktl::Bytes data) override;
  Result<void> truncate(uint64_t inode, uint64_t size) override;
  Result<void> unlink(uint64_t directory, ktl::StringView name) override;
  Result<void> remove_directory(uint64_t directory, ktl::StringView name) override;
  Result<void> rename(uint64_t from_directory, ktl::StringView from_name, uint64_t to_directory,
                      ktl::StringView to_name) override;

 private:
  template <typename T, typename... Args> friend Result<T*> try_make(Args&&... args);
  ModuleFileSystem(const tessera_filesystem_ops& ops, void* context);

  // The module's answer as a Result: `what` and the rest describe the call for the message.
  Error unsupported(const char* what) const;
  Error refused() const;
  Error failure(int64_t code, const char* what, ktl::StringView name, uint64_t inode) const;
  Result<Node> node(int code, const tessera_fs_node& node, const char* what, ktl::StringView name, uint64_t inode) const;
  Result<void> status(int code, const char* what, ktl::StringView name, uint64_t inode) const;

  static constexpr size_t kTypeNameCapacity = 32;

  tessera_filesystem_ops ops_;
  const void* original_ops_;
  void* context_;
  // Copied: messages may name the filesystem after the module's memory is gone.
  char type_name_[kTypeNameCapacity] = {};
};

}  // namespace tessera
