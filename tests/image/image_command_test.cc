// `tessera image ...` as a user runs it: the built binary, its output and exit status.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "image/image_test_support.hh"

namespace tessera::image {
namespace {

using testing::ScratchDirectory;

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

class ImageCommandTest : public ::testing::Test {
 protected:
  // Runs `tessera ARGS...` with `environment` (e.g. "SOURCE_DATE_EPOCH=5") in front.
  CommandRun tessera(const std::vector<std::string>& args, const std::string& environment = "") {
    std::string command = "env -u SOURCE_DATE_EPOCH " + environment + " " + quote(TESSERA_BINARY);
    for (const auto& arg : args) command += " " + quote(arg);
    command += " >" + quote((scratch_ / "stdout").string()) + " 2>" + quote((scratch_ / "stderr").string());
    int raw = std::system(command.c_str());
    CommandRun run;
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.out = slurp(scratch_ / "stdout");
    run.err = slurp(scratch_ / "stderr");
    return run;
  }
  std::string image_path() const { return (scratch_ / "out.img").string(); }
  // The tree used by most tests, built into out.img.
  void build_sample(const std::vector<std::string>& extra = {}) {
    scratch_.write("tree/etc/kernel.conf", "app=demo\n");
    scratch_.write("tree/bin/tool", std::string(5000, 'z'), 0755);
    scratch_.write("tree/empty", "");
    scratch_.write("extra.manifest", "symlink /etc/motd /etc/kernel.conf\nsymlink /up ..\n");
    std::vector<std::string> args{"image", "build", "-o", image_path(), "--from", (scratch_ / "tree").string(),
                                  "--manifest", (scratch_ / "extra.manifest").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto run = tessera(args);
    ASSERT_EQ(run.status, 0) << run.err;
  }

  ScratchDirectory scratch_;
};

TEST_F(ImageCommandTest, BuildReportsWhatItWrote) {
  build_sample();
  auto run = tessera({"image", "verify", image_path()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out.rfind(image_path() + ": ok (8 inodes, 7 directory entries, data area of ", 0), 0u) << run.out;
}

TEST_F(ImageCommandTest, LsListsNamesLongAndRecursively) {
  build_sample();
  auto names = tessera({"image", "ls", image_path()});
  EXPECT_EQ(names.status, 0) << names.err;
  EXPECT_EQ(names.out, "bin\nempty\netc\nup\n");
  auto etc = tessera({"image", "ls", "-l", image_path(), "/etc"});
  EXPECT_EQ(etc.out,
            "-rw-r--r-- 0 0 9 1970-01-01T00:00:00.000000000Z kernel.conf\n"
            "lrwxrwxrwx 0 0 16 1970-01-01T00:00:00.000000000Z motd -> /etc/kernel.conf\n");
  auto all = tessera({"image", "ls", "-R", image_path()});
  EXPECT_EQ(all.out, "/bin\n/bin/tool\n/empty\n/etc\n/etc/kernel.conf\n/etc/motd\n/up\n");
  auto file = tessera({"image", "ls", image_path(), "/bin/tool"});
  EXPECT_EQ(file.out, "/bin/tool\n");
}

TEST_F(ImageCommandTest, CatFollowsSymlinksAndDotDot) {
  build_sample();
  EXPECT_EQ(tessera({"image", "cat", image_path(), "/etc/motd"}).out, "app=demo\n");
  EXPECT_EQ(tessera({"image", "cat", image_path(), "/up/bin/../etc/./kernel.conf"}).out, "app=demo\n");
  EXPECT_EQ(tessera({"image", "cat", image_path(), "/bin/tool"}).out, std::string(5000, 'z'));
  EXPECT_EQ(tessera({"image", "cat", image_path(), "/empty"}).out, "");
  auto missing = tessera({"image", "cat", image_path(), "/etc/nope"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.err, "tessera: error: " + image_path() + ": /etc/nope: No such file or directory\n");
  auto directory = tessera({"image", "cat", image_path(), "/etc"});
  EXPECT_EQ(directory.status, 1);
  EXPECT_EQ(directory.err, "tessera: error: " + image_path() + ": /etc: Is a directory\n");
  auto through_file = tessera({"image", "cat", image_path(), "/empty/x"});
  EXPECT_EQ(through_file.err, "tessera: error: " + image_path() + ": /empty/x: Not a directory\n");
}

TEST_F(ImageCommandTest, StatShowsTheInodeAndDereferencesOnRequest) {
  build_sample();
  auto link = tessera({"image", "stat", image_path(), "/etc/motd"});
  EXPECT_EQ(link.status, 0) << link.err;
  EXPECT_NE(link.out.find("type: symbolic link\n"), std::string::npos) << link.out;
  EXPECT_NE(link.out.find("target: /etc/kernel.conf\n"), std::string::npos) << link.out;
  auto file = tessera({"image", "stat", "-L", image_path(), "/etc/motd"});
  EXPECT_NE(file.out.find("type: regular file\nmode: 0644 (-rw-r--r--)\nuid: 0\ngid: 0\n"), std::string::npos)
      << file.out;
  EXPECT_NE(file.out.find("size: 9\n"), std::string::npos) << file.out;
  EXPECT_NE(file.out.find("crc32c: 0x"), std::string::npos) << file.out;
  auto tool = tessera({"image", "stat", image_path(), "/bin/tool"});
  EXPECT_NE(tool.out.find("mode: 0755 (-rwxr-xr-x)\n"), std::string::npos) << tool.out;
}

TEST_F(ImageCommandTest, InspectShowsTheLayout) {
  build_sample({"--page-align"});
  auto run = tessera({"image", "inspect", image_path()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("format: ROFS 1.0\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("features: compatible 0x1 (page_aligned_data), incompatible 0x0\n"), std::string::npos);
  EXPECT_NE(run.out.find("(matches)\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("inode table: [128, +512) 8 inodes of 64 bytes\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("aligned to 4096\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("inodes: 3 directories, 3 regular files, 2 symlinks\n"), std::string::npos) << run.out;
  auto stat = tessera({"image", "stat", image_path(), "/bin/tool"});
  EXPECT_NE(stat.out.find("data offset: 4096\n"), std::string::npos) << stat.out;
}

TEST_F(ImageCommandTest, TwoBuildsAreByteIdenticalAndSourceDateEpochIsHonoured) {
  build_sample();
  auto first = testing::read_bytes(image_path());
  std::filesystem::rename(image_path(), scratch_ / "first.img");
  build_sample();
  EXPECT_EQ(testing::read_bytes(image_path()), first);

  auto run = tessera({"image", "build", "-o", (scratch_ / "dated.img").string(), "--from", (scratch_ / "tree").string()},
                     "SOURCE_DATE_EPOCH=1700000000");
  ASSERT_EQ(run.status, 0) << run.err;
  auto ls = tessera({"image", "ls", "-l", (scratch_ / "dated.img").string(), "/etc"});
  EXPECT_EQ(ls.out, "-rw-r--r-- 0 0 9 2023-11-14T22:13:20.000000000Z kernel.conf\n");
  auto inspect = tessera({"image", "inspect", (scratch_ / "dated.img").string()});
  EXPECT_NE(inspect.out.find("build time: 2023-11-14T22:13:20.000000000Z\n"), std::string::npos) << inspect.out;

  auto bad = tessera({"image", "build", "-o", (scratch_ / "bad.img").string(), "--from", (scratch_ / "tree").string()},
                     "SOURCE_DATE_EPOCH=yesterday");
  EXPECT_EQ(bad.status, 64);
  EXPECT_EQ(bad.err, "tessera: error: SOURCE_DATE_EPOCH 'yesterday' is not a whole number of seconds since 1970\n");
}

TEST_F(ImageCommandTest, VerifyNamesTheCorruptFile) {
  build_sample();
  auto stat = tessera({"image", "stat", image_path(), "/bin/tool"});
  auto at = stat.out.find("data offset: ");
  ASSERT_NE(at, std::string::npos);
  uint64_t offset = std::stoull(stat.out.substr(at + 13));
  auto inode = std::stoul(stat.out.substr(stat.out.find("inode: ") + 7));
  {
    std::fstream file(image_path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset + 100));
    file.put('!');
  }
  auto run = tessera({"image", "verify", image_path()});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err.rfind("tessera: error: " + image_path() + ": rofs: inode " + std::to_string(inode) +
                              ": data checksum mismatch",
                          0),
            0u)
      << run.err;
  // Metadata damage is refused at open by every reading command, inspect excepted.
  {
    std::fstream file(image_path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(200);
    file.put('\x7f');
  }
  auto ls = tessera({"image", "ls", image_path()});
  EXPECT_EQ(ls.status, 1);
  EXPECT_NE(ls.err.find("rofs: metadata checksum mismatch"), std::string::npos) << ls.err;
  auto inspect = tessera({"image", "inspect", image_path()});
  EXPECT_EQ(inspect.status, 1);
  EXPECT_NE(inspect.out.find("(MISMATCH: computed 0x"), std::string::npos) << inspect.out;
}

TEST_F(ImageCommandTest, NotAnImage) {
  scratch_.write("text", "this is not an image, it is plain text long enough for a superblock."
                         "..............................................................");
  auto run = tessera({"image", "ls", (scratch_ / "text").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "tessera: error: " + (scratch_ / "text").string() + ": rofs: bad magic: not a ROFS image\n");
  auto missing = tessera({"image", "ls", (scratch_ / "absent.img").string()});
  EXPECT_EQ(missing.err,
            "tessera: error: " + (scratch_ / "absent.img").string() + ": cannot open: No such file or directory\n");
}

TEST_F(ImageCommandTest, BuildErrorsNameTheManifestLineAndLeaveNoImage) {
  scratch_.write("bad.manifest", "dir /etc\nfile /etc/conf does-not-exist\n");
  auto run = tessera({"image", "build", "-o", image_path(), "--manifest", (scratch_ / "bad.manifest").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "tessera: error: manifest '" + (scratch_ / "bad.manifest").string() + "' line 2: host path '" +
                         (scratch_ / "does-not-exist").string() + "': cannot stat: No such file or directory\n");
  EXPECT_FALSE(std::filesystem::exists(image_path()));
}

TEST_F(ImageCommandTest, BuildNeedsAnInput) {
  auto run = tessera({"image", "build", "-o", image_path()});
  EXPECT_EQ(run.status, 64);
  EXPECT_EQ(run.err, "tessera: error: image build needs --from DIR and/or --manifest FILE\n");
}

// The build's real modules: --shake keeps what kernel.conf and the app reach, writes the
// index, and the image still boots.
TEST_F(ImageCommandTest, ShakeKeepsWhatTheAppReachesAndTheImageBoots) {
  std::string build = TESSERA_BUILD_DIR;
  scratch_.write("tree/etc/tessera/kernel.conf", "modules=ramfs\napp=demo\n");
  scratch_.write("modules.manifest", "dir /tmp\n"
                 "file /lib/modules/ramfs.so \"" + build + "/modules/ramfs.so\"\n"
                 "file /lib/modules/hello.so \"" + build + "/modules/hello.so\"\n"
                 "file /apps/demo.so \"" + build + "/apps/demo.so\"\n"
                 "file /apps/hello-app.so \"" + build + "/apps/hello-app.so\"\n");
  auto run = tessera({"image", "build", "-o", image_path(), "--from", (scratch_ / "tree").string(), "--manifest",
                      (scratch_ / "modules.manifest").string(), "--shake"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("shake: keep ramfs: kernel.conf modules=ramfs\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("shake: leave out /lib/modules/hello.so: nothing reachable needs it\n"), std::string::npos);
  EXPECT_NE(run.out.find("shake: leave out /apps/hello-app.so"), std::string::npos);

  auto index = tessera({"image", "cat", image_path(), "/lib/modules/index"});
  ASSERT_EQ(index.status, 0) << index.err;
  EXPECT_EQ(index.out, "tessera-module-index 1\nramfs /lib/modules/ramfs.so provides=fs:ramfs requires= needs= "
                       "exports=ramfs_exit,ramfs_init\n");
  auto listing = tessera({"image", "ls", image_path(), "/apps"});
  EXPECT_EQ(listing.out, "demo.so\n");

  auto sizes = tessera({"image", "inspect", "--sizes", image_path()});
  ASSERT_EQ(sizes.status, 0) << sizes.err;
  EXPECT_NE(sizes.out.find("/lib/modules/ramfs.so"), std::string::npos);
  EXPECT_NE(sizes.out.find("modules and apps"), std::string::npos);

  auto boot = tessera({"run", image_path()});
  EXPECT_EQ(boot.status, 0) << boot.out << boot.err;
  EXPECT_NE(boot.out.find("demo: all checks passed"), std::string::npos) << boot.out;
}

TEST_F(ImageCommandTest, ShakeRefusesAnUnknownRequireAndAHandWrittenIndex) {
  scratch_.write("tree/etc/tessera/kernel.conf", "app=demo\n");
  auto run = tessera({"image", "build", "-o", image_path(), "--from", (scratch_ / "tree").string(), "--shake",
                      "--require", "nosuch"});
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "tessera: error: --require nosuch: no module 'nosuch' on the image\n");
  scratch_.write("tree/lib/modules/index", "mine\n");
  run = tessera({"image", "build", "-o", image_path(), "--from", (scratch_ / "tree").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("/lib/modules/index is written by the builder"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace tessera::image
