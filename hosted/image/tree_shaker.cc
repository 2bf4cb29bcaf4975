#include "image/tree_shaker.hh"

#include <deque>
#include <set>
#include <sstream>

namespace tessera::image {
namespace {

std::map<std::string, std::string> parse_conf(const std::string& text) {
  std::map<std::string, std::string> values;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    size_t equals = line.find('=', start);
    if (equals == std::string::npos) continue;
    std::string value = line.substr(equals + 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.pop_back();
    values[line.substr(start, equals - start)] = value;
  }
  return values;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream stream(list);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

// The device capabilities a NIC driver provides, per platform the image is for.
std::vector<std::string> driver_capabilities(const std::string& platform) {
  if (platform == "hosted") return {"dev:host-net"};
  if (platform == "microvm") return {"dev:virtio-mmio"};
  if (platform == "q35") return {"dev:pci:1af4:1000", "dev:pci:1af4:1041"};
  return {"dev:host-net", "dev:virtio-mmio", "dev:pci:1af4:1000", "dev:pci:1af4:1041"};
}

class Shaker {
 public:
  Shaker(const std::vector<ModuleRecord>& records, const std::vector<std::string>& builtin, ShakeResult& result)
      : records_(records), builtin_(builtin.begin(), builtin.end()), result_(result) {}

  const ModuleRecord* module_named(const std::string& name) const {
    for (const auto& record : records_)
      if (record.kind == "module" && record.name == name) return &record;
    return nullptr;
  }

  // Keeps `name` (and later what it needs) unless already kept.
  Expected<void> keep(const std::string& name, const std::string& reason) {
    if (!module_named(name)) return fail(reason + ": no module '" + name + "' on the image");
    // A built-in module's own needs are followed too: they may be on the image.
    auto& into = builtin_.count(name) ? result_.built_in : result_.kept;
    if (into.emplace(name, reason).second) pending_.push_back(name);
    return {};
  }

  // Keeps every provider of `capability`; `optional` ones may have none.
  Expected<void> want(const std::string& capability, const std::string& reason, bool optional = false) {
    bool found = false;
    for (const auto& record : records_) {
      if (record.kind != "module") continue;
      for (const auto& provided : record.provides)
        if (provided == capability) {
          found = true;
          IMAGE_CHECK(keep(record.name, reason + " -> " + capability));
        }
    }
    if (found) return {};
    if (optional) {
      result_.warnings.push_back("no module on the image provides " + capability + " (" + reason + ")");
      return {};
    }
    return fail(reason + " needs " + capability + ", which no module on the image provides");
  }

  // What one loaded file pulls in: DT_NEEDED, required capabilities, and the providers of
  // the symbols it imports.
  Expected<void> follow(const ModuleRecord& record) {
    for (const auto& needed : record.needed) IMAGE_CHECK(keep(needed, record.name + " links against " + needed));
    for (const auto& capability : record.requires_) IMAGE_CHECK(want(capability, record.name + " requires"));
    std::set<std::string> capabilities;
    for (const auto& symbol : record.kernel_imports)
      if (const char* capability = capability_for_kernel_symbol(symbol))
        if (capabilities.insert(capability).second)
          IMAGE_CHECK(want(capability, record.name + " calls " + symbol));
    for (const auto& symbol : record.imports) {
      const ModuleRecord* provider = nullptr;
      for (const auto& candidate : records_)
        if (candidate.kind == "module")
          for (const auto& exported : candidate.exports)
            if (exported == symbol && !provider) provider = &candidate;
      if (!provider) return fail(record.name + " imports " + symbol + ", which no module on the image exports");
      IMAGE_CHECK(keep(provider->name, record.name + " imports " + symbol));
    }
    return {};
  }

  Expected<void> drain() {
    while (!pending_.empty()) {
      std::string name = pending_.front();
      pending_.pop_front();
      IMAGE_CHECK(follow(*module_named(name)));
    }
    return {};
  }

 private:
  const std::vector<ModuleRecord>& records_;
  std::set<std::string> builtin_;
  ShakeResult& result_;
  std::deque<std::string> pending_;
};

}  // namespace

const char* capability_for_kernel_symbol(const std::string& symbol) {
  static const std::set<std::string> socket_calls = {
      "socket", "bind", "listen", "accept", "accept4", "connect", "send", "recv", "sendto", "recvfrom",
      "shutdown", "setsockopt", "getsockopt", "getsockname", "getpeername"};
  return socket_calls.count(symbol) ? "net:stack" : nullptr;
}

Expected<ShakeResult> shake(const std::vector<ModuleRecord>& records, const ShakeRequest& request) {
  ShakeResult result;
  auto conf = parse_conf(request.kernel_conf);
  result.app = !request.app.empty() ? request.app : conf.count("app") ? conf["app"] : "";
  if (result.app.empty()) return fail("--shake needs the application: --app NAME, or app= in /etc/tessera/kernel.conf");
  const ModuleRecord* app = nullptr;
  for (const auto& record : records)
    if (record.kind == "app" && record.image_path == "/apps/" + result.app + ".so") app = &record;

  for (const auto& name : request.builtin) {
    bool known = false;
    for (const auto& record : records) known = known || (record.kind == "module" && record.name == name);
    // Its provides= and needs are read from its file: the input must have it.
    if (!known) return fail("--builtin " + name + ": no module '" + name + "' on the input to read it from");
  }
  Shaker shaker(records, request.builtin, result);
  // A built-in app has no file: only the configuration and --require can pull modules in.
  if (app) IMAGE_CHECK(shaker.follow(*app));
  for (const auto& name : split(conf["modules"])) IMAGE_CHECK(shaker.keep(name, "kernel.conf modules=" + conf["modules"]));
  // mount=TYPE:/PATH,...: the boot mounts each, and the first mount of a type loads its
  // provider (fs:TYPE). The kernel checks the syntax; here only TYPE matters.
  for (const auto& entry : split(conf["mount"])) {
    size_t colon = entry.find(':');
    if (colon == std::string::npos || colon == 0)
      return fail("kernel.conf mount=" + conf["mount"] + ": '" + entry + "' is not TYPE:/PATH");
    IMAGE_CHECK(shaker.want("fs:" + entry.substr(0, colon), "kernel.conf mount=" + entry));
  }
  if (!conf["net.ip"].empty()) {
    std::string reason = "kernel.conf net.ip=" + conf["net.ip"];
    IMAGE_CHECK(shaker.want("net:stack", reason));
    if (conf["net.ip"] == "dhcp") IMAGE_CHECK(shaker.want("net:dhcp", reason));
    for (const auto& capability : driver_capabilities(request.platform))
      IMAGE_CHECK(shaker.want(capability, reason + " on " + request.platform, true));
  }
  for (const auto& name : request.required) IMAGE_CHECK(shaker.keep(name, "--require " + name));
  IMAGE_CHECK(shaker.drain());

  for (const auto& record : records) {
    bool kept = record.kind == "app" ? &record == app : result.kept.count(record.name) > 0;
    if (!kept) result.left_out.push_back(record.image_path);
  }
  return result;
}

}  // namespace tessera::image
