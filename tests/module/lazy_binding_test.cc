// Lazy import stubs (module/lazy_binding.hh) on the loader's fixtures: which imports may
// wait (decide_lazy_binding on real shared objects), and the whole path on a fake kernel:
// nothing loads until the first call, the call loads once and arrives intact, the PLT
// slot is patched and read-only again, GOT addresses stay the stub, a failed load panics
// with the symbol, the module and why.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

#include "module/lazy_binding.hh"
#include "module/loader_harness.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera::loader_test {
namespace {

const std::set<std::string> kProviderExports = {"lazy_add8", "lazy_vsum", "lazy_calls", "lazy_data"};
const char* g_eager_reason = nullptr;

LazyPolicy test_policy() {
  LazyPolicy policy;
  policy.exporter_of = [](void*, ktl::StringView symbol) {
    return kProviderExports.count(std::string(symbol.data(), symbol.length())) ? ktl::StringView("lazy_provider")
                                                                                : ktl::StringView();
  };
  policy.must_load_with_app = [](void*, ktl::StringView) { return g_eager_reason; };
  return policy;
}

uint32_t symbol_index(const Module& module, const char* name) {
  auto symbols = module.image().symbols();
  for (uint32_t i = 1; i < symbols.size(); ++i)
    if (module.image().symbol_name(i) == ktl::StringView(name)) return i;
  ADD_FAILURE() << "no symbol " << name;
  return 0;
}

// The application's PLT (R_X86_64_JUMP_SLOT) or GOT (R_X86_64_GLOB_DAT) slot of `name`.
uintptr_t* slot_of(const Module& module, const char* name, uint32_t type) {
  uint32_t index = symbol_index(module, name);
  for (auto table : {module.image().relocations(), module.image().plt_relocations()})
    for (const elf::Rela& rela : table)
      if (rela.symbol() == index && rela.type() == type)
        return reinterpret_cast<uintptr_t*>(module.address_of(rela.r_offset));
  ADD_FAILURE() << "no slot of type " << type << " for " << name;
  return nullptr;
}
uintptr_t* plt_slot(const Module& module, const char* name) { return slot_of(module, name, elf::kRX86_64JumpSlot); }
// lazy_add8's address is taken, so the linker gives it one GOT slot that its PLT entry
// jumps through too.
uintptr_t* got_slot(const Module& module, const char* name) { return slot_of(module, name, elf::kRX86_64GlobDat); }

class LazyBindingTest : public LoaderTest {
 public:
  void SetUp() override {
    LoaderTest::SetUp();
    g_eager_reason = nullptr;
  }
  LoadOptions lazy_options() {
    LoadOptions lazy = options();
    lazy.lazy = test_policy();
    return lazy;
  }
  int count(const char* event) { return int(std::count(events().begin(), events().end(), std::string(event))); }
};

TEST_F(LazyBindingTest, FunctionImportsMayWait) {
  auto app = load("lazy_user", options());  // eager: the policy is off
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  LazyDecision decision = decide_lazy_binding(app.value()->image(), "lazy_provider", test_policy());
  EXPECT_TRUE(decision.lazy) << decision.reason;
  EXPECT_EQ(decision.reason, nullptr);
  // Two PLT slots and the GOT slot of lazy_add8, whose address is taken.
  EXPECT_EQ(decision.functions, 3u);
}

TEST_F(LazyBindingTest, DataImportsLoadWithTheApplication) {
  auto app = load("lazy_data_user", options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  LazyDecision decision = decide_lazy_binding(app.value()->image(), "lazy_provider", test_policy());
  EXPECT_FALSE(decision.lazy);
  EXPECT_EQ(decision.symbol, ktl::StringView("lazy_data"));
  EXPECT_NE(std::strstr(decision.reason, "data symbol"), nullptr) << decision.reason;
}

TEST_F(LazyBindingTest, ApplicationWithConstructorsLoadsEagerly) {
  // Its constructor calls into the module while the loader is busy with the application.
  auto app = load("lazy_constructor_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  EXPECT_EQ(app.value()->lazy_imports(), nullptr);
  EXPECT_NE(find_module("lazy_provider"), nullptr);
  EXPECT_EQ(symbol<long (*)()>(app.value(), "constructor_user_first")(), 36);
  LazyDecision decision = decide_lazy_binding(app.value()->image(), "lazy_provider", test_policy());
  EXPECT_FALSE(decision.lazy);
  EXPECT_NE(std::strstr(decision.reason, "constructors"), nullptr) << decision.reason;
}

TEST_F(LazyBindingTest, PolicyCanKeepAModuleEager) {
  auto app = load("lazy_user", options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  g_eager_reason = "it provides a capability";
  LazyDecision decision = decide_lazy_binding(app.value()->image(), "lazy_provider", test_policy());
  EXPECT_FALSE(decision.lazy);
  EXPECT_STREQ(decision.reason, "it provides a capability");
  EXPECT_FALSE(decide_lazy_binding(app.value()->image(), "lazy_provider", LazyPolicy{}).lazy);
  // Another module's name: nothing of the application comes from it.
  g_eager_reason = nullptr;
  EXPECT_EQ(decide_lazy_binding(app.value()->image(), "other", test_policy()).functions, 0u);
}

TEST_F(LazyBindingTest, EagerPolicyLoadsWithTheApplication) {
  g_eager_reason = "listed at boot";
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  EXPECT_NE(find_module("lazy_provider"), nullptr);
  EXPECT_EQ(app.value()->lazy_imports(), nullptr);
  EXPECT_EQ(count("provider:constructor"), 1);
}

TEST_F(LazyBindingTest, NothingLoadsBeforeTheFirstCall) {
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  Module* user = app.value();
  EXPECT_EQ(find_module("lazy_provider"), nullptr);
  EXPECT_EQ(count("provider:constructor"), 0);
  ASSERT_NE(user->lazy_imports(), nullptr);
  EXPECT_EQ(user->lazy_imports()->stub_count(), 3u);  // add8, vsum, calls
  EXPECT_TRUE(user->dependencies().empty());
  uintptr_t stub = user->lazy_imports()->stub_of(symbol_index(*user, "lazy_add8"));
  EXPECT_NE(stub, 0u);
  EXPECT_EQ(*got_slot(*user, "lazy_add8"), stub);
  EXPECT_EQ(*plt_slot(*user, "lazy_vsum"), user->lazy_imports()->stub_of(symbol_index(*user, "lazy_vsum")));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(symbol<void* (*)()>(user, "user_address_of_add8")()), stub);
  // Unloading an application that never called leaves nothing behind.
  ASSERT_TRUE(unload_module(*user).is_ok());
  EXPECT_EQ(loaded_module_count(), 0u);
  EXPECT_EQ(count("provider:constructor"), 0);
}

TEST_F(LazyBindingTest, FirstCallLoadsOnceAndPatchesThePltSlot) {
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  Module* user = app.value();
  auto add8 = symbol<long (*)(long, long, long, long, long, long, long, long)>(user, "user_add8");
  uintptr_t stub = user->lazy_imports()->stub_of(symbol_index(*user, "lazy_add8"));

  EXPECT_EQ(add8(1, 2, 3, 4, 5, 6, 7, 8), 1 + 4 + 9 + 16 + 25 + 36 + 49 + 64);
  Module* provider = find_module("lazy_provider");
  ASSERT_NE(provider, nullptr);
  EXPECT_EQ(count("provider:constructor"), 1);
  EXPECT_EQ(user->dependencies().size(), 1u);
  EXPECT_EQ(provider->references(), 1u);
  EXPECT_FALSE(provider->explicitly_loaded());
  // Every import from the module is bound at once; PLT slots get the function, the GOT
  // slot (the address the application takes) stays the stub.
  EXPECT_TRUE(user->lazy_imports()->is_bound(symbol_index(*user, "lazy_vsum")));
  EXPECT_EQ(*plt_slot(*user, "lazy_vsum"), provider->find_symbol("lazy_vsum"));
  EXPECT_EQ(*plt_slot(*user, "lazy_calls"), provider->find_symbol("lazy_calls"));
  EXPECT_EQ(*got_slot(*user, "lazy_add8"), stub);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(symbol<void* (*)()>(user, "user_address_of_add8")()), stub);
  // Calls through the stub (the address) still arrive, without another load.
  auto through_stub = reinterpret_cast<long (*)(long, long, long, long, long, long, long, long)>(stub);
  EXPECT_EQ(through_stub(8, 7, 6, 5, 4, 3, 2, 1), 8 + 14 + 18 + 20 + 20 + 18 + 14 + 8);
  EXPECT_EQ(add8(-1, 0, 0, 0, 0, 0, 0, 1), 7);
  EXPECT_EQ(symbol<int (*)()>(user, "user_calls")(), 3);
  EXPECT_EQ(count("provider:constructor"), 1);

  // The application takes its dependency along when it goes.
  ASSERT_TRUE(unload_module(*user).is_ok());
  EXPECT_EQ(find_module("lazy_provider"), nullptr);
  EXPECT_EQ(count("provider:destructor"), 1);
}

TEST_F(LazyBindingTest, PatchedSlotIsReadOnlyAgain) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  Module* user = app.value();
  EXPECT_EQ(symbol<int (*)()>(user, "user_calls")(), 0);
  EXPECT_EQ(*plt_slot(*user, "lazy_calls"), find_module("lazy_provider")->find_symbol("lazy_calls"));
  volatile uintptr_t* slot = plt_slot(*user, "lazy_calls");
  // A write faults: SIGSEGV, or ASan's report of it under the asan preset.
  EXPECT_DEATH(*slot = 0, "");
}

TEST_F(LazyBindingTest, VarargsDoublesOnTheStackArriveIntact) {
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  auto vsum = symbol<double (*)(double, double, double, double, double, double, double, double, double, double)>(
      app.value(), "user_vsum10");
  double expected = 0;
  double values[10] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5};
  for (int i = 0; i < 10; ++i) expected += values[i] * (i + 1);
  // The first call goes through the trampoline's slow path: %al, eight vector registers
  // and two doubles on the stack must survive the load.
  EXPECT_EQ(vsum(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5), expected);
  EXPECT_EQ(vsum(0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5), expected);
  EXPECT_EQ(count("provider:constructor"), 1);
}

LazyBindingTest* g_test = nullptr;

TEST_F(LazyBindingTest, TwoThreadsCallingFirstLoadOnce) {
  // The first caller's load yields inside the module's constructor; the second thread's
  // first call (another import of the same module) waits for the loader, then finds
  // everything bound.
  g_test = this;
  nested_hook = [] {
    Scheduler::yield();
    Scheduler::yield();
    return 0;
  };
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  static int (*calls)();
  static int second_result;
  calls = symbol<int (*)()>(app.value(), "user_calls");
  second_result = -1;
  auto other = Thread::try_create(
      "second-caller",
      [](void*) {
        kernel_record("second: calling");
        second_result = calls();
        kernel_record("second: returned");
      },
      nullptr);
  ASSERT_TRUE(other.is_ok());
  auto add8 = symbol<long (*)(long, long, long, long, long, long, long, long)>(app.value(), "user_add8");
  EXPECT_EQ(add8(1, 1, 1, 1, 1, 1, 1, 1), 36);
  ASSERT_TRUE(other.value()->join().is_ok());
  EXPECT_EQ(count("provider:constructor"), 1);
  EXPECT_EQ(events(), (std::vector<std::string>{"provider:constructor", "second: calling", "second: returned"}));
  EXPECT_EQ(second_result, 1);
  EXPECT_EQ(calls(), 1);
}

TEST_F(LazyBindingTest, AlreadyLoadedModuleIsBoundAtLoad) {
  ASSERT_TRUE(load("lazy_provider").is_ok());
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  EXPECT_EQ(app.value()->lazy_imports(), nullptr);
  EXPECT_EQ(app.value()->dependencies().size(), 1u);
}

TEST_F(LazyBindingTest, FailedLoadPanicsNamingSymbolModuleAndWhy) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  serve_dependency_as("lazy_provider.so", "loader_init_fail");
  auto app = load("lazy_user", lazy_options());
  ASSERT_TRUE(app.is_ok()) << app.error().message();
  auto add8 = symbol<long (*)(long, long, long, long, long, long, long, long)>(app.value(), "user_add8");
  EXPECT_DEATH(add8(1, 2, 3, 4, 5, 6, 7, 8),
               "KERNEL PANIC: lazy binding: lazy_user called 'lazy_add8' of module lazy_provider, which cannot be "
               "loaded or bound: .*loader_init_fail.*");
}

}  // namespace
}  // namespace tessera::loader_test
