#pragma once
// `tessera image build --shake`: keeps only the modules an application can reach, found
// from what it imports and what the image's configuration asks for (docs/modularity.md,
// "Tree-shaken images"). Symbols looked up by name at run time are invisible here:
// --require adds a module by hand.
#include <map>
#include <string>
#include <vector>

#include "image/module_catalog.hh"

namespace tessera::image {

struct ShakeRequest {
  std::string app;                     // /apps/APP.so; empty: kernel.conf's app=
  std::string kernel_conf;             // /etc/tessera/kernel.conf of the image, "" when none
  std::vector<std::string> required;   // --require MODULE
  std::string platform = "all";        // hosted, microvm, q35 or all: which NIC drivers
  std::vector<std::string> builtin;    // --builtin MODULE: in the kernel the image is for
};

struct ShakeResult {
  std::string app;
  // Kept modules and why: "kernel.conf net.ip=dhcp -> net:dhcp", "httpd calls socket -> net:stack".
  std::map<std::string, std::string> kept;
  // Needed but built into the kernel (--builtin), so left off the image; why each is needed.
  std::map<std::string, std::string> built_in;
  std::vector<std::string> left_out;   // modules and apps dropped, by image path
  std::vector<std::string> warnings;
};

// Capabilities the kernel asks for on behalf of its own exports: a socket call needs a
// network stack loaded. Shared with the kernel's on-demand loader (same names).
const char* capability_for_kernel_symbol(const std::string& symbol);

Expected<ShakeResult> shake(const std::vector<ModuleRecord>& records, const ShakeRequest& request);

}  // namespace tessera::image
