// Mounts arbitrary bytes as a ROFS image, walks the whole tree, reads every file and
// link. Beyond "no crash, no sanitizer report, no hang" it traps when the reader breaks a
// promise of docs/rofs.md: errors carry a "rofs: " message and an expected code; names
// are valid; pointers stay inside the image; child directories are numbered above their
// parents; lookup agrees with readdir; the walk visits each inode at most once; and a
// successful verify() means no access can fail.
#include <stddef.h>
#include <stdint.h>

#include <cstring>
#include <vector>

#include "fs/rofs/rofs_image.hh"

namespace {

using tessera::Error;
using tessera::rofs::Inode;
using tessera::rofs::RofsImage;
namespace mode = tessera::rofs::mode;
namespace limit = tessera::rofs::limit;

void check(bool condition) {
  if (!condition) __builtin_trap();
}

void check_error(const Error& error) {
  check(std::strncmp(error.message(), "rofs: ", 6) == 0);
  int code = error.code();
  check(code == tessera::kEINVAL || code == tessera::kENOTSUP || code == tessera::kEBADMSG);
}

template <typename T> bool ok_or_checked(const tessera::Result<T>& result) {
  if (result.is_error()) check_error(result.error());
  return result.is_ok();
}

bool inside(const void* pointer, size_t size, tessera::ktl::Bytes image) {
  auto* p = static_cast<const uint8_t*>(pointer);
  return p >= image.data() && size <= image.size() && p - image.data() <= static_cast<ptrdiff_t>(image.size() - size);
}

struct Walk {
  const RofsImage& rofs;
  tessera::ktl::Bytes image;
  uint64_t visited = 0;
  bool failed = false;  // some access was refused

  void file(uint32_t number, const Inode& inode) {
    auto data = rofs.file_data(number);
    if (!ok_or_checked(data)) return void(failed = true);
    check(data.value().size() == inode.size);
    check(inside(data.value().data(), data.value().size(), image));
    // Reads every byte; a mismatch is a refusal like any other.
    auto verified = rofs.verify_file(number);
    if (verified.is_error()) {
      check(verified.error().code() == tessera::kEBADMSG);
      failed = true;
    }
  }

  void symlink(uint32_t number) {
    auto target = rofs.symlink_target(number);
    if (!ok_or_checked(target)) return void(failed = true);
    auto text = target.value();
    check(text.length() >= 1 && text.length() <= limit::kMaxSymlinkLength);
    check(inside(text.data(), text.length(), image));
    for (char c : text) check(c != '\0');
  }

  void entry(uint32_t directory, const RofsImage::Entry& entry, std::vector<uint32_t>& pending) {
    auto name = entry.name;
    check(name.length() >= 1 && name.length() <= limit::kMaxNameLength);
    check(inside(name.data(), name.length(), image));
    for (char c : name) check(c != '/' && c != '\0');
    check(!(name == ".") && !(name == ".."));
    ++visited;

    // Lookup finds the same child. Before readdir has reached the end of the directory,
    // a bad entry further on may still make it miss, refuse, or find a same-named entry
    // out of order; then readdir or verify() must report that directory as bad.
    auto found = rofs.lookup(directory, name);
    if (found.is_error() && found.error().code() != tessera::kENOENT) check_error(found.error());
    if (found.is_error() || found.value() != entry.inode) failed = true;

    auto inode = rofs.inode(entry.inode);
    check(inode.is_ok());  // entry() checked it
    const Inode& child = *inode.value();
    switch (child.mode & mode::kTypeMask) {
      case mode::kDirectory:
        check(entry.inode > directory);
        check(child.parent == directory);
        pending.push_back(entry.inode);
        break;
      case mode::kRegular: file(entry.inode, child); break;
      case mode::kSymlink: symlink(entry.inode); break;
      default: check(false);
    }
  }

  void run() {
    std::vector<uint32_t> pending{rofs.root()};
    while (!pending.empty()) {
      uint32_t directory = pending.back();
      pending.pop_back();
      for (uint64_t index = 0;; ++index) {
        auto next = rofs.entry(directory, index);
        if (next.is_error()) {
          if (next.error().code() != tessera::kENOENT) {
            check_error(next.error());
            failed = true;
          }
          break;
        }
        entry(directory, next.value(), pending);
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The reader requires an 8-byte aligned mapping, as the kernel's boot image always is.
  std::vector<uint64_t> storage(size / 8 + 1);
  if (size) std::memcpy(storage.data(), data, size);
  tessera::ktl::Bytes image(reinterpret_cast<const uint8_t*>(storage.data()), size);

  // Fuzzed inputs rarely carry a right checksum, so the walk runs without it; with it,
  // the answer may only get stricter.
  auto checked = RofsImage::try_open(image);
  auto opened = RofsImage::try_open(image, RofsImage::OpenOptions{.verify_metadata_checksum = false});
  if (!ok_or_checked(opened)) {
    check(checked.is_error());
    return 0;
  }
  if (!ok_or_checked(checked)) check(checked.error().code() == tessera::kEBADMSG);

  const RofsImage& rofs = opened.value();
  check(rofs.inode(rofs.root()).is_ok());
  Walk walk{rofs, image.subspan(0, rofs.superblock().image_size)};
  walk.run();
  bool verified = ok_or_checked(rofs.verify());
  if (verified) {
    check(!walk.failed);
    check(walk.visited < rofs.superblock().inode_count);  // a tree: each inode but the root once
  }

  // A lookup of arbitrary bytes from the input itself.
  size_t length = size < 16 ? size : 16;
  auto stray = rofs.lookup(rofs.root(), tessera::ktl::StringView(reinterpret_cast<const char*>(data), length));
  if (stray.is_error() && stray.error().code() != tessera::kENOENT) check_error(stray.error());
  return 0;
}
