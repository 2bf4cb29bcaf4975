#include "module/api/address_api.hh"

#include "libc/errno.hh"
#include "mm/heap.hh"
#include "net/inet_address.hh"

namespace tessera::api {
namespace {

constexpr int kAddressConfig = 0x0020, kV4Mapped = 0x0008, kAll = 0x0010;
constexpr int kKnownFlags = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | kAddressConfig | kV4Mapped | kAll;
constexpr int kEaiAgain = -3, kEaiAddressFamily = -9, kEaiOverflow = -12;

// One allocation per result: the addrinfo, its address and its canonical name.
struct Entry {
  addrinfo info;
  sockaddr_in address;
  char name[64];
};

struct Kind {
  int type;
  int protocol;
};

}  // namespace

int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  if (!result) return EAI_SYSTEM;
  *result = nullptr;
  addrinfo defaults{};
  const addrinfo& wanted = hints ? *hints : defaults;
  if (wanted.ai_flags & ~kKnownFlags) return EAI_BADFLAGS;
  if ((wanted.ai_flags & AI_CANONNAME) && !node) return EAI_BADFLAGS;
  if (!node && !service) return EAI_NONAME;
  if (wanted.ai_family != AF_UNSPEC && wanted.ai_family != AF_INET) return EAI_FAMILY;

  Kind kinds[3];
  size_t kind_count = 0;
  switch (wanted.ai_socktype) {
    case 0:
      if (wanted.ai_protocol == 0 || wanted.ai_protocol == IPPROTO_TCP) kinds[kind_count++] = {SOCK_STREAM, IPPROTO_TCP};
      if (wanted.ai_protocol == 0 || wanted.ai_protocol == IPPROTO_UDP) kinds[kind_count++] = {SOCK_DGRAM, IPPROTO_UDP};
      if (wanted.ai_protocol == 0) kinds[kind_count++] = {SOCK_RAW, 0};
      if (kind_count == 0) kinds[kind_count++] = {SOCK_RAW, wanted.ai_protocol};
      break;
    case SOCK_STREAM:
      if (wanted.ai_protocol != 0 && wanted.ai_protocol != IPPROTO_TCP) return EAI_SOCKTYPE;
      kinds[kind_count++] = {SOCK_STREAM, IPPROTO_TCP};
      break;
    case SOCK_DGRAM:
      if (wanted.ai_protocol != 0 && wanted.ai_protocol != IPPROTO_UDP) return EAI_SOCKTYPE;
      kinds[kind_count++] = {SOCK_DGRAM, IPPROTO_UDP};
      break;
    case SOCK_RAW:
      kinds[kind_count++] = {SOCK_RAW, wanted.ai_protocol};
      break;
    default: return EAI_SOCKTYPE;
  }

  uint16_t port = 0;
  if (service && !inet::parse_port(service, port)) return (wanted.ai_flags & AI_NUMERICSERV) ? EAI_NONAME : EAI_SERVICE;
  uint32_t address = (wanted.ai_flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK;
  if (node && !inet::parse_ipv4(node, address)) return EAI_NONAME;

  addrinfo* head = nullptr;
  addrinfo** tail = &head;
  for (size_t i = 0; i < kind_count; ++i) {
    auto* entry = static_cast<Entry*>(heap().allocate(sizeof(Entry)));
    if (!entry) {
      api::freeaddrinfo(head);
      return EAI_MEMORY;
    }
    *entry = Entry{};
    entry->address.sin_family = AF_INET;
    entry->address.sin_port = htons(port);
    entry->address.sin_addr.s_addr = htonl(address);
    entry->info.ai_flags = wanted.ai_flags;
    entry->info.ai_family = AF_INET;
    entry->info.ai_socktype = kinds[i].type;
    entry->info.ai_protocol = kinds[i].protocol;
    entry->info.ai_addrlen = sizeof(sockaddr_in);
    entry->info.ai_addr = reinterpret_cast<sockaddr*>(&entry->address);
    // A numeric host's canonical name is its own text; only the first entry carries it.
    if (i == 0 && (wanted.ai_flags & AI_CANONNAME)) {
      inet::format_ipv4(address, entry->name);
      entry->info.ai_canonname = entry->name;
    }
    *tail = &entry->info;
    tail = &entry->info.ai_next;
  }
  *result = head;
  return 0;
}

void freeaddrinfo(addrinfo* list) {
  while (list) {
    addrinfo* next = list->ai_next;
    // info is Entry's first member: the entry starts where the addrinfo does.
    heap().free(list);
    list = next;
  }
}

const char* gai_strerror(int code) {
  switch (code) {
    case 0: return "Success";
    case EAI_BADFLAGS: return "Bad value for ai_flags";
    case EAI_NONAME: return "Name or service not known";
    case kEaiAgain: return "Temporary failure in name resolution";
    case EAI_FAIL: return "Non-recoverable failure in name resolution";
    case EAI_FAMILY: return "ai_family not supported";
    case EAI_SOCKTYPE: return "ai_socktype not supported";
    case EAI_SERVICE: return "Servname not supported for ai_socktype";
    case kEaiAddressFamily: return "Address family for hostname not supported";
    case EAI_MEMORY: return "Memory allocation failure";
    case EAI_SYSTEM: return "System error";
    case kEaiOverflow: return "Argument buffer overflow";
    default: return "Unknown error";
  }
}

int inet_pton(int family, const char* text, void* out) {
  if (family != AF_INET) {
    libc::set_errno(kEAFNOSUPPORT);
    return -1;
  }
  uint32_t address = 0;
  if (!text || !inet::parse_ipv4(text, address)) return 0;
  uint32_t network = htonl(address);
  __builtin_memcpy(out, &network, sizeof network);
  return 1;
}

const char* inet_ntop(int family, const void* address, char* buffer, socklen_t size) {
  if (family != AF_INET) {
    libc::set_errno(kEAFNOSUPPORT);
    return nullptr;
  }
  uint32_t network = 0;
  __builtin_memcpy(&network, address, sizeof network);
  char text[inet::kAddressTextCapacity];
  size_t length = inet::format_ipv4(ntohl(network), text);
  if (!buffer || size <= length) {
    libc::set_errno(kENOSPC);
    return nullptr;
  }
  __builtin_memcpy(buffer, text, length + 1);
  return buffer;
}

}  // namespace tessera::api
