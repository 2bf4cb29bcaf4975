#include <tessera/errno.hh>

namespace tessera {

const char* errno_name(int code) {
  switch (code) {
    case kEPERM: return "EPERM";
    case kENOENT: return "ENOENT";
    case kESRCH: return "ESRCH";
    case kEINTR: return "EINTR";
    case kEIO: return "EIO";
    case kENXIO: return "ENXIO";
    case kE2BIG: return "E2BIG";
    case kENOEXEC: return "ENOEXEC";
    case kEBADF: return "EBADF";
    case kECHILD: return "ECHILD";
    case kEAGAIN: return "EAGAIN";
    case kENOMEM: return "ENOMEM";
    case kEACCES: return "EACCES";
    case kEFAULT: return "EFAULT";
    case kEBUSY: return "EBUSY";
    case kEEXIST: return "EEXIST";
    case kEXDEV: return "EXDEV";
    case kENODEV: return "ENODEV";
    case kENOTDIR: return "ENOTDIR";
    case kEISDIR: return "EISDIR";
    case kEINVAL: return "EINVAL";
    case kENFILE: return "ENFILE";
    case kEMFILE: return "EMFILE";
    case kENOTTY: return "ENOTTY";
    case kEFBIG: return "EFBIG";
    case kENOSPC: return "ENOSPC";
    case kESPIPE: return "ESPIPE";
    case kEROFS: return "EROFS";
    case kEMLINK: return "EMLINK";
    case kEPIPE: return "EPIPE";
    case kEDOM: return "EDOM";
    case kERANGE: return "ERANGE";
    case kEDEADLK: return "EDEADLK";
    case kENAMETOOLONG: return "ENAMETOOLONG";
    case kENOSYS: return "ENOSYS";
    case kENOTEMPTY: return "ENOTEMPTY";
    case kELOOP: return "ELOOP";
    case kENOMSG: return "ENOMSG";
    case kENODATA: return "ENODATA";
    case kETIME: return "ETIME";
    case kEOVERFLOW: return "EOVERFLOW";
    case kEBADMSG: return "EBADMSG";
    case kEILSEQ: return "EILSEQ";
    case kENOTSUP: return "ENOTSUP";
    case kETIMEDOUT: return "ETIMEDOUT";
    case kECANCELED: return "ECANCELED";
    case kENOTSOCK: return "ENOTSOCK";
    case kEDESTADDRREQ: return "EDESTADDRREQ";
    case kEMSGSIZE: return "EMSGSIZE";
    case kEPROTOTYPE: return "EPROTOTYPE";
    case kENOPROTOOPT: return "ENOPROTOOPT";
    case kEPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case kESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case kEPFNOSUPPORT: return "EPFNOSUPPORT";
    case kEAFNOSUPPORT: return "EAFNOSUPPORT";
    case kEADDRINUSE: return "EADDRINUSE";
    case kEADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case kENETDOWN: return "ENETDOWN";
    case kENETUNREACH: return "ENETUNREACH";
    case kENETRESET: return "ENETRESET";
    case kECONNABORTED: return "ECONNABORTED";
    case kECONNRESET: return "ECONNRESET";
    case kENOBUFS: return "ENOBUFS";
    case kEISCONN: return "EISCONN";
    case kENOTCONN: return "ENOTCONN";
    case kESHUTDOWN: return "ESHUTDOWN";
    case kECONNREFUSED: return "ECONNREFUSED";
    case kEHOSTDOWN: return "EHOSTDOWN";
    case kEHOSTUNREACH: return "EHOSTUNREACH";
    case kEALREADY: return "EALREADY";
    case kEINPROGRESS: return "EINPROGRESS";
  }
  return "E?";
}

}  // namespace tessera
