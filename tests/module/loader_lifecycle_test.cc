// Module lifecycle: initialisers and entries, dependencies (chains, cycles), reference
// counts, unloading, failed inits.
#include <string>
#include <vector>

#include "loader_harness.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera::loader_test {
namespace {

class LoaderLifecycleTest : public LoaderTest {};

using Events = std::vector<std::string>;

TEST_F(LoaderLifecycleTest, InitializersThenInitEntryAndTheReverseOnUnload) {
  auto loaded = load("loader_basic");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* module = loaded.value();
  EXPECT_EQ(module->state(), Module::State::kLive);
  EXPECT_EQ(events(), (Events{"basic:constructor", "basic:init"}));
  EXPECT_EQ(*reinterpret_cast<int*>(module->find_symbol("init_entry_ran")), 2);  // after the constructor
  EXPECT_EQ(find_module("loader_basic"), module);
  ASSERT_TRUE(unload_module(*module).is_ok());
  EXPECT_EQ(events(), (Events{"basic:constructor", "basic:init", "basic:exit", "basic:destructor"}));
  EXPECT_EQ(find_module("loader_basic"), nullptr);
}

TEST_F(LoaderLifecycleTest, LoadingTwiceReturnsTheSameModule) {
  auto first = load("loader_basic");
  ASSERT_TRUE(first.is_ok());
  auto second = load("loader_basic");
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(first.value(), second.value());
  EXPECT_EQ(loaded_module_count(), 1u);
  EXPECT_EQ(events(), (Events{"basic:constructor", "basic:init"}));  // initialised once
}

TEST_F(LoaderLifecycleTest, UnloadGivesBackEveryPageAndHeapByte) {
  // Pages the heap keeps for its slabs are the heap's business; the rest must come back.
  auto pages_outside_heap = [] { return page_allocator().stats().free_pages + heap().stats().pages_held; };
  size_t pages = pages_outside_heap();
  size_t heap_bytes = heap().stats().bytes_in_use;
  for (int round = 0; round < 3; ++round) {
    auto loaded = load("loader_dep_top");
    ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
    ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
    EXPECT_EQ(loaded_module_count(), 0u);
  }
  EXPECT_EQ(heap().stats().bytes_in_use, heap_bytes);
  EXPECT_EQ(pages_outside_heap(), pages);
}

TEST_F(LoaderLifecycleTest, DependencyChainLoadsAndInitialisesDependenciesFirst) {
  auto loaded = load("loader_dep_top");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(loaded.value(), "top_value")(), 111);
  EXPECT_EQ(events(), (Events{"base:constructor", "mid:constructor", "top:constructor"}));
  Module* mid = find_module("loader_dep_mid");
  Module* base = find_module("loader_dep_base");
  ASSERT_NE(mid, nullptr);
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(mid->references(), 1u);
  EXPECT_EQ(base->references(), 1u);
  EXPECT_FALSE(mid->explicitly_loaded());
  ASSERT_EQ(loaded.value()->dependencies().size(), 1u);
  EXPECT_EQ(loaded.value()->dependencies()[0], mid);

  // A dependency cannot go while something needs it.
  auto busy = unload_module(*base);
  ASSERT_TRUE(busy.is_error());
  EXPECT_EQ(busy.error().code(), kEBUSY);
  EXPECT_STREQ(busy.error().message(), "module loader_dep_base is needed by module loader_dep_mid");

  // Unloading the top takes the implicit dependencies with it, dependents first.
  events().clear();
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
  EXPECT_EQ(events(), (Events{"top:destructor", "mid:destructor", "base:destructor"}));
  EXPECT_EQ(loaded_module_count(), 0u);
}

TEST_F(LoaderLifecycleTest, ExplicitlyLoadedDependencyStays) {
  auto base = load("loader_dep_base");
  ASSERT_TRUE(base.is_ok());
  auto top = load("loader_dep_top");
  ASSERT_TRUE(top.is_ok()) << top.error().message();
  EXPECT_EQ(events(), (Events{"base:constructor", "mid:constructor", "top:constructor"}));  // base once
  ASSERT_TRUE(unload_module(*top.value()).is_ok());
  EXPECT_EQ(find_module("loader_dep_mid"), nullptr);
  EXPECT_EQ(find_module("loader_dep_base"), base.value());
  EXPECT_EQ(base.value()->references(), 0u);
  EXPECT_TRUE(unload_module(*base.value()).is_ok());
}

TEST_F(LoaderLifecycleTest, DependencyCyclesLoadLinkAndUnload) {
  auto loaded = load("loader_cycle_a");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  Module* a = loaded.value();
  Module* b = find_module("loader_cycle_b");
  ASSERT_NE(b, nullptr);
  using IntFunction = int (*)();
  EXPECT_EQ(symbol<IntFunction>(a, "cycle_a_calls_b")(), 3);
  EXPECT_EQ(symbol<IntFunction>(b, "cycle_b_calls_a")(), 21);
  // Each initialised once, the dependency (b) first.
  EXPECT_EQ(events(), (Events{"cycle_b:constructor", "cycle_a:constructor"}));
  // a keeps b; b's edge back to a holds nothing, so a can be unloaded, taking b along.
  EXPECT_EQ(a->references(), 0u);
  EXPECT_EQ(b->references(), 1u);
  EXPECT_TRUE(unload_module(*b).is_error());
  ASSERT_TRUE(unload_module(*a).is_ok());
  EXPECT_EQ(loaded_module_count(), 0u);
}

TEST_F(LoaderLifecycleTest, MissingDependencyRefusesTheLoadAndLeavesNothing) {
  serve_dependency_as("loader_dep_base.so", "no_such_fixture");
  size_t heap_bytes = heap().stats().bytes_in_use;
  auto loaded = load("loader_dep_top");
  ASSERT_TRUE(loaded.is_error());
  EXPECT_EQ(loaded.error().code(), kENOENT);
  EXPECT_STREQ(loaded.error().message(),
               "module loader_dep_mid: dependency loader_dep_base.so: no fixture no_such_fixture");
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_TRUE(events().empty());  // nothing ran
  EXPECT_EQ(heap().stats().bytes_in_use, heap_bytes);
}

TEST_F(LoaderLifecycleTest, FailedInitUnloadsCleanly) {
  size_t heap_bytes = heap().stats().bytes_in_use;
  auto loaded = load("loader_init_fail");
  ASSERT_TRUE(loaded.is_error());
  EXPECT_EQ(loaded.error().code(), kENOMEM);
  EXPECT_STREQ(loaded.error().message(),
               "module loader_init_fail: init entry 'failing_init' failed (returned -12, ENOMEM)");
  // Destructors ran (constructors had); the exit entry did not (init never succeeded).
  EXPECT_EQ(events(), (Events{"fail:constructor", "fail:init", "fail:destructor"}));
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_EQ(heap().stats().bytes_in_use, heap_bytes);
}

TEST_F(LoaderLifecycleTest, UnloadWhileInUseIsRefused) {
  auto loaded = load("loader_basic");
  ASSERT_TRUE(loaded.is_ok());
  acquire_module(*loaded.value());
  auto busy = unload_module(*loaded.value());
  ASSERT_TRUE(busy.is_error());
  EXPECT_EQ(busy.error().code(), kEBUSY);
  EXPECT_STREQ(busy.error().message(), "module loader_basic is in use (1 references)");
  EXPECT_EQ(events(), (Events{"basic:constructor", "basic:init"}));  // exit did not run
  release_module(*loaded.value());
  EXPECT_TRUE(unload_module(*loaded.value()).is_ok());
}

TEST_F(LoaderLifecycleTest, ForEachModuleListsLoadOrder) {
  ASSERT_TRUE(load("loader_dep_top").is_ok());
  ASSERT_TRUE(load("loader_weak").is_ok());
  std::vector<std::string> names;
  for_each_module(
      [](Module& module, void* context) {
        static_cast<std::vector<std::string>*>(context)->emplace_back(module.name().data(), module.name().length());
      },
      &names);
  EXPECT_EQ(names, (std::vector<std::string>{"loader_dep_base", "loader_dep_mid", "loader_dep_top", "loader_weak"}));
}

TEST_F(LoaderLifecycleTest, LoadsAreLoggedWithSizeAndTime) {
  fake::clear_console();
  ASSERT_TRUE(load("loader_basic").is_ok());
  std::string console = fake::console_output();
  EXPECT_NE(console.find("module loader_basic: loaded "), std::string::npos) << console;
  EXPECT_NE(console.find(" KiB at 0x"), std::string::npos) << console;
  EXPECT_NE(console.find(" ms"), std::string::npos) << console;
}

LoaderLifecycleTest* g_test = nullptr;

TEST_F(LoaderLifecycleTest, LoaderCallsFromAnInitEntryAreRefused) {
  g_test = this;
  static int nested_code;
  nested_code = 0;
  nested_hook = [] {
    auto nested = g_test->load("loader_basic");
    nested_code = nested.is_error() ? nested.error().code() : 0;
    return 0;
  };
  auto loaded = load("loader_nested");
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_EQ(nested_code, kEDEADLK);
  EXPECT_EQ(find_module("loader_basic"), nullptr);
}

TEST_F(LoaderLifecycleTest, LoadsFromTwoThreadsAreSerialised) {
  // The first load's init yields; the second thread's load waits for it to finish.
  g_test = this;
  nested_hook = [] {
    Scheduler::yield();
    Scheduler::yield();
    return 0;
  };
  auto other = Thread::try_create(
      "second-loader",
      [](void*) {
        kernel_record("second: loading");
        auto loaded = g_test->load("loader_basic");
        kernel_record(loaded.is_ok() ? "second: loaded" : "second: failed");
      },
      nullptr);
  ASSERT_TRUE(other.is_ok());
  auto loaded = load("loader_nested");  // its init lets the other thread run
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  ASSERT_TRUE(other.value()->join().is_ok());
  EXPECT_EQ(events(), (Events{"nested:init begins", "second: loading", "nested:init ends", "basic:constructor",
                              "basic:init", "second: loaded"}));
}

}  // namespace
}  // namespace tessera::loader_test
