#include "image/image_sink.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tessera::image {

namespace {
std::string describe(const std::filesystem::path& path) { return "output '" + path.string() + "'"; }
}  // namespace

Expected<std::unique_ptr<FileSink>> FileSink::create(const std::filesystem::path& output) {
  std::string pattern = output.string() + ".tmp-XXXXXX";
  int fd = mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) return fail(describe(output) + ": cannot create '" + pattern + "': " + strerror(errno));
  // mkstemp makes the file 0600; an image is as readable as any file the user writes.
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  return std::unique_ptr<FileSink>(new FileSink(output, pattern, fd));
}

FileSink::~FileSink() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temporary_.c_str());
}

Expected<void> FileSink::set_size(uint64_t size) {
  if (ftruncate(fd_, static_cast<off_t>(size)) != 0)
    return fail(describe(output_) + ": cannot size it to " + std::to_string(size) + " bytes: " + strerror(errno));
  return {};
}

Expected<void> FileSink::write_at(uint64_t offset, const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t written = pwrite(fd_, data, size, static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return fail(describe(output_) + ": write failed: " + strerror(errno));
    }
    data += written;
    offset += static_cast<uint64_t>(written);
    size -= static_cast<size_t>(written);
  }
  return {};
}

Expected<void> FileSink::commit() {
  int fd = fd_;
  fd_ = -1;
  if (close(fd) != 0) return fail(describe(output_) + ": write failed: " + strerror(errno));
  if (rename(temporary_.c_str(), output_.c_str()) != 0)
    return fail(describe(output_) + ": cannot rename '" + temporary_.string() + "' into place: " + strerror(errno));
  committed_ = true;
  return {};
}

Expected<void> MemorySink::set_size(uint64_t size) {
  bytes_.assign(size, 0);
  return {};
}

Expected<void> MemorySink::write_at(uint64_t offset, const uint8_t* data, size_t size) {
  if (offset > bytes_.size() || size > bytes_.size() - offset)
    return fail("image writer: write [" + std::to_string(offset) + ", +" + std::to_string(size) +
                ") past the image end " + std::to_string(bytes_.size()));
  std::memcpy(bytes_.data() + offset, data, size);
  return {};
}

}  // namespace tessera::image
