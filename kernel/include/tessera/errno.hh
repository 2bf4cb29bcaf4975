#pragma once
// Error numbers, with Linux's values so that hosted and VM report identical codes
// and applications see what they would see on Linux.

namespace tessera {

enum Errno : int {
  kEPERM = 1, kENOENT = 2, kESRCH = 3, kEINTR = 4, kEIO = 5, kENXIO = 6, kE2BIG = 7,
  kENOEXEC = 8, kEBADF = 9, kECHILD = 10, kEAGAIN = 11, kENOMEM = 12, kEACCES = 13,
  kEFAULT = 14, kEBUSY = 16, kEEXIST = 17, kEXDEV = 18, kENODEV = 19, kENOTDIR = 20,
  kEISDIR = 21, kEINVAL = 22, kENFILE = 23, kEMFILE = 24, kENOTTY = 25, kEFBIG = 27,
  kENOSPC = 28, kESPIPE = 29, kEROFS = 30, kEMLINK = 31, kEPIPE = 32, kEDOM = 33,
  kERANGE = 34, kEDEADLK = 35, kENAMETOOLONG = 36, kENOSYS = 38, kENOTEMPTY = 39,
  kELOOP = 40, kENOMSG = 42, kENODATA = 61, kETIME = 62, kEOVERFLOW = 75, kEBADMSG = 74,
  kEILSEQ = 84, kENOTSUP = 95, kETIMEDOUT = 110, kECANCELED = 125,
  // Networking (sockets, network devices).
  kENOTSOCK = 88, kEDESTADDRREQ = 89, kEMSGSIZE = 90, kEPROTOTYPE = 91, kENOPROTOOPT = 92,
  kEPROTONOSUPPORT = 93, kESOCKTNOSUPPORT = 94, kEOPNOTSUPP = kENOTSUP, kEPFNOSUPPORT = 96,
  kEAFNOSUPPORT = 97, kEADDRINUSE = 98, kEADDRNOTAVAIL = 99, kENETDOWN = 100, kENETUNREACH = 101,
  kENETRESET = 102, kECONNABORTED = 103, kECONNRESET = 104, kENOBUFS = 105, kEISCONN = 106,
  kENOTCONN = 107, kESHUTDOWN = 108, kECONNREFUSED = 111, kEHOSTDOWN = 112, kEHOSTUNREACH = 113,
  kEALREADY = 114, kEINPROGRESS = 115,
};
// EWOULDBLOCK is EAGAIN on Linux.
inline constexpr Errno kEWOULDBLOCK = kEAGAIN;

// "ENOENT" for 2; "E?" for numbers it does not know.
const char* errno_name(int code);

}  // namespace tessera
