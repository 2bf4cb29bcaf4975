// Module TLS in every model, in several guest threads: each thread sees its own copy,
// initialised from the module's .tdata, whether the module loaded before or after the
// thread started.
#include <string>

#include "loader_harness.hh"
#include "module/module_tls.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera::loader_test {
namespace {

struct TlsFunctions {
  int (*bump)();
  int (*read)();
  long (*read_zero)();
  int (*read_big_last)();
  void* (*counter_address)();
};

TlsFunctions functions_of(Module* module) {
  TlsFunctions f;
  f.bump = reinterpret_cast<int (*)()>(module->find_symbol("tls_bump"));
  f.read = reinterpret_cast<int (*)()>(module->find_symbol("tls_read"));
  f.read_zero = reinterpret_cast<long (*)()>(module->find_symbol("tls_read_zero"));
  f.read_big_last = reinterpret_cast<int (*)()>(module->find_symbol("tls_read_big_last"));
  f.counter_address = reinterpret_cast<void* (*)()>(module->find_symbol("tls_counter_address"));
  return f;
}

struct WorkerResult {
  TlsFunctions* functions = nullptr;
  int bumps = 0;
  int first = 0;       // tls_counter when the thread started using it
  int last = 0;
  long zero = 0;
  int big_last = 0;
};

void worker(void* argument) {
  auto* result = static_cast<WorkerResult*>(argument);
  result->first = result->functions->read();
  for (int i = 0; i < result->bumps; ++i) {
    result->functions->bump();
    Scheduler::yield();  // interleave with the other threads
  }
  result->last = result->functions->read();
  result->zero = result->functions->read_zero();
  result->big_last = result->functions->read_big_last();
}

class LoaderTlsTest : public LoaderTest, public ::testing::WithParamInterface<const char*> {
 protected:
  // Three threads bump their own counters 1, 2 and 3 times while main bumps 4 times.
  void run_threads(Module* module) {
    TlsFunctions functions = functions_of(module);
    ASSERT_NE(functions.bump, nullptr);
    WorkerResult results[3];
    Thread* threads[3];
    for (int i = 0; i < 3; ++i) {
      results[i].functions = &functions;
      results[i].bumps = i + 1;
      auto created = Thread::try_create("tls-worker", worker, &results[i]);
      ASSERT_TRUE(created.is_ok()) << created.error().message();
      threads[i] = created.value();
    }
    int main_first = functions.read();
    for (int i = 0; i < 4; ++i) {
      functions.bump();
      Scheduler::yield();
    }
    for (auto* thread : threads) ASSERT_TRUE(thread->join().is_ok());
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(results[i].first, 5) << "thread " << i;
      EXPECT_EQ(results[i].last, 5 + i + 1) << "thread " << i;
      EXPECT_EQ(results[i].zero, 2 * (i + 1)) << "thread " << i;
      EXPECT_EQ(results[i].big_last, i + 1) << "thread " << i;
    }
    EXPECT_EQ(main_first, 5);
    EXPECT_EQ(functions.read(), 9);
    EXPECT_EQ(functions.read_zero(), 8);
  }
};

TEST_P(LoaderTlsTest, EachThreadHasItsOwnInitialisedCopy) {
  auto loaded = load(GetParam());
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  EXPECT_NE(loaded.value()->tls().id, 0u);
  run_threads(loaded.value());
  // Unloading frees the dynamic blocks every thread allocated.
  ASSERT_TRUE(unload_module(*loaded.value()).is_ok());
  EXPECT_EQ(module_tls::dynamic_blocks_live(), 0u);
  EXPECT_EQ(module_tls::static_bytes_in_use(), 0u);
}

TEST_P(LoaderTlsTest, ThreadsThatExistBeforeTheLoadSeeInitialValues) {
  // A thread started before the module: its static slot is filled at load.
  struct Context {
    LoaderTlsTest* test;
    Module* module = nullptr;
    int seen = 0;
  } context{this};
  auto created = Thread::try_create(
      "early",
      [](void* argument) {
        auto* c = static_cast<Context*>(argument);
        while (!c->module) Scheduler::yield();
        c->seen = functions_of(c->module).bump();
      },
      &context);
  ASSERT_TRUE(created.is_ok());
  Scheduler::yield();  // the thread runs and waits
  auto loaded = load(GetParam());
  ASSERT_TRUE(loaded.is_ok()) << loaded.error().message();
  context.module = loaded.value();
  ASSERT_TRUE(created.value()->join().is_ok());
  EXPECT_EQ(context.seen, 6);
  EXPECT_EQ(functions_of(loaded.value()).read(), 5);  // main's copy untouched
}

const char* const kTlsFixtures[] = {
    "loader_tls_gd", "loader_tls_ie", "loader_tls_gd_big",
#if TESSERA_LOADER_HAVE_TLSDESC
    "loader_tls_desc", "loader_tls_desc_big",
#endif
};
INSTANTIATE_TEST_SUITE_P(Models, LoaderTlsTest, ::testing::ValuesIn(kTlsFixtures),
                         [](const auto& info) { return std::string(info.param); });

class LoaderTlsPlacementTest : public LoaderTest {};

TEST_F(LoaderTlsPlacementTest, SmallBlocksAreStaticLargeOnesDynamic) {
  auto small = load("loader_tls_gd");
  ASSERT_TRUE(small.is_ok());
  EXPECT_TRUE(small.value()->tls().is_static);
  auto big = load("loader_tls_gd_big");
  ASSERT_TRUE(big.is_ok());
  EXPECT_FALSE(big.value()->tls().is_static);
  EXPECT_NE(small.value()->tls().id, big.value()->tls().id);
}

TEST_F(LoaderTlsPlacementTest, StaticSlotsDoNotOverlapAndAreReused) {
  auto first = load("loader_tls_gd");
  auto second = load("loader_tls_ie");
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  const auto& a = first.value()->tls();
  const auto& b = second.value()->tls();
  ASSERT_TRUE(a.is_static && b.is_static);
  EXPECT_TRUE(a.tp_offset + static_cast<intptr_t>(a.size) <= b.tp_offset ||
              b.tp_offset + static_cast<intptr_t>(b.size) <= a.tp_offset);
  EXPECT_EQ(b.tp_offset % static_cast<intptr_t>(b.alignment), a.tp_offset % static_cast<intptr_t>(b.alignment));
  // Each module's variable is its own.
  auto fa = functions_of(first.value()), fb = functions_of(second.value());
  fa.bump();
  EXPECT_EQ(fa.read(), 6);
  EXPECT_EQ(fb.read(), 5);
  intptr_t freed = a.tp_offset;
  ASSERT_TRUE(unload_module(*first.value()).is_ok());
  auto third = load("loader_tls_gd_big");  // dynamic: does not take the slot
  ASSERT_TRUE(third.is_ok());
  auto fourth = load("loader_tls_gd");  // first fit: the freed slot again
  ASSERT_TRUE(fourth.is_ok());
  EXPECT_EQ(fourth.value()->tls().tp_offset, freed);
  EXPECT_EQ(functions_of(fourth.value()).read(), 5);  // re-initialised, not the old 6
}

TEST_F(LoaderTlsPlacementTest, InitialExecTooLargeForTheReserveIsRefused) {
  auto loaded = load("loader_tls_ie_big");
  ASSERT_TRUE(loaded.is_error());
  EXPECT_EQ(loaded.error().code(), kENOMEM);
  EXPECT_NE(std::string(loaded.error().message()).find("does not fit the static TLS reserve"), std::string::npos)
      << loaded.error().message();
  EXPECT_EQ(loaded_module_count(), 0u);
}

TEST_F(LoaderTlsPlacementTest, ThreadExitFreesItsDynamicBlocks) {
  auto loaded = load("loader_tls_gd_big");
  ASSERT_TRUE(loaded.is_ok());
  struct Context {
    TlsFunctions functions;
    bool release = false;
  } context{functions_of(loaded.value())};
  auto created = Thread::try_create(
      "user",
      [](void* argument) {
        auto* c = static_cast<Context*>(argument);
        c->functions.bump();
        while (!c->release) Scheduler::yield();
      },
      &context);
  ASSERT_TRUE(created.is_ok());
  Scheduler::yield();
  EXPECT_EQ(module_tls::dynamic_blocks_live(), 1u);
  context.release = true;
  ASSERT_TRUE(created.value()->join().is_ok());
  EXPECT_EQ(module_tls::dynamic_blocks_live(), 0u);
}

}  // namespace
}  // namespace tessera::loader_test
