#pragma once
// Where the writer puts an image: a file (written under a temporary name and renamed into
// place only when complete, so a failed build never leaves a half image behind) or memory
// (for tests and benchmarks that mount the result in-process).
#include <stdint.h>

#include <filesystem>
#include <vector>

#include "image/expected.hh"

namespace tessera::image {

class ImageSink {
 public:
  virtual ~ImageSink() = default;
  // Called once, first: the image's final size. Bytes never written read as zero.
  virtual Expected<void> set_size(uint64_t size) = 0;
  virtual Expected<void> write_at(uint64_t offset, const uint8_t* data, size_t size) = 0;
};

class FileSink final : public ImageSink {
 public:
  static Expected<std::unique_ptr<FileSink>> create(const std::filesystem::path& output);
  ~FileSink() override;  // removes the temporary file unless commit() succeeded

  Expected<void> set_size(uint64_t size) override;
  Expected<void> write_at(uint64_t offset, const uint8_t* data, size_t size) override;
  Expected<void> commit();

 private:
  FileSink(std::filesystem::path output, std::filesystem::path temporary, int fd)
      : output_(std::move(output)), temporary_(std::move(temporary)), fd_(fd) {}
  std::filesystem::path output_;
  std::filesystem::path temporary_;
  int fd_;
  bool committed_ = false;
};

class MemorySink final : public ImageSink {
 public:
  Expected<void> set_size(uint64_t size) override;
  Expected<void> write_at(uint64_t offset, const uint8_t* data, size_t size) override;
  std::vector<uint8_t> release() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace tessera::image
