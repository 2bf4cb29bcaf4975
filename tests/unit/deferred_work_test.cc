// Deferred work (kernel/sched/deferred_work) and the trigger built on it: a network
// device's first received frame, delivered from a device-line handler (scheduler
// context, where nothing may block), queues the load of the network stack for the
// "deferred" kernel thread. The unit tests' VFS is empty, so the load itself fails
// with a message naming the trigger: what counts here is who asked, when, and how often.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/host_socket_headers.hh"

#include "fake_platform/fake_platform.hh"
#include "fs/vfs/vfs.hh"
#include "module/api/device_api.hh"
#include "net/net_config.hh"
#include "net/net_startup.hh"
#include "sched/deferred_work.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

struct Recorded : WorkItem {
  std::vector<std::string>* log = nullptr;
  std::string label;
  int requeue = 0;  // times to queue itself again from inside run
};

void record(WorkItem& item) {
  auto& recorded = static_cast<Recorded&>(item);
  recorded.log->push_back(recorded.label + (Thread::current() ? std::string(" on ") + Thread::current()->name() : ""));
  if (recorded.requeue-- > 0) DeferredWork::queue(recorded);
}

class DeferredWorkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake::boot_core(ram_);
    fake::reset_devices();
    kernel_vfs().reset();
  }
  void TearDown() override { fake::reset_devices(); }
  Recorded item(const char* label) {
    Recorded recorded;
    recorded.run = record;
    recorded.log = &log_;
    recorded.label = label;
    return recorded;
  }
  fake::Ram ram_{16 << 20};
  std::vector<std::string> log_;
};

TEST_F(DeferredWorkTest, ItemsRunOnceEachInQueueOrderOnTheWorkerThread) {
  Recorded a = item("a"), b = item("b");
  EXPECT_FALSE(DeferredWork::queue(a)) << "no worker yet: nothing can run it";
  EXPECT_FALSE(a.queued);
  ASSERT_TRUE(DeferredWork::start().is_ok());
  ASSERT_TRUE(DeferredWork::start().is_ok()) << "a second start keeps the one thread";
  EXPECT_TRUE(DeferredWork::queue(a));
  EXPECT_TRUE(DeferredWork::queue(b));
  EXPECT_TRUE(DeferredWork::queue(a)) << "already queued: no second run";
  EXPECT_TRUE(log_.empty()) << "queuing never runs anything in the caller";
  Scheduler::sleep_for(1000);
  EXPECT_EQ(log_, (std::vector<std::string>{"a on deferred", "b on deferred"}));
  EXPECT_EQ(DeferredWork::completed(), 2u);
  EXPECT_FALSE(a.queued);

  // An item may queue itself again from its own run: it runs again, later.
  Recorded again = item("again");
  again.requeue = 2;
  DeferredWork::queue(again);
  Scheduler::sleep_for(1000);
  EXPECT_EQ(log_.size(), 5u);
  EXPECT_EQ(DeferredWork::completed(), 5u);
}

// Queued from a device-line handler, as a driver's receive path does.
struct LineContext {
  WorkItem* item;
  int fired = 0;
};

void queue_from_line(void* context) {
  auto* line = static_cast<LineContext*>(context);
  ++line->fired;
  DeferredWork::queue(*line->item);
}

TEST_F(DeferredWorkTest, HandlersQueueWithoutBlockingAndTheWorkerRunsLater) {
  ASSERT_TRUE(DeferredWork::start().is_ok());
  Recorded work = item("from a line");
  LineContext line{&work};
  ASSERT_EQ(api::device_line_attach(4, queue_from_line, &line), 0);
  fake::raise_events(platform::event::device_line(4));
  Scheduler::sleep_for(1000);
  EXPECT_EQ(line.fired, 1);
  EXPECT_EQ(log_, (std::vector<std::string>{"from a line on deferred"}));
  api::device_line_detach(4);
}

// The trigger: a static address with modules on demand defers the stack; the first
// frame queues its load, once, and every frame before it is attached is dropped and counted.
struct Nic {
  tessera_netdev* device = nullptr;
  int frames_to_send = 0;
};

int transmit_nothing(void*, const void*, size_t) { return 0; }
const tessera_netdev_ops kOps = {"fake-net", transmit_nothing};
const tessera_netdev_info kInfo = {{0x52, 0x54, 0, 0x12, 0x34, 0x56}, 1500};

void receive_on_line(void* context) {
  auto* nic = static_cast<Nic*>(context);
  std::string frame(60, 'f');
  for (; nic->frames_to_send > 0; --nic->frames_to_send) api::netdev_receive(nic->device, frame.data(), frame.size());
}

TEST_F(DeferredWorkTest, FirstFrameOnADeviceQueuesTheStackLoadOnce) {
  Nic nic;
  ASSERT_EQ(api::netdev_register(&kOps, nullptr, &kInfo, &nic.device), 0);
  ASSERT_TRUE(NetStartup::bring_up(NetConfig::parse("10.0.2.15/24").value(), /*on_demand=*/true).is_ok());
  EXPECT_TRUE(NetStartup::stack_deferred());
  EXPECT_TRUE(DeferredWork::started());
  EXPECT_NE(fake::console_output().find("net: eth0: static address; the network stack loads on the first socket "
                                        "call or the first frame received"),
            std::string::npos)
      << fake::console_output();
  EXPECT_EQ(fake::console_output().find("net:stack"), std::string::npos) << "nothing loaded at bring-up";

  ASSERT_EQ(api::device_line_attach(9, receive_on_line, &nic), 0);
  nic.frames_to_send = 3;
  fake::raise_events(platform::event::device_line(9));
  Scheduler::sleep_for(1000);
  nic.frames_to_send = 2;
  fake::raise_events(platform::event::device_line(9));
  Scheduler::sleep_for(1000);

  EXPECT_EQ(DeferredWork::completed(), 1u) << "five frames, one load";
  std::string console = fake::console_output();
  // The image has no module (empty VFS): the load fails, naming the trigger.
  EXPECT_NE(console.find("net-lwip for net:stack (the first frame on eth0)"), std::string::npos) << console;
  tessera_netdev_stats stats{};
  ASSERT_EQ(api::netdev_statistics(nic.device, &stats), 0);
  EXPECT_EQ(stats.rx_dropped, 5u) << "frames before the stack are dropped and counted";
  EXPECT_EQ(stats.rx_frames, 0u);
  api::device_line_detach(9);
}

TEST_F(DeferredWorkTest, DhcpAndModulesAtBootDoNotDefer) {
  Nic nic;
  ASSERT_EQ(api::netdev_register(&kOps, nullptr, &kInfo, &nic.device), 0);
  // on_demand=false: the stack is asked for at bring-up, as before (and fails: no modules).
  auto up = NetStartup::bring_up(NetConfig::parse("10.0.2.15/24").value(), /*on_demand=*/false);
  ASSERT_TRUE(up.is_error());
  EXPECT_NE(std::string(up.error().message()).find("net-lwip for net:stack (net.ip)"), std::string::npos);
  EXPECT_FALSE(NetStartup::stack_deferred());
  up = NetStartup::bring_up(NetConfig::parse("dhcp").value(), /*on_demand=*/true);
  ASSERT_TRUE(up.is_error());
  EXPECT_NE(std::string(up.error().message()).find("net-lwip for net:stack (net.ip)"), std::string::npos);
  EXPECT_FALSE(NetStartup::stack_deferred());
  EXPECT_FALSE(DeferredWork::started()) << "no thread for boots that defer nothing";
}

}  // namespace
}  // namespace tessera
