// The bad-image corpus: one hand-made image per check of docs/rofs.md ("Checks"), each
// refused with that check's own message and code. Images are made by corrupting one field
// of a valid image and resealing the metadata checksum, so that the corruption reaches
// the check under test rather than the checksum.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

#include "fs/rofs/rofs_image.hh"
#include "unit/rofs_test_image.hh"

namespace tessera::rofs {
namespace {

using test::TestImage;
using test::TestImageWriter;

std::string f(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string f(const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  return buffer;
}

template <typename T> void expect_error(const Result<T>& result, int code, const std::string& message) {
  ASSERT_TRUE(result.is_error()) << "expected: " << message;
  EXPECT_EQ(std::string(result.error().message()), message);
  EXPECT_EQ(result.error().code(), code) << errno_name(result.error().code());
}

// The valid image every case starts from (inode numbers in brackets):
//   / [0]: app/ [1], config -> /etc/kernel.conf [2], etc/ [3]
//   /app: README [4]          /etc: conf -> kernel.conf [5], empty [6], kernel.conf [7]
// Entries: 0..2 the root's, 3 app's, 4..6 etc's. Data aligned to 16.
class BadImage : public ::testing::Test {
 protected:
  static constexpr uint32_t kApp = 1, kConfig = 2, kEtc = 3, kReadme = 4, kConf = 5, kEmpty = 6, kKernelConf = 7;

  void SetUp() override {
    TestImageWriter writer(16);
    uint32_t etc = writer.directory(TestImageWriter::kRoot, "etc");
    writer.file(etc, "kernel.conf", "log.level=debug\n");
    writer.file(etc, "empty", "");
    writer.symlink(etc, "conf", "kernel.conf");
    uint32_t app = writer.directory(TestImageWriter::kRoot, "app");
    writer.file(app, "README", std::string(1000, 'r'));
    writer.symlink(TestImageWriter::kRoot, "config", "/etc/kernel.conf");
    image = writer.build();
    ASSERT_EQ(image.superblock().inode_count, 8u);
    ASSERT_EQ(image.entry(0).inode, kApp);
    ASSERT_EQ(image.entry(3).inode, kReadme);
    ASSERT_EQ(image.entry(4).inode, kConf);
    ASSERT_EQ(image.inode(kKernelConf).size, 16u);
    ASSERT_TRUE(RofsImage::try_open(image.bytes()).is_ok());
  }

  Superblock& sb() { return image.superblock(); }
  unsigned long long metadata_size() { return sb().metadata_size; }
  unsigned long long image_size() { return sb().image_size; }

  // Reseals, then opens; the mount checks must refuse.
  void expect_refused_at_mount(int code, const std::string& message) {
    image.reseal();
    expect_error(RofsImage::try_open(image.bytes()), code, message);
  }
  // Reseals, then opens; the mount must succeed (the fault is in an inode or entry).
  RofsImage mounted() {
    image.reseal();
    auto result = RofsImage::try_open(image.bytes());
    EXPECT_TRUE(result.is_ok()) << result.error().message();
    return result.release_value();
  }
  // Whatever finds a fault first, verify() must report it too.
  void expect_verify_fails(int code, const std::string& message) { expect_error(mounted().verify(), code, message); }

  TestImage image{0};
};

// ---- At mount ----

TEST_F(BadImage, M1_Misaligned) {
  ktl::Bytes shifted(image.data() + 1, image.size() - 1);
  expect_error(RofsImage::try_open(shifted), kEINVAL,
               f("rofs: image address %p is not 8-byte aligned", static_cast<const void*>(image.data() + 1)));
}

TEST_F(BadImage, M2_TooSmallForSuperblock) {
  expect_error(RofsImage::try_open(ktl::Bytes(image.data(), 127)), kEINVAL,
               "rofs: image is 127 bytes, smaller than the 128-byte superblock");
  expect_error(RofsImage::try_open(ktl::Bytes(image.data(), 0)), kEINVAL,
               "rofs: image is 0 bytes, smaller than the 128-byte superblock");
}

TEST_F(BadImage, M3_Magic) {
  sb().magic[7] = 'Z';
  expect_refused_at_mount(kEINVAL, "rofs: bad magic: not a ROFS image");
}

TEST_F(BadImage, M4_MajorVersion) {
  sb().version_major = 2;
  sb().version_minor = 3;
  expect_refused_at_mount(kENOTSUP, "rofs: unsupported version 2.3 (this reader reads 1.x)");
  sb().version_major = 0;
  expect_refused_at_mount(kENOTSUP, "rofs: unsupported version 0.3 (this reader reads 1.x)");
}

TEST_F(BadImage, M5_SuperblockSize) {
  sb().superblock_size = 256;
  expect_refused_at_mount(kEINVAL, "rofs: superblock_size 256, expected 128");
}

TEST_F(BadImage, M6_InodeSize) {
  sb().inode_size = 128;
  expect_refused_at_mount(kEINVAL, "rofs: inode_size 128, expected 64");
}

TEST_F(BadImage, M7_EntrySize) {
  sb().entry_size = 12;
  expect_refused_at_mount(kEINVAL, "rofs: entry_size 12, expected 16");
}

TEST_F(BadImage, M8_UnknownIncompatibleFeature) {
  sb().incompatible_features = 0x11;
  expect_refused_at_mount(kENOTSUP, "rofs: unknown incompatible features 0x11");
}

TEST_F(BadImage, M9_ImageSizeLimit) {
  sb().image_size = 1ull << 41;
  expect_refused_at_mount(kEINVAL, "rofs: image_size 2199023255552 exceeds the limit 1099511627776");
}

TEST_F(BadImage, M10_Truncated) {
  size_t size = image.size();
  image.resize(size - 1);
  expect_refused_at_mount(kEINVAL,
                          f("rofs: image_size %zu but only %zu bytes are mapped (truncated image?)", size, size - 1));
}

TEST_F(BadImage, M11_MetadataSize) {
  unsigned long long original = metadata_size();
  sb().metadata_size = 64;
  expect_refused_at_mount(kEINVAL, f("rofs: metadata_size 64 outside [128, image_size %llu]", image_size()));
  sb().metadata_size = image_size() + 1;
  // (The reseal covers only the mapped bytes; the size check comes before the checksum.)
  expect_refused_at_mount(kEINVAL,
                          f("rofs: metadata_size %llu outside [128, image_size %llu]", image_size() + 1, image_size()));
  sb().metadata_size = original;
}

TEST_F(BadImage, M12_MetadataChecksum) {
  uint32_t recorded = sb().metadata_crc32c;
  image.inode(kReadme).reserved2[3] = 0x40;  // a byte no other check looks at
  expect_error(RofsImage::try_open(image.bytes()), kEBADMSG,
               f("rofs: metadata checksum mismatch: superblock says 0x%08x, computed 0x%08x", recorded,
                 image.compute_metadata_crc()));
  // The checksum field itself is covered too: any other value is refused.
  image.inode(kReadme).reserved2[3] = 0;
  sb().metadata_crc32c = recorded ^ 1;
  expect_error(RofsImage::try_open(image.bytes()), kEBADMSG,
               f("rofs: metadata checksum mismatch: superblock says 0x%08x, computed 0x%08x", recorded ^ 1, recorded));
}

TEST_F(BadImage, M13_DataAlignment) {
  for (uint32_t alignment : {0u, 24u, 1u << 17}) {
    sb().data_alignment = alignment;
    expect_refused_at_mount(kEINVAL, f("rofs: data_alignment %u is not a power of two in [1, 65536]", alignment));
  }
}

TEST_F(BadImage, M14_PageAlignedFlagWithoutPageAlignment) {
  sb().compatible_features |= feature::kPageAlignedData;
  expect_refused_at_mount(kEINVAL, "rofs: page_aligned_data set but data_alignment is 16");
}

TEST_F(BadImage, M15_InodeCount) {
  sb().inode_count = 0;
  expect_refused_at_mount(kEINVAL, "rofs: inode_count 0 outside [1, 16777216]");
  sb().inode_count = (1u << 24) + 1;
  expect_refused_at_mount(kEINVAL, "rofs: inode_count 16777217 outside [1, 16777216]");
}

TEST_F(BadImage, M16_EntryCountIsInodeCountMinusOne) {
  sb().entry_count = 6;
  expect_refused_at_mount(kEINVAL, "rofs: entry_count 6, must be inode_count - 1 = 7");
  sb().entry_count = 0xFFFFFFFFu;
  expect_refused_at_mount(kEINVAL, "rofs: entry_count 4294967295, must be inode_count - 1 = 7");
}

TEST_F(BadImage, M17_StringTableSize) {
  sb().string_table_size = (1ull << 30) + 1;
  expect_refused_at_mount(kEINVAL, "rofs: string_table_size 1073741825 exceeds the limit 1073741824");
}

TEST_F(BadImage, M18_TableAlignment) {
  sb().inode_table_offset = 132;
  expect_refused_at_mount(kEINVAL, "rofs: inode table offset 132 is not 8-byte aligned");
  sb().inode_table_offset = 128;
  sb().entry_table_offset += 4;
  expect_refused_at_mount(kEINVAL, "rofs: entry table offset 644 is not 8-byte aligned");
}

TEST_F(BadImage, M19_InodeTableBounds) {
  sb().inode_table_offset = 0;  // over the superblock
  expect_refused_at_mount(kEINVAL, f("rofs: inode table [0, +512) outside [128, metadata_size %llu)", metadata_size()));
  sb().inode_table_offset = 128;
  sb().inode_count = 1000;  // past the metadata
  sb().entry_count = 999;
  expect_refused_at_mount(kEINVAL,
                          f("rofs: inode table [128, +64000) outside [128, metadata_size %llu)", metadata_size()));
  sb().inode_count = 8;
  sb().entry_count = 7;
  sb().inode_table_offset = ~0ull - 7;  // the end would wrap around
  expect_refused_at_mount(
      kEINVAL, f("rofs: inode table [18446744073709551608, +512) outside [128, metadata_size %llu)", metadata_size()));
}

TEST_F(BadImage, M20_EntryTableBounds) {
  ASSERT_EQ(sb().entry_table_offset, 640u);
  sb().entry_table_offset = 576;  // overlaps the inode table
  expect_refused_at_mount(
      kEINVAL, f("rofs: entry table [576, +112) outside [inode table end 640, metadata_size %llu)", metadata_size()));
  unsigned long long end_of_metadata = metadata_size() & ~7ull;
  sb().entry_table_offset = end_of_metadata - 8;  // past the metadata
  expect_refused_at_mount(kEINVAL, f("rofs: entry table [%llu, +112) outside [inode table end 640, metadata_size %llu)",
                                     end_of_metadata - 8, metadata_size()));
}

TEST_F(BadImage, M21_StringTableBounds) {
  ASSERT_EQ(sb().string_table_offset, 752u);
  unsigned long long size = sb().string_table_size;
  sb().string_table_offset = 744;  // overlaps the entry table
  expect_refused_at_mount(
      kEINVAL,
      f("rofs: string table [744, +%llu) outside [entry table end 752, metadata_size %llu)", size, metadata_size()));
  sb().string_table_offset = 752;
  sb().string_table_size = metadata_size();  // past the metadata
  expect_refused_at_mount(
      kEINVAL, f("rofs: string table [752, +%llu) outside [entry table end 752, metadata_size %llu)", metadata_size(),
                 metadata_size()));
}

TEST_F(BadImage, M22_DataOffsetAlignment) {
  unsigned long long shifted = sb().data_offset + 8;
  sb().data_offset = shifted;
  expect_refused_at_mount(kEINVAL, f("rofs: data_offset %llu is not a multiple of data_alignment 16", shifted));
}

TEST_F(BadImage, M23_DataAreaBounds) {
  unsigned long long offset = sb().data_offset, size = sb().data_size;
  sb().data_size = size + 16;  // past the image end
  expect_refused_at_mount(kEINVAL, f("rofs: data area [%llu, +%llu) outside [metadata_size %llu, image_size %llu)",
                                     offset, size + 16, metadata_size(), image_size()));
  sb().data_size = size;
  sb().data_offset = 0;  // over the metadata
  expect_refused_at_mount(kEINVAL, f("rofs: data area [0, +%llu) outside [metadata_size %llu, image_size %llu)", size,
                                     metadata_size(), image_size()));
}

// M24 runs the inode checks on the root at mount: I3 and I4.
TEST_F(BadImage, M24_I3_RootNotADirectory) {
  image.inode(0).mode = mode::kRegular | 0644;
  expect_refused_at_mount(kEINVAL, "rofs: inode 0: root is not a directory (mode 0100644)");
  image.inode(0).mode = 0;
  expect_refused_at_mount(kEINVAL, "rofs: inode 0: root is not a directory (mode 0)");
}

TEST_F(BadImage, M24_I4_RootParent) {
  image.inode(0).parent = 1;
  expect_refused_at_mount(kEINVAL, "rofs: inode 0: root's parent is 1, must be 0");
}

TEST_F(BadImage, M24_RootEntriesOutsideTable) {
  image.inode(0).offset = 5;
  expect_refused_at_mount(kEINVAL, "rofs: inode 0: entries [5, +3) outside the entry table (entry_count 7)");
}

// ---- Inodes ----

TEST_F(BadImage, I1_InodeNumberOutOfRange) {
  RofsImage rofs = mounted();
  expect_error(rofs.inode(8), kEINVAL, "rofs: inode 8 out of range (inode_count 8)");
  expect_error(rofs.file_data(0xFFFFFFFFu), kEINVAL, "rofs: inode 4294967295 out of range (inode_count 8)");
}

TEST_F(BadImage, I2_InvalidFileType) {
  image.inode(kReadme).mode = 0020644;  // a character device
  RofsImage rofs = mounted();
  expect_error(rofs.inode(kReadme), kEINVAL, "rofs: inode 4: invalid file type in mode 020644");
  expect_verify_fails(kEINVAL, "rofs: inode 4: invalid file type in mode 020644");
}

TEST_F(BadImage, I5_ParentNotLower) {
  image.inode(kEtc).parent = kEtc;
  expect_error(mounted().inode(kEtc), kEINVAL, "rofs: inode 3: parent 3 is not a lower inode number");
  image.inode(kEtc).parent = 7;
  expect_error(mounted().inode(kEtc), kEINVAL, "rofs: inode 3: parent 7 is not a lower inode number");
}

TEST_F(BadImage, I6_ParentNotADirectory) {
  image.inode(kEtc).parent = kConfig;
  expect_error(mounted().inode(kEtc), kEINVAL, "rofs: inode 3: parent 2 is not a directory");
}

TEST_F(BadImage, I7_ParentOnNonDirectory) {
  image.inode(kReadme).parent = kApp;
  expect_error(mounted().inode(kReadme), kEINVAL, "rofs: inode 4: parent 1 set on a non-directory");
  image.inode(kReadme).parent = 0;
  image.inode(kConf).parent = kEtc;
  expect_error(mounted().inode(kConf), kEINVAL, "rofs: inode 5: parent 3 set on a non-directory");
}

TEST_F(BadImage, I8_DirectoryEntriesOutsideTable) {
  image.inode(kEtc).offset = 6;
  expect_error(mounted().inode(kEtc), kEINVAL,
               "rofs: inode 3: entries [6, +3) outside the entry table (entry_count 7)");
  image.inode(kEtc).offset = 4;
  image.inode(kEtc).size = ~0ull;  // the end would wrap around
  expect_error(mounted().lookup(kEtc, "conf"), kEINVAL,
               "rofs: inode 3: entries [4, +18446744073709551615) outside the entry table (entry_count 7)");
}

TEST_F(BadImage, I9_EmptyFileWithOffset) {
  image.inode(kEmpty).offset = 16;
  expect_error(mounted().file_data(kEmpty), kEINVAL, "rofs: inode 6: empty file has data offset 16, must be 0");
}

TEST_F(BadImage, I10_FileDataMisaligned) {
  unsigned long long offset = image.inode(kReadme).offset + 8;
  image.inode(kReadme).offset = offset;
  expect_error(mounted().file_data(kReadme), kEINVAL,
               f("rofs: inode 4: data offset %llu is not a multiple of data_alignment 16", offset));
}

TEST_F(BadImage, I11_FileDataOutsideDataArea) {
  unsigned long long offset = image.inode(kReadme).offset;
  unsigned long long data_start = sb().data_offset, data_end = sb().data_offset + sb().data_size;
  image.inode(kReadme).size = 100'000;
  expect_error(
      mounted().file_data(kReadme), kEINVAL,
      f("rofs: inode 4: data [%llu, +100000) outside the data area [%llu, %llu)", offset, data_start, data_end));
  image.inode(kReadme).offset = 0;  // aligned, but in the metadata
  image.inode(kReadme).size = 1000;
  expect_error(mounted().file_data(kReadme), kEINVAL,
               f("rofs: inode 4: data [0, +1000) outside the data area [%llu, %llu)", data_start, data_end));
  image.inode(kReadme).offset = offset;
  image.inode(kReadme).size = ~0ull - 8;  // the end would wrap around
  expect_error(mounted().file_data(kReadme), kEINVAL,
               f("rofs: inode 4: data [%llu, +18446744073709551607) outside the data area [%llu, %llu)", offset,
                 data_start, data_end));
}

TEST_F(BadImage, I12_SymlinkLength) {
  image.inode(kConf).size = 0;
  expect_error(mounted().symlink_target(kConf), kEINVAL, "rofs: inode 5: symlink target length 0 outside [1, 4095]");
  image.inode(kConf).size = 4096;
  expect_error(mounted().symlink_target(kConf), kEINVAL, "rofs: inode 5: symlink target length 4096 outside [1, 4095]");
}

TEST_F(BadImage, I13_SymlinkOutsideStringTable) {
  unsigned long long strings = sb().string_table_size;
  image.inode(kConf).offset = strings - 2;
  expect_error(
      mounted().symlink_target(kConf), kEINVAL,
      f("rofs: inode 5: symlink target [%llu, +11) outside the string table (size %llu)", strings - 2, strings));
}

TEST_F(BadImage, I14_SymlinkTargetWithNul) {
  TestImageWriter writer;
  writer.symlink(TestImageWriter::kRoot, "link", std::string("a\0b", 3));
  image = writer.build();
  RofsImage rofs = mounted();
  EXPECT_TRUE(rofs.inode(1).is_ok());
  expect_error(rofs.symlink_target(1), kEINVAL, "rofs: inode 1: symlink target contains a NUL byte");
  expect_verify_fails(kEINVAL, "rofs: inode 1: symlink target contains a NUL byte");
}

TEST_F(BadImage, I15_FileDataChecksum) {
  uint32_t recorded = image.inode(kReadme).data_crc32c;
  uint8_t* data = image.data() + image.inode(kReadme).offset;
  data[500] ^= 0x20;
  uint32_t computed = crc32c(ktl::Bytes(data, 1000));
  RofsImage rofs = mounted();  // data is not metadata: the mount is fine
  EXPECT_TRUE(rofs.file_data(kReadme).is_ok());
  std::string message =
      f("rofs: inode 4: data checksum mismatch: inode says 0x%08x, computed 0x%08x", recorded, computed);
  expect_error(rofs.verify_file(kReadme), kEBADMSG, message);
  expect_verify_fails(kEBADMSG, message);
  // An empty file's checksum is 0.
  image.inode(kEmpty).data_crc32c = 7;
  expect_error(mounted().verify_file(kEmpty), kEBADMSG,
               "rofs: inode 6: data checksum mismatch: inode says 0x00000007, computed 0x00000000");
}

// ---- Directory entries ----

TEST_F(BadImage, E1_NameOutsideStringTable) {
  unsigned long long strings = sb().string_table_size;
  image.entry(3).name_offset = static_cast<uint32_t>(strings - 3);
  expect_error(
      mounted().lookup(kApp, "README"), kEINVAL,
      f("rofs: directory 1 entry 0: name [%llu, +6) outside the string table (size %llu)", strings - 3, strings));
  image.entry(3).name_offset = 0xFFFFFFFFu;
  expect_error(mounted().entry(kApp, 0), kEINVAL,
               f("rofs: directory 1 entry 0: name [4294967295, +6) outside the string table (size %llu)", strings));
}

TEST_F(BadImage, E2_NameLength) {
  image.entry(3).name_length = 0;
  expect_error(mounted().entry(kApp, 0), kEINVAL, "rofs: directory 1 entry 0: name length 0 outside [1, 255]");
  image.entry(3).name_length = 256;
  expect_error(mounted().lookup(kApp, "README"), kEINVAL,
               "rofs: directory 1 entry 0: name length 256 outside [1, 255]");
}

TEST_F(BadImage, E3_NameWithSlashOrNul) {
  for (std::string name : {std::string("a/b"), std::string("a\0b", 3), std::string("/")}) {
    TestImageWriter writer;
    writer.file(TestImageWriter::kRoot, name, "x");
    image = writer.build();
    expect_error(mounted().entry(0, 0), kEINVAL, "rofs: directory 0 entry 0: name contains '/' or a NUL byte");
    expect_error(mounted().lookup(0, ktl::StringView(name.data(), name.size())), kEINVAL,
                 "rofs: directory 0 entry 0: name contains '/' or a NUL byte");
  }
}

TEST_F(BadImage, E4_DotNames) {
  for (const char* name : {".", ".."}) {
    TestImageWriter writer;
    writer.directory(TestImageWriter::kRoot, name);
    image = writer.build();
    expect_error(mounted().entry(0, 0), kEINVAL, "rofs: directory 0 entry 0: name is '.' or '..'");
    expect_error(mounted().lookup(0, name), kEINVAL, "rofs: directory 0 entry 0: name is '.' or '..'");
  }
}

TEST_F(BadImage, E5_EntryNamesItsOwnInode) {
  image.entry(3).inode = 0;  // the root, again
  expect_error(mounted().lookup(kApp, "README"), kEINVAL,
               "rofs: directory 1 entry 0: names inode 0, but entry table index 3 must name inode 4");
  image.entry(3).inode = 8;  // out of range
  expect_error(mounted().entry(kApp, 0), kEINVAL,
               "rofs: directory 1 entry 0: names inode 8, but entry table index 3 must name inode 4");
  image.entry(3).inode = kKernelConf;  // a second name (hard link) for /etc/kernel.conf
  expect_error(mounted().entry(kApp, 0), kEINVAL,
               "rofs: directory 1 entry 0: names inode 7, but entry table index 3 must name inode 4");
  image.entry(3).inode = kReadme;
  image.entry(0).inode = kEtc;  // a second name for the directory /etc
  expect_verify_fails(kEINVAL, "rofs: directory 0 entry 0: names inode 3, but entry table index 0 must name inode 1");
}

TEST_F(BadImage, E6_ChildDirectoryNotAbove) {
  image.inode(kEtc).offset = 0;  // /etc lists the root's first entry: the directory /app
  image.inode(kEtc).size = 1;
  expect_error(mounted().lookup(kEtc, "app"), kEINVAL,
               "rofs: directory 3 entry 0: child directory 1 is not numbered above it");
  image.inode(kApp).offset = 0;  // /app lists itself
  expect_error(mounted().entry(kApp, 0), kEINVAL,
               "rofs: directory 1 entry 0: child directory 1 is not numbered above it");
}

TEST_F(BadImage, E7_ChildDirectoryParentMismatch) {
  TestImageWriter writer;
  uint32_t a = writer.directory(TestImageWriter::kRoot, "a");
  writer.directory(TestImageWriter::kRoot, "b");
  writer.directory(a, "c");
  image = writer.build();
  ASSERT_EQ(image.inode(3).parent, 1u);
  image.inode(3).parent = 2;  // "c" claims to live in "b"
  expect_error(mounted().lookup(1, "c"), kEINVAL, "rofs: directory 1 entry 0: child directory 3 says its parent is 2");
  expect_verify_fails(kEINVAL, "rofs: directory 1 entry 0: child directory 3 says its parent is 2");
}

TEST_F(BadImage, E8_UnsortedOrDuplicate) {
  auto swap_names = [&] {
    std::swap(image.entry(0).name_offset, image.entry(1).name_offset);
    std::swap(image.entry(0).name_length, image.entry(1).name_length);
  };
  swap_names();  // "config", "app", "etc"
  expect_error(mounted().entry(0, 1), kEINVAL,
               "rofs: directory 0 entries 0 and 1 are not in strictly increasing order");
  expect_error(mounted().lookup(0, "app"), kEINVAL,
               "rofs: directory 0 entries 0 and 1 are not in strictly increasing order");
  expect_verify_fails(kEINVAL, "rofs: directory 0 entries 0 and 1 are not in strictly increasing order");
  swap_names();
  image.entry(2).name_offset = image.entry(1).name_offset;  // "etc" renamed "config": a duplicate
  image.entry(2).name_length = image.entry(1).name_length;
  expect_error(mounted().entry(0, 2), kEINVAL,
               "rofs: directory 0 entries 1 and 2 are not in strictly increasing order");
  expect_error(mounted().lookup(0, "config"), kEINVAL,
               "rofs: directory 0 entries 1 and 2 are not in strictly increasing order");
}

TEST_F(BadImage, E8_LookupProbeOutOfOrder) {
  TestImageWriter writer;
  for (const char* name : {"a", "b", "c", "d", "e", "f", "g"}) writer.file(TestImageWriter::kRoot, name, name);
  image = writer.build();
  image.entry(5).name_offset = image.entry(2).name_offset;  // a, b, c, d, e, c, g
  // The search for "e" probes d (index 3), then index 5: "c" is not above "d".
  expect_error(mounted().lookup(0, "e"), kEINVAL,
               "rofs: directory 0 entries 3 and 5 are not in strictly increasing order");
  expect_verify_fails(kEINVAL, "rofs: directory 0 entries 4 and 5 are not in strictly increasing order");
}

TEST_F(BadImage, E9_ChildInodeChecks) {
  image.inode(kReadme).mode = 0010644;  // a FIFO
  expect_error(mounted().lookup(kApp, "README"), kEINVAL, "rofs: inode 4: invalid file type in mode 010644");
  expect_error(mounted().entry(kApp, 0), kEINVAL, "rofs: inode 4: invalid file type in mode 010644");
}

// ---- Whole image ----

TEST_F(BadImage, V1_DirectoriesShareEntries) {
  // /etc lists /app's entry too: /app/README gets a second path, /etc/README.
  image.inode(kEtc).offset = 3;
  image.inode(kEtc).size = 4;
  RofsImage rofs = mounted();
  EXPECT_TRUE(rofs.lookup(kEtc, "README").is_ok());  // not a mount or lookup check
  expect_error(rofs.verify(), kEINVAL, "rofs: inode 3: entries [3, +4) overlap or precede those of directory 1");
}

}  // namespace
}  // namespace tessera::rofs
