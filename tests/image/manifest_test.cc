// The manifest: grammar, attributes, how it combines with a scanned tree, and errors that
// name the manifest file and line.
#include "image/manifest.hh"

#include <gtest/gtest.h>

#include "fs/rofs/rofs_image.hh"
#include "image/image_builder.hh"
#include "image/image_test_support.hh"

namespace tessera::image {
namespace {

using rofs::RofsImage;
using testing::ScratchDirectory;

class ManifestTest : public ::testing::Test {
 protected:
  // Adds `text` as manifest "m" (relative host paths resolve in the scratch directory).
  Expected<void> add(const std::string& text) { return builder_.add_manifest_text(text, "m", scratch_.path()); }
  std::string error_of(const std::string& text) {
    auto result = add(text);
    EXPECT_FALSE(result.ok()) << text;
    return result.ok() ? std::string() : result.error();
  }
  const SourceNode* node(const std::string& path) { return builder_.tree().find(path); }

  ScratchDirectory scratch_;
  ImageBuilder builder_;
};

TEST_F(ManifestTest, EntriesOfEveryKindWithAttributes) {
  scratch_.write("host/conf", "a=1\n", 0600);
  scratch_.write("host/tree/x", "x");
  scratch_.write("host/tree/sub/y", "yy");
  ASSERT_TRUE(add("# comment line\n"
                  "\n"
                  "dir /etc mode=0700 uid=5 gid=6 mtime=100\n"
                  "file /etc/conf host/conf mode=0640\n"
                  "file \"/etc/with space\" host/conf   # trailing comment\n"
                  "symlink /etc/link conf uid=7\n"
                  "tree /srv host/tree\n")
                  .ok());
  EXPECT_EQ(node("/etc")->permissions, 0700);
  EXPECT_EQ(node("/etc")->uid, 5u);
  EXPECT_EQ(node("/etc")->gid, 6u);
  EXPECT_EQ(node("/etc")->mtime_ns, 100LL * 1000000000);
  EXPECT_EQ(node("/etc/conf")->permissions, 0640);
  EXPECT_EQ(node("/etc/with space")->permissions, 0600);  // from the host
  EXPECT_EQ(node("/etc/link")->target, "conf");
  EXPECT_EQ(node("/etc/link")->uid, 7u);
  EXPECT_EQ(node("/srv/sub/y")->size, 2u);

  auto bytes = builder_.build_in_memory();
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  auto image = RofsImage::try_open(ktl::Bytes(bytes.value().data(), bytes.value().size()));
  ASSERT_TRUE(image.is_ok());
  auto etc = image.value().lookup(0, "etc");
  ASSERT_TRUE(etc.is_ok());
  const rofs::Inode& inode = *image.value().inode(etc.value()).value();
  EXPECT_EQ(inode.mode, rofs::mode::kDirectory | 0700);
  EXPECT_EQ(inode.uid, 5u);
  EXPECT_EQ(inode.mtime_ns, 100LL * 1000000000);
  EXPECT_TRUE(image.value().verify().is_ok());
}

TEST_F(ManifestTest, QuotedWordsTakeEscapes) {
  ASSERT_TRUE(add("symlink \"/q\\\"uote\" \"back\\\\slash\"\n").ok());
  EXPECT_EQ(node("/q\"uote")->target, "back\\slash");
}

TEST_F(ManifestTest, DirAddsAttributesToAScannedDirectoryAndKeepsItsChildren) {
  scratch_.write("tree/etc/passwd", "root");
  ASSERT_TRUE(builder_.add_directory(scratch_ / "tree").ok());
  ASSERT_TRUE(add("dir /etc mode=0711\n").ok());
  EXPECT_EQ(node("/etc")->permissions, 0711);
  ASSERT_NE(node("/etc/passwd"), nullptr);
}

TEST_F(ManifestTest, ParentsAreCreatedImplicitly) {
  ASSERT_TRUE(add("symlink /a/b/c/link target\n").ok());
  EXPECT_TRUE(node("/a/b")->is_directory());
  EXPECT_EQ(node("/a/b")->permissions, 0755);
}

TEST_F(ManifestTest, ErrorsNameTheManifestLine) {
  scratch_.write("file", "x");
  scratch_.mkdir("dir");
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"\n\nfil /a file\n", "manifest 'm' line 3: unknown entry kind 'fil' (known: dir, file, symlink, tree)"},
      {"file /a\n", "manifest 'm' line 1: expected 'file IMAGE_PATH HOST_PATH [mode=0644] [uid=N] [gid=N] [mtime=SECONDS]'"},
      {"file /a missing\n", "manifest 'm' line 1: host path '" + (scratch_ / "missing").string() +
                                "': cannot stat: No such file or directory"},
      {"file /a dir\n", "manifest 'm' line 1: host path '" + (scratch_ / "dir").string() +
                            "' is a directory; use 'tree' to copy one"},
      {"file a file\n", "manifest 'm' line 1: image path 'a' must be absolute (start with '/')"},
      {"file /x/../a file\n", "manifest 'm' line 1: image path '/x/../a' contains '..'; write the path without it"},
      {"file /a file mode=0999\n", "manifest 'm' line 1: mode '0999' is not a valid octal number"},
      {"file /a file mode=17777\n", "manifest 'm' line 1: mode '17777' has bits outside 07777"},
      {"file /a file owner=1\n", "manifest 'm' line 1: unknown attribute 'owner' (known: mode, uid, gid, mtime)"},
      {"file /a file extra\n", "manifest 'm' line 1: unexpected word 'extra' (attributes are mode=, uid=, gid=, mtime=)"},
      {"dir /a uid=-1\n", "manifest 'm' line 1: uid '-1' is not a valid number"},
      {"symlink /a b mode=0777\n", "manifest 'm' line 1: a symlink has no mode (it is always 0777)"},
      {"symlink \"/a b\n", "manifest 'm' line 1: unterminated quoted word"},
      {"symlink /a \"b\"c\n", "manifest 'm' line 1: a quoted word must be followed by a space"},
      {"symlink /a \"\\n\"\n", "manifest 'm' line 1: unknown escape '\\n' (only \\\" and \\\\)"},
      {"symlink /a \"\"\n", "manifest 'm' line 1: symlink target is empty"},
      {"tree /t file\n", "manifest 'm' line 1: host path '" + (scratch_ / "file").string() + "': not a directory"},
      {"tree /t dir mode=0755\n", "manifest 'm' line 1: 'tree' takes no attributes (they come from the host)"},
      {"symlink / x\n", "manifest 'm' line 1: the image root '/' can only be a directory"},
  };
  for (const auto& c : cases) {
    ImageBuilder fresh;
    auto result = fresh.add_manifest_text(c.text, "m", scratch_.path());
    ASSERT_FALSE(result.ok()) << c.text;
    EXPECT_EQ(result.error(), c.error) << c.text;
  }
}

TEST_F(ManifestTest, DuplicateEntriesNameBothLines) {
  scratch_.write("file", "x");
  EXPECT_EQ(error_of("file /a file\nsymlink /a elsewhere\n"),
            "manifest 'm' line 2: '/a' is already in the image as a file (from manifest 'm' line 1)");
}

TEST_F(ManifestTest, AFileInThePathOfADirectoryIsNamed) {
  scratch_.write("file", "x");
  EXPECT_EQ(error_of("file /a file\nsymlink /a/b c\n"),
            "manifest 'm' line 2: '/a' is a file (from manifest 'm' line 1), not a directory");
}

TEST_F(ManifestTest, PathDeeperThanTheLimitIsNamed) {
  std::string path;
  for (int level = 0; level < 64; ++level) path += "/d";
  EXPECT_TRUE(add("dir " + path + "\n").ok());
  EXPECT_EQ(error_of("dir " + path + "/e\n"),
            "manifest 'm' line 1: image path '" + path + "/e' is 65 levels deep, deeper than the limit of 64");
}

TEST_F(ManifestTest, NameOverTheLimitIsNamed) {
  std::string name(256, 'n');
  EXPECT_EQ(error_of("symlink /" + name + " x\n"), "manifest 'm' line 1: name '" + name.substr(0, 40) +
                                                       "...' is 256 bytes, longer than the limit of 255");
}

TEST_F(ManifestTest, SymlinkLoopNamesTheLine) {
  ASSERT_TRUE(add("symlink /etc/a b\nsymlink /etc/b ../etc/a\n").ok());
  auto image = builder_.build_in_memory();
  ASSERT_FALSE(image.ok());
  EXPECT_EQ(image.error().rfind("manifest 'm' line 1: symlink '/etc/a' -> 'b' loops (more than 40 hops: "
                                "/etc/a -> /etc/b -> /etc/a",
                                0),
            0u)
      << image.error();
}

TEST_F(ManifestTest, HostPathsAreRelativeToTheManifestFile) {
  scratch_.write("sub/data", "payload");
  scratch_.write("sub/list.manifest", "file /data data\n");
  ASSERT_TRUE(builder_.add_manifest(scratch_ / "sub/list.manifest").ok());
  EXPECT_EQ(node("/data")->size, 7u);
  ImageBuilder missing;
  auto result = missing.add_manifest(scratch_ / "nope.manifest");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "manifest '" + (scratch_ / "nope.manifest").string() +
                                "': cannot read: No such file or directory");
}

}  // namespace
}  // namespace tessera::image
