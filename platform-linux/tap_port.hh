#pragma once
// `--net tap,ifname=NAME`: frames to and from a Linux TAP interface (created if it does
// not exist, which like attaching needs root or CAP_NET_ADMIN). The guest gets a random
// locally administered MAC. Writes go straight from the guest thread to the descriptor
// (the kernel's TAP queue is the buffer); reads happen on the poll thread.
#include <memory>
#include <string>
#include <vector>

#include "network_port.hh"
#include "tessera/network_option.hh"

namespace tessera::linux_host {

class TapPort final : public NetworkPort {
 public:
  static std::unique_ptr<TapPort> create(const cli::NetworkOption& option, unsigned index, PortEvents& events,
                                         std::string& error);
  ~TapPort() override;

  const uint8_t* mac() const override { return mac_; }
  int send(const void* frame, size_t length) override;
  void prepare(PollSet& set) override;
  void dispatch(const PollSet& set) override;

 private:
  TapPort(unsigned index, PortEvents& events, int fd);

  unsigned index_;
  PortEvents& events_;
  int fd_;
  size_t poll_index_ = 0;
  uint8_t mac_[6];
  std::vector<uint8_t> read_buffer_ = std::vector<uint8_t>(65536);  // an interface with a large MTU passes more than 1514
};

}  // namespace tessera::linux_host
