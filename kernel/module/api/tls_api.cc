#include "module/api/tls_api.hh"

#include <tessera/module_api.h>

#include "module/module_tls.hh"

namespace tessera::api {

static_assert(sizeof(tessera_tls_index) == sizeof(module_tls::TlsIndex));
static_assert(__builtin_offsetof(tessera_tls_index, offset) == __builtin_offsetof(module_tls::TlsIndex, offset));

void* tls_get_addr(tessera_tls_index* index) {
  return module_tls::tls_get_addr(reinterpret_cast<module_tls::TlsIndex*>(index));
}

}  // namespace tessera::api
