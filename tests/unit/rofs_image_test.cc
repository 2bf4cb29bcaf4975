// The ROFS reader on valid images: what it returns, and that it returns pointers into the
// image. Refusals of bad images are in rofs_bad_image_test.cc.
#include "fs/rofs/rofs_image.hh"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "unit/rofs_test_image.hh"

namespace tessera::rofs {
namespace {

using test::TestImage;
using test::TestImageWriter;

std::string str(ktl::StringView view) { return std::string(view.data(), view.length()); }
std::string str(ktl::Bytes bytes) { return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()); }
ktl::StringView view(const std::string& text) { return ktl::StringView(text.data(), text.size()); }

RofsImage open_ok(const TestImage& image, RofsImage::OpenOptions options = {}) {
  auto result = RofsImage::try_open(image.bytes(), options);
  EXPECT_TRUE(result.is_ok()) << result.error().message();
  return result.release_value();
}

uint32_t lookup_ok(const RofsImage& rofs, uint32_t directory, const std::string& name) {
  auto result = rofs.lookup(directory, view(name));
  EXPECT_TRUE(result.is_ok()) << name << ": " << (result.is_error() ? result.error().message() : "");
  return result.is_ok() ? result.value() : 0;
}

struct SmallTree {
  TestImageWriter writer;
  uint32_t etc, conf, empty, link, app, readme, absolute_link;
  SmallTree(uint32_t alignment = 8, bool page_flag = false) : writer(alignment, page_flag) {
    etc = writer.directory(TestImageWriter::kRoot, "etc", 0750);
    conf = writer.file(etc, "kernel.conf", "log.level=debug\n", 0600);
    empty = writer.file(etc, "empty", "");
    link = writer.symlink(etc, "conf", "kernel.conf");
    app = writer.directory(TestImageWriter::kRoot, "app");
    readme = writer.file(app, "README", std::string(10'000, 'r'));
    absolute_link = writer.symlink(TestImageWriter::kRoot, "config", "/etc/kernel.conf");
    writer.set_owner(conf, 1000, 100);
    writer.set_mtime(conf, -5);
  }
};

TEST(RofsImage, OpensAndExposesTheSuperblock) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  EXPECT_EQ(rofs.root(), 0u);
  EXPECT_EQ(rofs.superblock().inode_count, 8u);
  EXPECT_EQ(rofs.superblock().entry_count, 7u);
  EXPECT_EQ(&rofs.superblock(), reinterpret_cast<const Superblock*>(image.data()));
  EXPECT_TRUE(rofs.verify().is_ok()) << rofs.verify().error().message();
}

TEST(RofsImage, LooksUpAndReadsMetadata) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t etc = lookup_ok(rofs, rofs.root(), "etc");
  EXPECT_EQ(etc, tree.writer.number_of(tree.etc));
  uint32_t conf = lookup_ok(rofs, etc, "kernel.conf");
  const Inode* inode = rofs.inode(conf).value();
  EXPECT_EQ(inode->mode, mode::kRegular | 0600);
  EXPECT_EQ(inode->uid, 1000u);
  EXPECT_EQ(inode->gid, 100u);
  EXPECT_EQ(inode->mtime_ns, -5);
  EXPECT_EQ(inode->size, 16u);
  EXPECT_EQ(rofs.inode(etc).value()->mode, mode::kDirectory | 0750);
  EXPECT_EQ(rofs.inode(etc).value()->parent, rofs.root());
}

TEST(RofsImage, FileDataPointsIntoTheImage) {
  SmallTree tree(4096, true);
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t app = lookup_ok(rofs, rofs.root(), "app");
  uint32_t readme = lookup_ok(rofs, app, "README");
  ktl::Bytes data = rofs.file_data(readme).value();
  EXPECT_GE(data.data(), image.data());
  EXPECT_LE(data.data() + data.size(), image.data() + image.size());
  EXPECT_EQ((data.data() - image.data()) % 4096, 0);
  EXPECT_EQ(str(data), std::string(10'000, 'r'));
  EXPECT_TRUE(rofs.verify_file(readme).is_ok());
}

TEST(RofsImage, EmptyFileHasNoBytes) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t empty = lookup_ok(rofs, lookup_ok(rofs, rofs.root(), "etc"), "empty");
  EXPECT_EQ(rofs.file_data(empty).value().size(), 0u);
  EXPECT_TRUE(rofs.verify_file(empty).is_ok());
}

TEST(RofsImage, SymlinkTargetsAreReturnedVerbatim) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t etc = lookup_ok(rofs, rofs.root(), "etc");
  EXPECT_EQ(str(rofs.symlink_target(lookup_ok(rofs, etc, "conf")).value()), "kernel.conf");
  EXPECT_EQ(str(rofs.symlink_target(lookup_ok(rofs, rofs.root(), "config")).value()), "/etc/kernel.conf");
  EXPECT_EQ(rofs.inode(lookup_ok(rofs, etc, "conf")).value()->mode & mode::kTypeMask, mode::kSymlink);
}

TEST(RofsImage, WrongTypeErrors) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t etc = lookup_ok(rofs, rofs.root(), "etc");
  uint32_t conf = lookup_ok(rofs, etc, "kernel.conf");
  uint32_t link = lookup_ok(rofs, etc, "conf");
  EXPECT_EQ(rofs.lookup(conf, "x").error().code(), kENOTDIR);
  EXPECT_EQ(rofs.entry(link, 0).error().code(), kENOTDIR);
  EXPECT_EQ(rofs.file_data(etc).error().code(), kEISDIR);
  EXPECT_EQ(rofs.file_data(link).error().code(), kEINVAL);
  EXPECT_EQ(rofs.symlink_target(conf).error().code(), kEINVAL);
  EXPECT_EQ(rofs.verify_file(etc).error().code(), kEISDIR);
}

TEST(RofsImage, AbsentNamesAreEnoent) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  RofsImage rofs = open_ok(image);
  for (const char* name : {"", "a", "zzz", "etcc", "et", "app/", ".", "..", "kernel.conf"})
    EXPECT_EQ(rofs.lookup(rofs.root(), name).error().code(), kENOENT) << name;
  std::string too_long(300, 'e');
  EXPECT_EQ(rofs.lookup(rofs.root(), view(too_long)).error().code(), kENOENT);
}

TEST(RofsImage, EntriesComeInBytewiseOrder) {
  TestImageWriter writer;
  // Bytewise unsigned order: uppercase < lowercase < UTF-8 lead bytes; a prefix first.
  std::vector<std::string> names = {"b",          "a0",    "a",     "\xc3\xa9t\xc3\xa9",  "Z",
                                    "with space", "-dash", "a\x01", std::string(255, 'n')};
  for (const auto& name : names) writer.file(TestImageWriter::kRoot, name, name);
  TestImage image = writer.build();
  RofsImage rofs = open_ok(image);

  std::vector<std::string> expected = {
      "-dash", "Z", "a", "a\x01", "a0", "b", std::string(255, 'n'), "with space", "\xc3\xa9t\xc3\xa9"};
  std::vector<std::string> listed;
  for (uint64_t index = 0;; ++index) {
    auto entry = rofs.entry(rofs.root(), index);
    if (entry.is_error()) {
      EXPECT_EQ(entry.error().code(), kENOENT);
      break;
    }
    listed.push_back(str(entry.value().name));
    EXPECT_EQ(str(rofs.file_data(entry.value().inode).value()), listed.back());
  }
  EXPECT_EQ(listed, expected);
  for (const auto& name : names) EXPECT_EQ(str(rofs.file_data(lookup_ok(rofs, rofs.root(), name)).value()), name);
}

TEST(RofsImage, LargeDirectoryLookupFindsEveryName) {
  TestImageWriter writer;
  constexpr int kFiles = 100'000;
  for (int i = 0; i < kFiles; ++i) writer.file(TestImageWriter::kRoot, "file-" + std::to_string(i), "");
  TestImage image = writer.build();
  RofsImage rofs = open_ok(image);
  EXPECT_EQ(rofs.inode(rofs.root()).value()->size, uint64_t{kFiles});
  for (int i = 0; i < kFiles; ++i) {
    std::string name = "file-" + std::to_string(i);
    auto found = rofs.lookup(rofs.root(), view(name));
    ASSERT_TRUE(found.is_ok()) << name;
    ASSERT_EQ(found.value(), writer.number_of(static_cast<uint32_t>(i + 1)));
    ASSERT_EQ(rofs.lookup(rofs.root(), view(name + "x")).error().code(), kENOENT);
  }
}

TEST(RofsImage, DeepTreeParentsLeadBackToTheRoot) {
  TestImageWriter writer;
  uint32_t handle = TestImageWriter::kRoot;
  for (uint32_t depth = 0; depth < limit::kMaxPathDepth; ++depth) handle = writer.directory(handle, "d");
  writer.file(handle, "leaf", "deep");
  TestImage image = writer.build();
  RofsImage rofs = open_ok(image);
  uint32_t directory = rofs.root();
  for (uint32_t depth = 0; depth < limit::kMaxPathDepth; ++depth) {
    uint32_t child = lookup_ok(rofs, directory, "d");
    ASSERT_GT(child, directory);
    ASSERT_EQ(rofs.inode(child).value()->parent, directory);
    directory = child;
  }
  EXPECT_EQ(str(rofs.file_data(lookup_ok(rofs, directory, "leaf")).value()), "deep");
  uint32_t steps = 0;
  while (directory != rofs.root()) {
    directory = rofs.inode(directory).value()->parent;
    ++steps;
  }
  EXPECT_EQ(steps, limit::kMaxPathDepth);
}

TEST(RofsImage, ImageMayBeLongerThanImageSize) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  size_t image_size = image.size();
  image.resize(image_size + 12'345);
  RofsImage rofs = open_ok(image);
  EXPECT_TRUE(rofs.verify().is_ok());
}

TEST(RofsImage, ChecksumCanBeSkippedAtOpen) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  image.superblock().reserved[0] = 1;  // ignored by readers, but covered by the checksum
  EXPECT_EQ(RofsImage::try_open(image.bytes()).error().code(), kEBADMSG);
  RofsImage rofs = open_ok(image, RofsImage::OpenOptions{.verify_metadata_checksum = false});
  EXPECT_TRUE(rofs.verify().is_ok());
}

TEST(RofsImage, UnknownCompatibleFeaturesAndMinorVersionsAreAccepted) {
  SmallTree tree;
  TestImage image = tree.writer.build();
  image.superblock().compatible_features |= 0x80000000u;
  image.superblock().version_minor = 7;
  image.reseal();
  EXPECT_TRUE(RofsImage::try_open(image.bytes()).is_ok());
}

// The fuzzer's seeds come from a second writer (fuzz/make_rofs_image_seeds.py, Python,
// from the spec alone) and from `tessera image build`: all must be valid images.
TEST(RofsImage, FuzzSeedsAreValidImages) {
  auto corpus = std::filesystem::path(__FILE__).parent_path() / "../../fuzz/corpus/rofs_image";
  int seeds = 0;
  for (const auto& file : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(file.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    TestImage image(bytes.size());
    std::memcpy(image.data(), bytes.data(), bytes.size());
    auto rofs = RofsImage::try_open(image.bytes());
    ASSERT_TRUE(rofs.is_ok()) << file.path() << ": " << rofs.error().message();
    auto verified = rofs.value().verify();
    EXPECT_TRUE(verified.is_ok()) << file.path() << ": " << verified.error().message();
    ++seeds;
  }
  EXPECT_GE(seeds, 7);
}

// Random corruption, resealed or not: every access either succeeds or fails with a
// "rofs: " message; the sanitizer builds check that nothing reads out of bounds.
TEST(RofsImage, RandomCorruptionNeverEscapes) {
  SmallTree tree;
  TestImage pristine = tree.writer.build();
  std::mt19937 random(1234);
  int refused = 0;
  for (int round = 0; round < 3000; ++round) {
    TestImage image = pristine;
    int flips = 1 + static_cast<int>(random() % 4);
    size_t span = round % 2 ? image.superblock().metadata_size : image.size();
    for (int i = 0; i < flips; ++i) image.data()[random() % span] ^= static_cast<uint8_t>(1u << (random() % 8));
    if (round % 3 != 0) image.reseal();
    auto opened = RofsImage::try_open(image.bytes());
    if (opened.is_error()) {
      ++refused;
      ASSERT_EQ(std::string(opened.error().message()).rfind("rofs: ", 0), 0u) << opened.error().message();
      continue;
    }
    const RofsImage& rofs = opened.value();
    auto verified = rofs.verify();
    if (verified.is_error()) {
      ++refused;
      ASSERT_EQ(std::string(verified.error().message()).rfind("rofs: ", 0), 0u) << verified.error().message();
    }
    for (uint32_t number = 0; number < rofs.superblock().inode_count; ++number) {
      auto data = rofs.file_data(number);
      if (data.is_ok()) {
        ASSERT_GE(data.value().data(), image.data());
        ASSERT_LE(data.value().data() + data.value().size(), image.data() + image.size());
      }
      (void)rofs.symlink_target(number);
      (void)rofs.lookup(number, "README");
      (void)rofs.entry(number, 0);
    }
  }
  EXPECT_GT(refused, 1000);
}

}  // namespace
}  // namespace tessera::rofs
