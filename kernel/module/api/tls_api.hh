#pragma once
// __tls_get_addr for modules: compilers call it for general- and local-dynamic TLS
// accesses, so the stub modules link against must define it, and the export table
// carries it like any other kernel function.
struct tessera_tls_index;

namespace tessera::api {

void* tls_get_addr(tessera_tls_index* index);

}  // namespace tessera::api
