#pragma once
// How the C module API reports a kernel Error: a negative errno for the caller, and the
// message (which names the path or descriptor) in the debug log.
#include <tessera/result.hh>

#include "log/log.hh"

namespace tessera::api {

inline int negative_errno(const Error& error) {
  log::debug("module API: %s", error.message());
  return -error.code();
}

}  // namespace tessera::api
