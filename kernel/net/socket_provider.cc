#include "net/socket_provider.hh"

#include "log/log.hh"
#include "net/net_startup.hh"

namespace tessera {
namespace {

struct State {
  tessera_socket_ops ops = {};
  const tessera_socket_ops* registered = nullptr;  // the caller's table, for remove()
  size_t open_sockets = 0;
  bool missing_logged = false;
};
constinit State g_state;

}  // namespace

void SocketProvider::reset() { g_state = State{}; }

Result<void> SocketProvider::add(const tessera_socket_ops& ops) {
  const char* name = ops.stack_name ? ops.stack_name : "?";
  if (g_state.registered)
    return Error::with_message(kEBUSY, "net: cannot register stack %s: %s serves sockets already", name,
                               g_state.ops.stack_name ? g_state.ops.stack_name : "?");
  if (!ops.create || !ops.close) return Error::with_message(kEINVAL, "net: stack %s has no create or close entry", name);
  g_state.ops = ops;
  g_state.registered = &ops;
  log::debug("net: stack %s serves sockets", name);
  return {};
}

Result<void> SocketProvider::remove(const tessera_socket_ops* ops) {
  if (!ops || ops != g_state.registered) return Error::with_message(kEINVAL, "net: that stack is not registered");
  if (g_state.open_sockets)
    return Error::with_message(kEBUSY, "net: stack %s still has %zu sockets open", g_state.ops.stack_name,
                               g_state.open_sockets);
  g_state.registered = nullptr;
  g_state.ops = {};
  return {};
}

const tessera_socket_ops* SocketProvider::get() {
  if (g_state.registered) return &g_state.ops;
  // On demand: the first socket call loads the stack (once; later calls find it).
  if (!g_state.missing_logged) {
    // Also applies a static address that waited for the stack (NetStartup::bring_up).
    auto loaded = NetStartup::load_stack("the first socket call");
    if (loaded.is_ok() && g_state.registered) return &g_state.ops;
    if (loaded.is_error()) log::error("net: socket() without a network stack: %s", loaded.error().message());
    else log::error("net: socket() without a network stack: the net:stack module registered no socket provider");
  }
  g_state.missing_logged = true;
  return nullptr;
}

const tessera_socket_ops* SocketProvider::peek() { return g_state.registered ? &g_state.ops : nullptr; }

void SocketProvider::socket_opened() { ++g_state.open_sockets; }
void SocketProvider::socket_closed() { --g_state.open_sockets; }

}  // namespace tessera
