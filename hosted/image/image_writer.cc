#include "image/image_writer.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "lib/crc32c.hh"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the image structs are written as they are in memory");

namespace tessera::image {

namespace {

constexpr size_t kBufferSize = 8 << 20;

// Collects the data area sequentially and hands it to the sink in large writes.
class DataStream {
 public:
  DataStream(ImageSink& sink, uint64_t start) : sink_(sink), next_offset_(start) { buffer_.resize(kBufferSize); }

  // Space to fill, at least one byte; commit() what was filled.
  Expected<std::pair<uint8_t*, size_t>> space() {
    if (used_ == buffer_.size()) IMAGE_CHECK(flush());
    return std::pair{buffer_.data() + used_, buffer_.size() - used_};
  }
  void commit(size_t count) { used_ += count; }
  Expected<void> pad_to(uint64_t offset) {
    while (next_offset_ + used_ < offset) {
      auto [where, room] = IMAGE_TRY(space());
      size_t count = static_cast<size_t>(std::min<uint64_t>(room, offset - next_offset_ - used_));
      std::memset(where, 0, count);
      commit(count);
    }
    return {};
  }
  Expected<void> flush() {
    IMAGE_CHECK(sink_.write_at(next_offset_, buffer_.data(), used_));
    next_offset_ += used_;
    used_ = 0;
    return {};
  }

 private:
  ImageSink& sink_;
  std::vector<uint8_t> buffer_;
  uint64_t next_offset_;
  size_t used_ = 0;
};

class HostFile {
 public:
  explicit HostFile(int fd) : fd_(fd) {}
  HostFile(const HostFile&) = delete;
  ~HostFile() { close(fd_); }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Expected<uint32_t> copy_host_file(const SourceNode& node, DataStream& stream) {
  std::string name = node.origin;
  if (name.rfind("host path", 0) != 0) name += ": host path '" + node.host_path.string() + "'";
  int fd = open(node.host_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(name + ": cannot read: " + strerror(errno));
  HostFile file(fd);
  struct stat status {};
  if (fstat(fd, &status) != 0) return fail(name + ": cannot stat: " + strerror(errno));
  if (!S_ISREG(status.st_mode)) return fail(name + ": is no longer a regular file");
  if (static_cast<uint64_t>(status.st_size) != node.size)
    return fail(name + ": changed size while the image was built (" + std::to_string(node.size) + " bytes, now " +
                std::to_string(status.st_size) + ")");
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Crc32c crc;
  uint64_t remaining = node.size;
  while (remaining > 0) {
    auto [where, room] = IMAGE_TRY(stream.space());
    size_t want = static_cast<size_t>(std::min<uint64_t>(room, remaining));
    ssize_t got = read(fd, where, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail(name + ": cannot read: " + strerror(errno));
    }
    if (got == 0)
      return fail(name + ": changed size while the image was built (ended " + std::to_string(remaining) +
                  " bytes early)");
    crc.update(ktl::Bytes(where, static_cast<size_t>(got)));
    stream.commit(static_cast<size_t>(got));
    remaining -= static_cast<uint64_t>(got);
  }
  return crc.value();
}

Expected<uint32_t> copy_inline(const SourceNode& node, DataStream& stream) {
  Crc32c crc;
  const auto* bytes = reinterpret_cast<const uint8_t*>(node.inline_data.data());
  size_t done = 0;
  while (done < node.inline_data.size()) {
    auto [where, room] = IMAGE_TRY(stream.space());
    size_t count = std::min(room, node.inline_data.size() - done);
    std::memcpy(where, bytes + done, count);
    crc.update(ktl::Bytes(where, count));
    stream.commit(count);
    done += count;
  }
  return crc.value();
}

template <typename T> void append(std::vector<uint8_t>& out, uint64_t offset, const T* items, size_t count) {
  if (count == 0) return;  // an empty table may have no storage at all: memcpy(…, nullptr, 0) is undefined
  std::memcpy(out.data() + offset, items, count * sizeof(T));
}

}  // namespace

Expected<void> write_image(ImageLayout& layout, ImageSink& sink) {
  rofs::Superblock& superblock = layout.superblock;
  IMAGE_CHECK(sink.set_size(superblock.image_size));

  DataStream stream(sink, superblock.data_offset);
  for (size_t number = 0; number < layout.inodes.size(); ++number) {
    rofs::Inode& inode = layout.inodes[number];
    if ((inode.mode & rofs::mode::kTypeMask) != rofs::mode::kRegular || inode.size == 0) continue;
    IMAGE_CHECK(stream.pad_to(inode.offset));
    const SourceNode& node = *layout.sources[number];
    inode.data_crc32c = node.has_inline_data ? IMAGE_TRY(copy_inline(node, stream)) : IMAGE_TRY(copy_host_file(node, stream));
  }
  IMAGE_CHECK(stream.pad_to(superblock.image_size));
  IMAGE_CHECK(stream.flush());

  std::vector<uint8_t> metadata(superblock.metadata_size, 0);
  superblock.metadata_crc32c = 0;
  append(metadata, 0, &superblock, 1);
  append(metadata, superblock.inode_table_offset, layout.inodes.data(), layout.inodes.size());
  append(metadata, superblock.entry_table_offset, layout.entries.data(), layout.entries.size());
  append(metadata, superblock.string_table_offset, layout.strings.data(), layout.strings.size());
  superblock.metadata_crc32c = crc32c(ktl::Bytes(metadata.data(), metadata.size()));
  std::memcpy(metadata.data() + offsetof(rofs::Superblock, metadata_crc32c), &superblock.metadata_crc32c,
              sizeof(superblock.metadata_crc32c));
  return sink.write_at(0, metadata.data(), metadata.size());
}

}  // namespace tessera::image
