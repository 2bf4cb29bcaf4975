// The builder's module catalogue logic without files: which modules --shake keeps, why,
// and what the module index says.
#include <gtest/gtest.h>

#include "image/module_index.hh"
#include "image/tree_shaker.hh"

namespace tessera::image {
namespace {

ModuleRecord module(std::string name, std::vector<std::string> provides = {}, std::vector<std::string> exports = {}) {
  ModuleRecord record;
  record.name = name;
  record.kind = "module";
  record.image_path = "/lib/modules/" + name + ".so";
  record.provides = std::move(provides);
  record.exports = std::move(exports);
  return record;
}

ModuleRecord app(std::string name) {
  ModuleRecord record;
  record.name = name;
  record.kind = "app";
  record.image_path = "/apps/" + name + ".so";
  return record;
}

std::vector<ModuleRecord> network_image() {
  auto httpd = app("httpd");
  httpd.kernel_imports = {"tessera_vfs_open", "socket", "bind"};
  auto lwip = module("net-lwip", {"net:stack"});
  auto dhcp = module("net-dhcp", {"net:dhcp"});
  auto hostport = module("net-hostport", {"dev:host-net"});
  auto virtio_net = module("virtio-net", {}, {"virtio_net_attach"});
  auto mmio = module("virtio-mmio", {"dev:virtio-mmio"});
  mmio.needed = {"virtio-net"};
  auto pci = module("virtio-pci", {"dev:pci:1af4:1000", "dev:pci:1af4:1041"});
  pci.needed = {"virtio-net"};
  return {httpd, app("demo"), lwip, dhcp, hostport, virtio_net, mmio, pci, module("ramfs", {"fs:ramfs"})};
}

TEST(TreeShaker, SocketCallsPullInTheStackAndDhcpOnlyWhenConfigured) {
  ShakeRequest request{"httpd", "net.ip=10.0.2.15/24\n", {}, "hosted"};
  auto result = shake(network_image(), request);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().kept.count("net-dhcp"), 0u);
  ASSERT_EQ(result.value().kept.count("net-lwip"), 1u);
  EXPECT_EQ(result.value().kept.count("net-hostport"), 1u);
  EXPECT_EQ(result.value().kept.count("virtio-mmio"), 0u);
  // The first reason found is kept: the app's own call.
  EXPECT_EQ(result.value().kept.at("net-lwip"), "httpd calls socket -> net:stack");

  request.kernel_conf = "net.ip=dhcp\n";
  result = shake(network_image(), request);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().kept.at("net-dhcp"), "kernel.conf net.ip=dhcp -> net:dhcp");
}

TEST(TreeShaker, PlatformChoosesTheDriversAndTheirDependencies) {
  ShakeRequest request{"httpd", "net.ip=dhcp\n", {}, "microvm"};
  auto result = shake(network_image(), request);
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().kept.count("virtio-mmio"), 1u);
  EXPECT_EQ(result.value().kept.at("virtio-net"), "virtio-mmio links against virtio-net");
  EXPECT_EQ(result.value().kept.count("virtio-pci"), 0u);
  EXPECT_EQ(result.value().kept.count("net-hostport"), 0u);

  request.platform = "all";
  result = shake(network_image(), request);
  ASSERT_TRUE(result.ok()) << result.error();
  for (const char* name : {"virtio-mmio", "virtio-pci", "net-hostport", "virtio-net"})
    EXPECT_EQ(result.value().kept.count(name), 1u) << name;
}

TEST(TreeShaker, LeavesOutOtherAppsAndUnreachedModules) {
  auto result = shake(network_image(), ShakeRequest{"demo", "modules=ramfs\n", {}, "all"});
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result.value().kept.size(), 1u);
  EXPECT_EQ(result.value().kept.at("ramfs"), "kernel.conf modules=ramfs");
  std::vector<std::string> expected{"/apps/httpd.so",          "/lib/modules/net-lwip.so",
                                    "/lib/modules/net-dhcp.so", "/lib/modules/net-hostport.so",
                                    "/lib/modules/virtio-net.so", "/lib/modules/virtio-mmio.so",
                                    "/lib/modules/virtio-pci.so"};
  EXPECT_EQ(result.value().left_out, expected);
}

TEST(TreeShaker, MountKeyKeepsTheProviderOfEachFilesystemType) {
  auto result = shake(network_image(), ShakeRequest{"demo", "mount=ramfs:/tmp,ramfs:/mnt\n", {}, "all"});
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result.value().kept.size(), 1u);
  EXPECT_EQ(result.value().kept.at("ramfs"), "kernel.conf mount=ramfs:/tmp -> fs:ramfs");

  result = shake(network_image(), ShakeRequest{"demo", "mount=nfs:/srv\n", {}, "all"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "kernel.conf mount=nfs:/srv needs fs:nfs, which no module on the image provides");

  result = shake(network_image(), ShakeRequest{"demo", "mount=/tmp\n", {}, "all"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "kernel.conf mount=/tmp: '/tmp' is not TYPE:/PATH");
}

// An application that mounts a type by name (a string, which no symbol analysis sees)
// says so with REQUIRES fs:TYPE; the loader does not load REQUIRES eagerly, so the
// module still loads only at the first mount.
TEST(TreeShaker, AppRequiringAFilesystemKeepsItsProviderAndNothingElse) {
  auto records = network_image();
  auto notes = app("notes");
  notes.kernel_imports = {"mount", "umount", "tessera_vfs_open"};
  notes.requires_ = {"fs:ramfs"};
  records.push_back(notes);
  auto result = shake(records, ShakeRequest{"notes", "", {}, "all"});
  ASSERT_TRUE(result.ok()) << result.error();
  ASSERT_EQ(result.value().kept.size(), 1u);
  EXPECT_EQ(result.value().kept.at("ramfs"), "notes requires -> fs:ramfs");
  EXPECT_EQ(result.value().left_out.size(), 8u);  // httpd, demo and the six network modules
}

TEST(TreeShaker, ImportedSymbolsFindTheirExporterAndCyclesEnd) {
  auto records = network_image();
  records[1].imports = {"hello_greeting"};
  auto hello = module("hello", {}, {"hello_greeting"});
  hello.needed = {"greeter"};
  auto greeter = module("greeter");
  greeter.needed = {"hello"};  // a cycle: both kept once
  records.push_back(hello);
  records.push_back(greeter);
  auto result = shake(records, ShakeRequest{"demo", "", {}, "all"});
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result.value().kept.at("hello"), "demo imports hello_greeting");
  EXPECT_EQ(result.value().kept.at("greeter"), "hello links against greeter");
}

TEST(TreeShaker, ErrorsNameWhatIsMissingAndTheFix) {
  auto records = network_image();
  records.erase(records.begin() + 2);  // no net-lwip
  auto result = shake(records, ShakeRequest{"httpd", "", {}, "all"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "httpd calls socket needs net:stack, which no module on the image provides");

  result = shake(network_image(), ShakeRequest{"demo", "", {"nosuch"}, "all"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "--require nosuch: no module 'nosuch' on the image");

  result = shake(network_image(), ShakeRequest{"", "", {}, "all"});
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().find("--app NAME"), std::string::npos);
}

TEST(ModuleIndex, OneLinePerModuleAppsLeftOut) {
  auto records = network_image();
  records[5].exports = {"virtio_net_attach", "virtio_net_detach"};
  std::string index = render_module_index(records);
  EXPECT_EQ(index.rfind("tessera-module-index 1\n", 0), 0u);
  EXPECT_NE(index.find("\nvirtio-net /lib/modules/virtio-net.so provides= requires= needs= "
                       "exports=virtio_net_attach,virtio_net_detach\n"),
            std::string::npos);
  EXPECT_NE(index.find("\nvirtio-pci /lib/modules/virtio-pci.so provides=dev:pci:1af4:1000,dev:pci:1af4:1041 "
                       "requires= needs=virtio-net exports=\n"),
            std::string::npos);
  EXPECT_EQ(index.find("httpd"), std::string::npos);
}

}  // namespace
}  // namespace tessera::image
