#pragma once
// Linux's socket constants and layouts, as the module API (tessera/socket_api.h) uses
// them. Files that include lwIP's sockets.h cannot include that part of the API (the
// names collide with lwIP's own values), so the translation reads them from here under
// names of their own; socket_provider.cc checks nothing else is needed.
#include <stdint.h>

namespace tessera::lwip::linux_abi {

constexpr int kAfUnspec = 0, kAfInet = 2, kAfInet6 = 10;
constexpr int kSockStream = 1, kSockDgram = 2, kSockRaw = 3;
constexpr int kSockNonblock = 04000, kSockCloexec = 02000000;
constexpr int kIpprotoIp = 0, kIpprotoTcp = 6, kIpprotoUdp = 17;

constexpr int kSolSocket = 1;
constexpr int kSoReuseaddr = 2, kSoType = 3, kSoError = 4, kSoBroadcast = 6, kSoSndbuf = 7, kSoRcvbuf = 8,
              kSoKeepalive = 9, kSoLinger = 13, kSoReuseport = 15, kSoRcvtimeo = 20, kSoSndtimeo = 21,
              kSoBindtodevice = 25, kSoAcceptconn = 30;
constexpr int kTcpNodelay = 1, kTcpKeepidle = 4, kTcpKeepintvl = 5, kTcpKeepcnt = 6;
constexpr int kIpTos = 1, kIpTtl = 2;

constexpr int kMsgPeek = 0x2, kMsgDontwait = 0x40, kMsgWaitall = 0x100, kMsgNosignal = 0x4000, kMsgMore = 0x8000;

constexpr int kPollin = 0x001, kPollpri = 0x002, kPollout = 0x004, kPollerr = 0x008, kPollhup = 0x010,
              kPollnval = 0x020;

constexpr int kEINVAL = 22, kEAFNOSUPPORT = 97, kENOPROTOOPT = 92, kEOPNOTSUPP = 95, kENODEV = 19, kEBADF = 9,
              kEIO = 5, kECONNREFUSED = 111, kECONNRESET = 104, kEPROTONOSUPPORT = 93, kESOCKTNOSUPPORT = 94,
              kENOMEM = 12, kEINPROGRESS = 115, kEALREADY = 114, kEISCONN = 106, kEFAULT = 14;

struct SockaddrIn {  // struct sockaddr_in
  uint16_t family;
  uint16_t port;  // network byte order
  uint32_t address;  // network byte order
  uint8_t zero[8];
};
static_assert(sizeof(SockaddrIn) == 16);

struct Timeval {
  int64_t seconds;
  int64_t microseconds;
};

struct Linger {
  int on;
  int seconds;
};

}  // namespace tessera::lwip::linux_abi
