// The ROFS driver and the VFS on images built in-process by the image builder:
//  - mount time for 10 / 1,000 / 100,000 files, with and without the metadata CRC32C
//    (without it, mounting is O(1) in the number of files);
//  - lookup (stat of a path) against directory size and path depth;
//  - reading a 256 MiB file through read() and through the zero-copy map(), against a
//    plain memcpy of the same bytes (bench/ratios.py prints the ratios).
// The kernel heap runs over guest RAM mmap'd here; no machine is booted.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fs/rofs/rofs_filesystem.hh"
#include "fs/vfs/vfs.hh"
#include "image/image_builder.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"

namespace {

using tessera::RofsFileSystem;
using tessera::Vfs;
namespace ktl = tessera::ktl;

constexpr size_t kRamBytes = size_t{64} << 20;
constexpr size_t kLargeFileBytes = size_t{256} << 20;
constexpr size_t kReadChunk = size_t{1} << 20;

// The kernel heap (FileDescriptions, the filesystem object) over lazily mapped guest RAM.
void reset_kernel_heap() {
  static void* base = [] {
    void* mapped = mmap(nullptr, kRamBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED) {
      std::perror("rofs_bench: mmap");
      std::abort();
    }
    return mapped;
  }();
  tessera::page_allocator().reset();
  if (tessera::page_allocator().add_region({reinterpret_cast<uintptr_t>(base), kRamBytes}).is_error()) std::abort();
  tessera::heap().reset(tessera::page_allocator());
}

template <typename T> T checked(tessera::image::Expected<T> expected) {
  if (!expected.ok()) {
    std::fprintf(stderr, "rofs_bench: %s\n", expected.error().c_str());
    std::abort();
  }
  return std::move(expected.value());
}
void checked(tessera::image::Expected<void> expected) {
  if (!expected.ok()) {
    std::fprintf(stderr, "rofs_bench: %s\n", expected.error().c_str());
    std::abort();
  }
}
template <typename T> T checked(tessera::Result<T>&& result) {
  if (result.is_error()) {
    std::fprintf(stderr, "rofs_bench: %s\n", result.error().message());
    std::abort();
  }
  return result.release_value();
}
void checked(tessera::Result<void>&& result) {
  if (result.is_error()) {
    std::fprintf(stderr, "rofs_bench: %s\n", result.error().message());
    std::abort();
  }
}

std::string file_name(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "/dir/file-%06d", index);
  return name;
}

// /dir holding `count` small files. Built once per count.
const std::vector<uint8_t>& flat_image(int count) {
  static std::map<int, std::vector<uint8_t>> images;
  auto& image = images[count];
  if (image.empty()) {
    tessera::image::ImageBuilder builder;
    for (int i = 0; i < count; ++i) checked(builder.add_file(file_name(i), "contents of " + std::to_string(i)));
    image = checked(builder.build_in_memory());
  }
  return image;
}

// A file `depth` components deep: /d1/d2/.../file.
std::string deep_path(int depth) {
  std::string path;
  for (int i = 1; i < depth; ++i) path += "/d" + std::to_string(i);
  return path + "/file";
}
const std::vector<uint8_t>& deep_image(int depth) {
  static std::map<int, std::vector<uint8_t>> images;
  auto& image = images[depth];
  if (image.empty()) {
    tessera::image::ImageBuilder builder;
    checked(builder.add_file(deep_path(depth), "deep"));
    image = checked(builder.build_in_memory());
  }
  return image;
}

const std::vector<uint8_t>& large_image() {
  static std::vector<uint8_t> image = [] {
    std::string contents(kLargeFileBytes, '\0');
    uint64_t state = 0x243F6A8885A308D3ull;
    for (size_t i = 0; i + 8 <= contents.size(); i += 8) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      std::memcpy(&contents[i], &state, 8);
    }
    tessera::image::BuildOptions options;
    options.page_align = true;
    tessera::image::ImageBuilder builder(options);
    checked(builder.add_file("/large.bin", std::move(contents)));
    return checked(builder.build_in_memory());
  }();
  return image;
}

ktl::Bytes bytes_of(const std::vector<uint8_t>& image) { return {image.data(), image.size()}; }

// A VFS with `image` mounted at "/".
struct Mounted {
  explicit Mounted(const std::vector<uint8_t>& image) {
    reset_kernel_heap();
    fs = checked(RofsFileSystem::try_create(bytes_of(image), {}));
    checked(vfs.mount("/", *fs));
  }
  Vfs vfs;
  RofsFileSystem* fs = nullptr;
};

void BM_RofsMount(benchmark::State& state) {
  const auto& image = flat_image(int(state.range(0)));
  bool checksum = state.range(1) != 0;
  reset_kernel_heap();
  static Vfs vfs;  // 8 KiB of descriptor table: not part of what a mount costs
  for (auto _ : state) {
    RofsFileSystem* fs = checked(RofsFileSystem::try_create(bytes_of(image), {.verify_metadata_checksum = checksum}));
    checked(vfs.mount("/", *fs));
    benchmark::DoNotOptimize(vfs.mount_count());
    checked(vfs.unmount("/"));
    tessera::destroy(fs);
  }
  state.counters["files"] = double(state.range(0));
  state.counters["image_KiB"] = double(image.size()) / 1024;
}
BENCHMARK(BM_RofsMount)->ArgNames({"files", "checksum"})->ArgsProduct({{10, 1000, 100000}, {0, 1}});

// stat() of files spread over the directory, so the binary search does not always take
// the same path.
void BM_RofsLookupDirectorySize(benchmark::State& state) {
  int count = int(state.range(0));
  Mounted mounted(flat_image(count));
  std::vector<std::string> paths;
  for (int i = 0; i < 256; ++i) paths.push_back(file_name(int((uint64_t(i) * 2654435761u) % uint64_t(count))));
  size_t next = 0;
  for (auto _ : state) {
    const std::string& path = paths[next++ & 255];
    benchmark::DoNotOptimize(checked(mounted.vfs.stat(ktl::StringView(path.data(), path.size()))).inode);
  }
}
BENCHMARK(BM_RofsLookupDirectorySize)->ArgName("entries")->Arg(10)->Arg(1000)->Arg(100000);

void BM_RofsLookupPathDepth(benchmark::State& state) {
  int depth = int(state.range(0));
  Mounted mounted(deep_image(depth));
  std::string path = deep_path(depth);
  for (auto _ : state) benchmark::DoNotOptimize(checked(mounted.vfs.stat(ktl::StringView(path.data(), path.size()))).inode);
}
BENCHMARK(BM_RofsLookupPathDepth)->ArgName("depth")->Arg(1)->Arg(8)->Arg(32);

// The whole file through read() into a 1 MiB buffer, chunk after chunk.
void BM_RofsReadLargeFile(benchmark::State& state) {
  Mounted mounted(large_image());
  int fd = checked(mounted.vfs.open("/large.bin", tessera::vfs::open_flag::kReadOnly));
  std::vector<uint8_t> buffer(kReadChunk);
  for (auto _ : state) {
    checked(mounted.vfs.lseek(fd, 0, tessera::vfs::Whence::kSet));
    size_t total = 0;
    for (;;) {
      size_t got = checked(mounted.vfs.read(fd, ktl::MutableBytes(buffer.data(), buffer.size())));
      if (got == 0) break;
      total += got;
    }
    benchmark::DoNotOptimize(buffer.data());
    if (total != kLargeFileBytes) std::abort();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kLargeFileBytes));
}
BENCHMARK(BM_RofsReadLargeFile)->Unit(benchmark::kMillisecond);

// The same bytes, copied by memcpy in the same 1 MiB pieces: the floor for any copying read.
void BM_MemcpyLargeFile(benchmark::State& state) {
  const auto& image = large_image();
  Mounted mounted(image);
  int fd = checked(mounted.vfs.open("/large.bin", tessera::vfs::open_flag::kReadOnly));
  ktl::Bytes source = checked(mounted.vfs.map(fd));
  std::vector<uint8_t> buffer(kReadChunk);
  for (auto _ : state) {
    for (size_t offset = 0; offset < source.size(); offset += kReadChunk)
      std::memcpy(buffer.data(), source.data() + offset, std::min(kReadChunk, source.size() - offset));
    benchmark::DoNotOptimize(buffer.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kLargeFileBytes));
}
BENCHMARK(BM_MemcpyLargeFile)->Unit(benchmark::kMillisecond);

// Zero copy: the whole file is available after one call; nothing is copied.
void BM_RofsMapLargeFile(benchmark::State& state) {
  Mounted mounted(large_image());
  int fd = checked(mounted.vfs.open("/large.bin", tessera::vfs::open_flag::kReadOnly));
  for (auto _ : state) {
    ktl::Bytes bytes = checked(mounted.vfs.map(fd));
    benchmark::DoNotOptimize(bytes.data());
    if (bytes.size() != kLargeFileBytes) std::abort();
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(kLargeFileBytes));
}
BENCHMARK(BM_RofsMapLargeFile);

}  // namespace

BENCHMARK_MAIN();
