#pragma once
// Deterministic record and replay of a hosted run (`tessera run --record FILE`,
// `--replay FILE`; format and limits in docs/debugging.md). Every input the guest takes
// from outside comes through platform.hh; in record mode each one is written to the log
// as the guest takes it, in replay mode each one is taken from the log instead of the
// host. The guest runs on one CPU with cooperative threads, so the same inputs in the
// same order give the same run: same output, same scheduling. A guest that asks for a
// different input than the log holds next has diverged: the run stops and says where.
#include <stddef.h>
#include <stdint.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace tessera::linux_host {

class ReplayLog {
 public:
  enum class Kind : uint8_t {
    kMonotonic = 1, kWallClock, kEvents, kRandom, kDevice, kNetworkInfo, kNetworkSend, kNetworkReceive
  };

  // `identity` names what must be the same on replay (binary, image, command line); a
  // replay refuses a log whose identity differs. Null with `error` set on failure.
  static std::unique_ptr<ReplayLog> record(const std::string& path, const std::string& identity, std::string& error);
  static std::unique_ptr<ReplayLog> replay(const std::string& path, const std::string& identity, std::string& error);
  ~ReplayLog();

  bool replaying() const { return replaying_; }
  // Record: writes `length` bytes of `data` as one input of `kind`. Replay: fills `data`
  // from the next input, which must be of `kind` and `length` bytes (else: diverged).
  void pass(Kind kind, void* data, size_t length);
  // Replay only: the next input of `kind`, any length up to `capacity`; its length.
  size_t take_variable(Kind kind, void* data, size_t capacity);
  void put_variable(Kind kind, const void* data, size_t length);
  uint64_t inputs() const { return count_; }
  // A buffer for assembling variable-size inputs (one per log: the guest is one CPU).
  std::vector<uint8_t>& scratch() { return scratch_; }

 private:
  ReplayLog(std::FILE* file, bool replaying) : file_(file), replaying_(replaying) {}
  [[noreturn]] void diverged(Kind wanted, const char* what);
  std::FILE* file_;
  bool replaying_;
  uint64_t count_ = 0;
  std::vector<uint8_t> scratch_;
};

}  // namespace tessera::linux_host
