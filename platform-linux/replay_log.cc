#include "replay_log.hh"

#include <unistd.h>

#include <cstring>

#include <tessera/exit_status.hh>

namespace tessera::linux_host {
namespace {

constexpr char kMagic[] = "TESSERA-REPLAY 1\n";

const char* kind_name(ReplayLog::Kind kind) {
  switch (kind) {
    case ReplayLog::Kind::kMonotonic: return "the monotonic clock";
    case ReplayLog::Kind::kWallClock: return "the wall clock";
    case ReplayLog::Kind::kEvents: return "events";
    case ReplayLog::Kind::kRandom: return "random bytes";
    case ReplayLog::Kind::kDevice: return "the device list";
    case ReplayLog::Kind::kNetworkInfo: return "a network port's MAC and MTU";
    case ReplayLog::Kind::kNetworkSend: return "a frame send's result";
    case ReplayLog::Kind::kNetworkReceive: return "a received frame";
  }
  return "an unknown input";
}

}  // namespace

std::unique_ptr<ReplayLog> ReplayLog::record(const std::string& path, const std::string& identity, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file) {
    error = "--record: cannot create '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  uint32_t length = uint32_t(identity.size());
  std::fwrite(kMagic, 1, sizeof kMagic - 1, file);
  std::fwrite(&length, sizeof length, 1, file);
  std::fwrite(identity.data(), 1, identity.size(), file);
  return std::unique_ptr<ReplayLog>(new ReplayLog(file, false));
}

std::unique_ptr<ReplayLog> ReplayLog::replay(const std::string& path, const std::string& identity, std::string& error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    error = "--replay: cannot open '" + path + "': " + std::strerror(errno);
    return nullptr;
  }
  char magic[sizeof kMagic - 1];
  uint32_t length = 0;
  if (std::fread(magic, 1, sizeof magic, file) != sizeof magic || std::memcmp(magic, kMagic, sizeof magic) != 0 ||
      std::fread(&length, sizeof length, 1, file) != 1 || length > (1u << 20)) {
    std::fclose(file);
    error = "--replay: '" + path + "' is not a recording of tessera run --record";
    return nullptr;
  }
  std::string recorded(length, '\0');
  if (std::fread(recorded.data(), 1, length, file) != length || recorded != identity) {
    std::fclose(file);
    error = "--replay: '" + path + "' was recorded from another run: recorded [" + recorded + "], this run is [" +
            identity + "] (same tessera binary, image and command line needed)";
    return nullptr;
  }
  return std::unique_ptr<ReplayLog>(new ReplayLog(file, true));
}

ReplayLog::~ReplayLog() {
  if (file_) std::fclose(file_);
}

void ReplayLog::diverged(Kind wanted, const char* what) {
  std::fflush(stdout);
  std::fprintf(stderr, "tessera: replay diverged at input %llu: the guest asked for %s, %s\n",
               static_cast<unsigned long long>(count_), kind_name(wanted), what);
  _exit(exit_status::kOsError);
}

void ReplayLog::put_variable(Kind kind, const void* data, size_t length) {
  uint8_t tag = uint8_t(kind);
  uint32_t size = uint32_t(length);
  std::fwrite(&tag, 1, 1, file_);
  std::fwrite(&size, sizeof size, 1, file_);
  if (length) std::fwrite(data, 1, length, file_);
  ++count_;
}

size_t ReplayLog::take_variable(Kind kind, void* data, size_t capacity) {
  uint8_t tag = 0;
  uint32_t size = 0;
  if (std::fread(&tag, 1, 1, file_) != 1) diverged(kind, "but the recording ended");
  if (tag != uint8_t(kind) || std::fread(&size, sizeof size, 1, file_) != 1) {
    char what[96];
    std::snprintf(what, sizeof what, "but the recording has %s next", kind_name(Kind(tag)));
    diverged(kind, what);
  }
  if (size > capacity) diverged(kind, "but the recorded input is larger than the guest's buffer");
  if (size && std::fread(data, 1, size, file_) != size) diverged(kind, "but the recording is cut short");
  ++count_;
  return size;
}

void ReplayLog::pass(Kind kind, void* data, size_t length) {
  if (!replaying_) return put_variable(kind, data, length);
  if (take_variable(kind, data, length) != length) diverged(kind, "but the recorded input has another size");
}

}  // namespace tessera::linux_host
