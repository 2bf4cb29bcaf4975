// Devices of the hosted platform: one kHostNetwork port per `tessera run --net`
// (host_network.hh); no PCI, no physical addresses, no DMA, no MSI.
#include <cerrno>
#include <cstring>
#include <vector>

#include <tessera/errno.hh>
#include <tessera/platform.hh>

#include "machine_state.hh"

namespace tessera::platform {
namespace {

using Input = linux_host::ReplayLog::Kind;

linux_host::ReplayLog* replay_log() {
  auto* machine = linux_host::running_machine();
  return machine ? machine->replay_log.get() : nullptr;
}
bool replaying() { return replay_log() && replay_log()->replaying(); }

// A result the guest sees (an error code or 0, and a value), passed through the log.
template <typename T> struct Recorded {
  int32_t error;
  T value;
};

linux_host::NetworkPort* port_of(unsigned port) {
  auto* machine = linux_host::running_machine();
  if (!machine || !machine->network || port >= machine->network->port_count()) return nullptr;
  return &machine->network->port(port);
}

}  // namespace

bool device_at(size_t index, Device* out) {
  Recorded<Device> found{1, {}};
  if (!replaying()) {
    auto* machine = linux_host::running_machine();
    if (machine && machine->network && index < machine->network->port_count())
      found = {0, Device{.kind = DeviceKind::kHostNetwork, .line = unsigned(index), .base = index, .size = 0}};
  }
  if (auto* log = replay_log()) log->pass(Input::kDevice, &found, sizeof found);
  if (found.error) return false;
  *out = found.value;
  return true;
}

uint32_t pci_config_read(uint32_t) { return ~uint32_t{0}; }
void pci_config_write(uint32_t, uint32_t) {}
Result<volatile void*> map_device_memory(uint64_t, size_t) { return Error::from_code(kENODEV); }
Result<uint64_t> dma_address(const void*) { return Error::from_code(kENODEV); }
Result<MsiRoute> allocate_msi() { return Error::from_code(kENOTSUP); }

Result<HostNetworkInfo> host_network_info(unsigned port) {
  Recorded<HostNetworkInfo> result{kENODEV, {}};
  if (auto* network_port = replaying() ? nullptr : port_of(port)) {
    result.error = 0;
    for (int i = 0; i < 6; ++i) result.value.mac[i] = network_port->mac()[i];
    result.value.mtu = network_port->mtu();
  }
  if (auto* log = replay_log()) log->pass(Input::kNetworkInfo, &result, sizeof result);
  if (result.error) return Error::from_code(result.error);
  return result.value;
}

// On replay nothing leaves: the peer's answers are in the recording already.
Result<void> host_network_send(unsigned port, const void* frame, size_t length) {
  int32_t error = kENODEV;
  if (auto* network_port = replaying() ? nullptr : port_of(port)) error = network_port->send(frame, length);
  if (auto* log = replay_log()) log->pass(Input::kNetworkSend, &error, sizeof error);
  if (error) return Error::from_code(error);
  return {};
}

// Recorded as the result (a length, or a negative errno) followed by the frame.
Result<size_t> host_network_receive(unsigned port, void* buffer, size_t capacity) {
  auto* log = replay_log();
  int64_t result = -kENODEV;
  if (log && log->replaying()) {
    // Not a host thread_local: host TLS is swapped with the guest's (tls_window.hh).
    std::vector<uint8_t>& record = log->scratch();
    record.resize(sizeof result + capacity);
    size_t got = log->take_variable(Input::kNetworkReceive, record.data(), record.size());
    std::memcpy(&result, record.data(), sizeof result);
    if (result > 0) std::memcpy(buffer, record.data() + sizeof result, got - sizeof result);
  } else {
    if (auto* network_port = port_of(port)) {
      long length = network_port->receive(buffer, capacity);
      result = length < 0 ? -EMSGSIZE : length;  // Linux values, as errno.hh
    }
    if (log) {
      std::vector<uint8_t>& record = log->scratch();
      record.resize(sizeof result + size_t(result > 0 ? result : 0));
      std::memcpy(record.data(), &result, sizeof result);
      if (result > 0) std::memcpy(record.data() + sizeof result, buffer, size_t(result));
      log->put_variable(Input::kNetworkReceive, record.data(), record.size());
    }
  }
  if (result < 0) return Error::from_code(int(-result));
  return size_t(result);
}

}  // namespace tessera::platform
