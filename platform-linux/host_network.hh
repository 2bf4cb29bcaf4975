#pragma once
// The guest network ports of one hosted machine (one per `tessera run --net`) and the
// host thread that serves them: it poll()s every port's descriptors (libslirp's sockets,
// a TAP descriptor) plus an eventfd that wakes it, and runs libslirp's timers. Frames
// for the guest wait in each port's bounded FrameQueue; the first one after the guest
// drained the queue raises the port's device line through `raise_line`, which posts to
// the machine's Asio loop so that the guest sees it in take_events().
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "network_port.hh"
#include "tessera/network_option.hh"

namespace tessera::linux_host {

class HostNetwork final : public PortEvents {
 public:
  static constexpr size_t kMaxPorts = 16;
  using RaiseLine = std::function<void(unsigned line)>;

  // Opens every port (sockets bound, TAP attached): errors name the option and cause.
  static std::unique_ptr<HostNetwork> create(const std::vector<cli::NetworkOption>& options, RaiseLine raise_line,
                                             std::string& error);
  ~HostNetwork();  // stops the thread, closes every descriptor

  // The poll thread runs between start() and stop() (the span of a boot). stop()
  // reports frames the queues dropped, naming the --net option, on the host log.
  void start();
  void stop();

  size_t port_count() const { return ports_.size(); }
  NetworkPort& port(size_t index) { return *ports_[index]; }
  // The guest took a line event: the next arriving frame raises the line again.
  void line_taken(unsigned port);

  void frames_arrived(unsigned port) override;
  void wake_poller() override;

 private:
  explicit HostNetwork(RaiseLine raise_line);
  void poll_loop();

  RaiseLine raise_line_;
  std::vector<std::unique_ptr<NetworkPort>> ports_;
  std::vector<std::string> specs_;  // each port's --net option, for messages
  std::unique_ptr<std::atomic<bool>[]> raised_;  // a line event is on its way to the guest
  int wake_fd_ = -1;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace tessera::linux_host
