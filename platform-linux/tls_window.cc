#include "tls_window.hh"

#include <link.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tessera::linux_host {
namespace {

struct Found {
  const ElfW(Phdr)* tls = nullptr;
  ElfW(Addr) load_bias = 0;
  void* block = nullptr;
};

int find_executable_tls(dl_phdr_info* info, size_t, void* data) {
  auto* found = static_cast<Found*>(data);
  if (info->dlpi_tls_modid != 1) return 0;  // module 1 is the executable
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type == PT_TLS) {
      found->tls = &info->dlpi_phdr[i];
      found->load_bias = info->dlpi_addr;
      found->block = info->dlpi_tls_data;
      return 1;
    }
  }
  return 0;
}

}  // namespace

TlsWindow TlsWindow::for_current_thread() {
  Found found;
  dl_iterate_phdr(find_executable_tls, &found);
  TlsWindow window;
  if (!found.tls) return window;  // no __thread variables at all: nothing to switch
  const ElfW(Phdr)& tls = *found.tls;
  window.template_.initial_image = reinterpret_cast<const void*>(found.load_bias + tls.p_vaddr);
  window.template_.initial_size = tls.p_filesz;
  window.template_.total_size = tls.p_memsz;
  window.template_.alignment = tls.p_align ? tls.p_align : 1;
  size_t align = window.template_.alignment;
  window.window_size_ = (tls.p_memsz + align - 1) & ~(align - 1);
  window.window_ = static_cast<unsigned char*>(found.block);
  if (!window.window_) {
    std::fprintf(stderr, "tessera: cannot locate the executable's TLS block\n");
    std::abort();
  }
  return window;
}

void TlsWindow::switch_to(uintptr_t outgoing_tp, uintptr_t incoming_tp) const {
  if (window_size_ == 0 || outgoing_tp == incoming_tp) return;
  if (outgoing_tp) std::memcpy(reinterpret_cast<void*>(outgoing_tp - window_size_), window_, window_size_);
  std::memcpy(window_, reinterpret_cast<const void*>(incoming_tp - window_size_), window_size_);
}

void TlsWindow::save(void* buffer) const { std::memcpy(buffer, window_, window_size_); }
void TlsWindow::restore(const void* buffer) const { std::memcpy(window_, buffer, window_size_); }

}  // namespace tessera::linux_host
