// The builder library: layout, metadata policy, reproducibility, limits and the errors
// that name the offending host path. Images are read back with the kernel's own reader.
#include "image/image_builder.hh"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>

#include "fs/rofs/rofs_image.hh"
#include "image/image_test_support.hh"
#include "lib/crc32c.hh"

namespace tessera::image {
namespace {

using rofs::RofsImage;
using testing::ScratchDirectory;

std::vector<uint8_t> build(ImageBuilder& builder) {
  auto image = builder.build_in_memory();
  EXPECT_TRUE(image.ok()) << image.error();
  return image.ok() ? image.value() : std::vector<uint8_t>{};
}

RofsImage open(const std::vector<uint8_t>& bytes) {
  auto image = RofsImage::try_open(ktl::Bytes(bytes.data(), bytes.size()));
  if (image.is_error()) ADD_FAILURE() << image.error().message();
  return image.release_value();
}

// Walks `path` from the root with lookup() only (no symlinks).
uint32_t find(const RofsImage& image, const std::string& path) {
  uint32_t current = image.root();
  size_t position = 1;
  while (position <= path.size()) {
    size_t slash = path.find('/', position);
    if (slash == std::string::npos) slash = path.size();
    std::string name = path.substr(position, slash - position);
    position = slash + 1;
    if (name.empty()) continue;
    auto child = image.lookup(current, ktl::StringView(name.data(), name.size()));
    if (child.is_error()) {
      ADD_FAILURE() << path << ": " << child.error().message();
      return 0;
    }
    current = child.value();
  }
  return current;
}

std::string contents(const RofsImage& image, const std::string& path) {
  auto data = image.file_data(find(image, path));
  if (data.is_error()) return "<" + std::string(data.error().message()) + ">";
  return std::string(reinterpret_cast<const char*>(data.value().data()), data.value().size());
}

std::string target(const RofsImage& image, const std::string& path) {
  auto link = image.symlink_target(find(image, path));
  if (link.is_error()) return "<" + std::string(link.error().message()) + ">";
  return std::string(link.value().data(), link.value().size());
}

const rofs::Inode& inode(const RofsImage& image, const std::string& path) {
  return *image.inode(find(image, path)).value();
}

std::string build_error(ImageBuilder& builder) {
  auto image = builder.build_in_memory();
  EXPECT_FALSE(image.ok());
  return image.ok() ? std::string() : image.error();
}

void set_mtime(const std::filesystem::path& path, int64_t seconds, long nanoseconds = 0) {
  timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

// A small tree with one of everything.
void populate(const ScratchDirectory& scratch) {
  scratch.write("tree/etc/config", "key=value\n");
  scratch.write("tree/bin/tool", std::string(10000, 'x'), 0755);
  scratch.write("tree/empty", "");
  scratch.mkdir("tree/var/empty-dir");
  scratch.symlink("tree/etc/link", "config");
  scratch.symlink("tree/absolute", "/etc/config");
  scratch.symlink("tree/dangling", "does/not/exist");
}

TEST(ImageBuilder, HostTreeReadsBackThroughTheKernelReader) {
  ScratchDirectory scratch;
  populate(scratch);
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  EXPECT_TRUE(image.verify().is_ok());

  EXPECT_EQ(contents(image, "/etc/config"), "key=value\n");
  EXPECT_EQ(contents(image, "/bin/tool"), std::string(10000, 'x'));
  EXPECT_EQ(contents(image, "/empty"), "");
  EXPECT_EQ(target(image, "/etc/link"), "config");
  EXPECT_EQ(target(image, "/absolute"), "/etc/config");
  EXPECT_EQ(target(image, "/dangling"), "does/not/exist");

  EXPECT_EQ(inode(image, "/bin/tool").mode, rofs::mode::kRegular | 0755);
  EXPECT_EQ(inode(image, "/etc/config").mode, rofs::mode::kRegular | 0644);
  EXPECT_EQ(inode(image, "/etc/link").mode & rofs::mode::kTypeMask, rofs::mode::kSymlink);
  EXPECT_EQ(inode(image, "/var/empty-dir").mode & rofs::mode::kTypeMask, rofs::mode::kDirectory);
  EXPECT_EQ(inode(image, "/var/empty-dir").size, 0u);
  // The spec: an empty file has data offset 0; a non-empty one's CRC is of its bytes.
  EXPECT_EQ(inode(image, "/empty").offset, 0u);
  auto config = image.file_data(find(image, "/etc/config")).value();
  EXPECT_EQ(inode(image, "/etc/config").data_crc32c, crc32c(config));
}

TEST(ImageBuilder, DirectoriesAreSortedBytewiseAndNumberedAboveTheirParents) {
  ImageBuilder builder;
  for (const char* name : {"b", "a", "ab", "B", "\xc3\xa9t\xc3\xa9", "-dash", "with space", "dir/x/y/z"})
    ASSERT_TRUE(builder.add_file(std::string("/") + name, name).ok()) << name;
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  std::vector<std::string> names;
  for (uint64_t index = 0;; ++index) {
    auto entry = image.entry(image.root(), index);
    if (entry.is_error()) break;
    names.emplace_back(entry.value().name.data(), entry.value().name.size());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"-dash", "B", "a", "ab", "b", "dir", "with space", "\xc3\xa9t\xc3\xa9"}));
  uint32_t a = find(image, "/dir"), x = find(image, "/dir/x"), y = find(image, "/dir/x/y");
  EXPECT_LT(a, x);
  EXPECT_LT(x, y);
  EXPECT_EQ(image.inode(y).value()->parent, x);
  EXPECT_EQ(contents(image, "/dir/x/y/z"), "dir/x/y/z");
}

TEST(ImageBuilder, TwoBuildsOfTheSameTreeAreByteIdenticalWhateverTheHostTimesAndOwners) {
  ScratchDirectory scratch;
  populate(scratch);
  ImageBuilder first;
  ASSERT_TRUE(first.add_directory(scratch / "tree").ok());
  auto one = build(first);

  set_mtime(scratch / "tree/etc/config", 123456789);
  set_mtime(scratch / "tree/etc", 987654321);
  ImageBuilder second;
  ASSERT_TRUE(second.add_directory(scratch / "tree").ok());
  auto two = build(second);
  ASSERT_FALSE(one.empty());
  EXPECT_EQ(one, two);
  RofsImage image = open(two);
  EXPECT_EQ(inode(image, "/etc/config").mtime_ns, 0);
  EXPECT_EQ(inode(image, "/etc/config").uid, 0u);
  EXPECT_EQ(image.superblock().build_time_ns, 0);
}

TEST(ImageBuilder, SourceDateEpochFixesEveryTimestamp) {
  ScratchDirectory scratch;
  populate(scratch);
  BuildOptions options;
  options.source_date_epoch = 1700000000;
  ImageBuilder builder(options);
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  EXPECT_EQ(image.superblock().build_time_ns, 1700000000LL * 1000000000);
  for (const char* path : {"/", "/etc", "/etc/config", "/etc/link", "/empty"})
    EXPECT_EQ(inode(image, path).mtime_ns, 1700000000LL * 1000000000) << path;
}

TEST(ImageBuilder, KeepMtimeKeepsHostTimesClampedToSourceDateEpoch) {
  ScratchDirectory scratch;
  populate(scratch);
  set_mtime(scratch / "tree/etc/config", 1000, 42);
  set_mtime(scratch / "tree/bin/tool", 2000000000);
  BuildOptions options;
  options.keep_mtime = true;
  options.keep_owner = true;
  options.source_date_epoch = 1800000000;
  ImageBuilder builder(options);
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  EXPECT_EQ(inode(image, "/etc/config").mtime_ns, 1000LL * 1000000000 + 42);
  EXPECT_EQ(inode(image, "/bin/tool").mtime_ns, 1800000000LL * 1000000000);
  struct stat host {};
  ASSERT_EQ(stat((scratch / "tree/etc/config").c_str(), &host), 0);
  EXPECT_EQ(inode(image, "/etc/config").uid, host.st_uid);
  EXPECT_EQ(inode(image, "/etc/config").gid, host.st_gid);
}

TEST(ImageBuilder, PageAlignPutsEveryNonEmptyFileOnAPageBoundary) {
  for (bool page_align : {false, true}) {
    BuildOptions options;
    options.page_align = page_align;
    ImageBuilder builder(options);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(builder.add_file("/f" + std::to_string(i), std::string(i * 777 + 1, 'a' + i)).ok());
    ASSERT_TRUE(builder.add_file("/zero", "").ok());
    auto bytes = build(builder);
    RofsImage image = open(bytes);
    EXPECT_TRUE(image.verify().is_ok());
    const auto& superblock = image.superblock();
    uint32_t alignment = page_align ? 4096 : 8;
    EXPECT_EQ(superblock.data_alignment, alignment);
    EXPECT_EQ(superblock.compatible_features, page_align ? rofs::feature::kPageAlignedData : 0u);
    EXPECT_EQ(superblock.data_offset % alignment, 0u);
    EXPECT_EQ(bytes.size(), superblock.image_size);
    for (int i = 0; i < 20; ++i) {
      const auto& file = inode(image, "/f" + std::to_string(i));
      EXPECT_EQ(file.offset % alignment, 0u) << i;
      EXPECT_EQ(contents(image, "/f" + std::to_string(i)), std::string(i * 777 + 1, 'a' + i));
    }
  }
}

TEST(ImageBuilder, WriteFileProducesTheSameBytesAsMemoryAndLeavesNoTemporaryFile) {
  ScratchDirectory scratch;
  populate(scratch);
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  auto memory = build(builder);
  auto summary = builder.write_file(scratch / "out.img");
  ASSERT_TRUE(summary.ok()) << summary.error();
  EXPECT_EQ(testing::read_bytes(scratch / "out.img"), memory);
  EXPECT_EQ(summary.value().image_size, memory.size());
  EXPECT_EQ(summary.value().inode_count, 11u);  // / bin etc var var/empty-dir + 6 leaves
  EXPECT_EQ(summary.value().file_bytes, 10u + 10000u);
  size_t files = 0;
  for (auto& entry : std::filesystem::directory_iterator(scratch.path())) files += entry.path().filename() != "tree";
  EXPECT_EQ(files, 1u);
}

TEST(ImageBuilder, AFailedBuildLeavesNoOutput) {
  ScratchDirectory scratch;
  auto file = scratch.write("tree/vanishes", "soon gone");
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  std::filesystem::remove(file);
  auto summary = builder.write_file(scratch / "out.img");
  ASSERT_FALSE(summary.ok());
  EXPECT_NE(summary.error().find("host path '" + file.string() + "': cannot read: No such file or directory"),
            std::string::npos)
      << summary.error();
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(scratch.path()), {}), 1);
}

TEST(ImageBuilder, AFileThatChangesSizeDuringTheBuildIsNamed) {
  ScratchDirectory scratch;
  auto file = scratch.write("tree/grows", "1234");
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  scratch.write("tree/grows", "123456789");
  EXPECT_EQ(build_error(builder),
            "host path '" + file.string() + "': changed size while the image was built (4 bytes, now 9)");
}

TEST(ImageBuilder, UnreadableHostFileIsNamed) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  ScratchDirectory scratch;
  auto file = scratch.write("tree/secret", "x", 0000);
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  EXPECT_EQ(build_error(builder), "host path '" + file.string() + "': cannot read: Permission denied");
}

TEST(ImageBuilder, HostNameOverTheLimitIsNamed) {
  ScratchDirectory scratch;
  scratch.write("tree/" + std::string(255, 'n'), "fits");
  ImageBuilder fits;
  EXPECT_TRUE(fits.add_directory(scratch / "tree").ok());
  // Linux itself caps names at 255 bytes, so an over-long one can only come from a manifest.
  ImageBuilder builder;
  auto result = builder.add_file("/" + std::string(256, 'n'), "x");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("is 256 bytes, longer than the limit of 255"), std::string::npos) << result.error();
}

TEST(ImageBuilder, HostTreeDeeperThanTheLimitIsNamed) {
  ScratchDirectory scratch;
  std::string path = "tree";
  for (int level = 0; level < 64; ++level) path += "/d";
  scratch.mkdir(path);
  ImageBuilder fits;
  ASSERT_TRUE(fits.add_directory(scratch / "tree").ok());
  EXPECT_TRUE(fits.build_in_memory().ok());

  scratch.write(path + "/too-deep", "x");
  ImageBuilder builder;
  auto result = builder.add_directory(scratch / "tree");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "host path '" + (scratch / (path + "/too-deep")).string() +
                                "': 65 levels deep in the image, deeper than the limit of 64");
}

TEST(ImageBuilder, SpecialHostFilesAreRefusedByPath) {
  ScratchDirectory scratch;
  scratch.mkdir("tree");
  auto fifo = scratch / "tree/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  ImageBuilder builder;
  auto result = builder.add_directory(scratch / "tree");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "host path '" + fifo.string() +
                                "': is a fifo; an image holds only regular files, directories and symlinks");
}

TEST(ImageBuilder, HostSymlinkLoopIsRefusedByPath) {
  ScratchDirectory scratch;
  auto a = scratch.symlink("tree/a", "b");
  scratch.symlink("tree/b", "/a");
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_directory(scratch / "tree").ok());
  std::string error = build_error(builder);
  EXPECT_EQ(error.rfind("host path '" + a.string() + "': symlink '/a' -> 'b' loops (more than 40 hops: /a -> /b -> /a", 0), 0u)
      << error;

  BuildOptions options;
  options.check_symlinks = false;
  ImageBuilder allowed(options);
  ASSERT_TRUE(allowed.add_directory(scratch / "tree").ok());
  EXPECT_TRUE(allowed.build_in_memory().ok());
}

TEST(ImageBuilder, SymlinkChainsWithinTheHopLimitAreFine) {
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_file("/target", "end").ok());
  // l0 -> l1 -> ... -> l39 -> target: 40 hops, the most the kernel follows.
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(builder.add_symlink("/l" + std::to_string(i), i == 39 ? "target" : "l" + std::to_string(i + 1)).ok());
  EXPECT_TRUE(builder.build_in_memory().ok());
  ASSERT_TRUE(builder.add_symlink("/l", "l0").ok());
  EXPECT_NE(build_error(builder).find("symlink '/l' -> 'l0' loops (more than 40 hops"), std::string::npos);
}

TEST(ImageBuilder, SymlinkThroughDirectoriesAndDotDotResolvesLikeTheKernel) {
  ImageBuilder builder;
  ASSERT_TRUE(builder.add_symlink("/a/up", "..").ok());
  ASSERT_TRUE(builder.add_symlink("/a/self", "up/a/self").ok());  // /a/self -> /a/self: a loop
  std::string error = build_error(builder);
  EXPECT_NE(error.find("entry '/a/self': symlink '/a/self' -> 'up/a/self' loops"), std::string::npos) << error;
}

TEST(ImageBuilder, TargetOverTheLimitIsRefused) {
  ImageBuilder builder;
  EXPECT_TRUE(builder.add_symlink("/ok", std::string(4095, 't')).ok());
  auto result = builder.add_symlink("/long", std::string(4096, 't'));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("got 4096 bytes"), std::string::npos) << result.error();
}

TEST(ImageBuilder, AnEmptyTreeIsAValidImageWithJustTheRoot) {
  ImageBuilder builder;
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  EXPECT_EQ(image.superblock().inode_count, 1u);
  EXPECT_EQ(image.superblock().entry_count, 0u);
  EXPECT_TRUE(image.verify().is_ok());
}

TEST(ImageBuilder, ManyEntriesInOneDirectory) {
  ImageBuilder builder;
  constexpr int kFiles = 20000;
  for (int i = 0; i < kFiles; ++i) ASSERT_TRUE(builder.add_file("/d/" + std::to_string(i), std::to_string(i * 7)).ok());
  auto bytes = build(builder);
  RofsImage image = open(bytes);
  EXPECT_EQ(inode(image, "/d").size, uint64_t{kFiles});
  for (int i = 0; i < kFiles; i += 997) EXPECT_EQ(contents(image, "/d/" + std::to_string(i)), std::to_string(i * 7));
  EXPECT_TRUE(image.verify().is_ok());
}

}  // namespace
}  // namespace tessera::image
