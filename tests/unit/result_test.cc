// Errors as values: construction, messages, TRY propagation and misuse.
#include <tessera/result.hh>

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

namespace tessera {
namespace {

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error::with_message(kEINVAL, "'%c' is not a digit", c);
  return c - '0';
}

Result<int> parse_two_digits(const char* text) {
  int tens = TRY(parse_digit(text[0]));
  int ones = TRY(parse_digit(text[1]));
  return tens * 10 + ones;
}

int g_steps = 0;
Result<void> step(bool fail) {
  if (fail) return Error::from_code(kEIO);
  ++g_steps;
  return {};
}
Result<void> three_steps(bool fail_second) {
  TRY(step(false));
  TRY(step(fail_second));
  TRY(step(false));
  return {};
}

TEST(Result, HoldsValue) {
  Result<int> result = parse_digit('7');
  ASSERT_TRUE(result.is_ok());
  EXPECT_FALSE(result.is_error());
  EXPECT_EQ(result.value(), 7);
  EXPECT_EQ(result.release_value(), 7);
}

TEST(Result, HoldsErrorWithFormattedMessage) {
  Result<int> result = parse_digit('x');
  ASSERT_TRUE(result.is_error());
  EXPECT_EQ(result.error().code(), kEINVAL);
  EXPECT_STREQ(result.error().message(), "'x' is not a digit");
}

TEST(Result, TryPropagatesTheFirstError) {
  EXPECT_EQ(parse_two_digits("42").value(), 42);
  Result<int> bad = parse_two_digits("4?");
  ASSERT_TRUE(bad.is_error());
  EXPECT_STREQ(bad.error().message(), "'?' is not a digit");
  EXPECT_STREQ(parse_two_digits("?4").error().message(), "'?' is not a digit");
}

TEST(Result, TryOnVoidStopsAtTheFailingStep) {
  g_steps = 0;
  EXPECT_TRUE(three_steps(false).is_ok());
  EXPECT_EQ(g_steps, 3);
  g_steps = 0;
  Result<void> failed = three_steps(true);
  ASSERT_TRUE(failed.is_error());
  EXPECT_EQ(failed.error().code(), kEIO);
  EXPECT_EQ(g_steps, 1);
}

TEST(Error, FromCodeUsesTheErrnoName) {
  Error error = Error::from_code(kENOMEM);
  EXPECT_EQ(error.code(), kENOMEM);
  EXPECT_STREQ(error.message(), "ENOMEM");
  EXPECT_STREQ(Error::from_code(9999).message(), "E?");
}

TEST(Error, LongMessagesAreTruncatedWithMarker) {
  std::string long_name(400, 'n');
  Error error = Error::with_message(kENAMETOOLONG, "name '%s' is too long", long_name.c_str());
  std::string message = error.message();
  EXPECT_EQ(message.size(), Error::kMessageCapacity - 1);
  EXPECT_EQ(message.substr(0, 6), "name '");
  EXPECT_EQ(message.substr(message.size() - 3), "...");
  EXPECT_EQ(message[message.size() - 4], 'n');
}

TEST(Error, MessageThatExactlyFitsIsNotMarked) {
  std::string exact(Error::kMessageCapacity - 1, 'e');
  Error error = Error::with_message(kEINVAL, "%s", exact.c_str());
  EXPECT_EQ(std::string(error.message()), exact);
}

TEST(Error, WithMessageV) {
  auto make = [](int code, const char* format, ...) {
    va_list args;
    va_start(args, format);
    Error error = Error::with_message_v(code, format, args);
    va_end(args);
    return error;
  };
  Error error = make(kERANGE, "%d out of [%d, %d]", 12, 0, 10);
  EXPECT_EQ(error.code(), kERANGE);
  EXPECT_STREQ(error.message(), "12 out of [0, 10]");
}

TEST(Errno, NamesEveryCode) {
  const std::pair<int, const char*> codes[] = {
      {kEPERM, "EPERM"}, {kENOENT, "ENOENT"}, {kESRCH, "ESRCH"}, {kEINTR, "EINTR"}, {kEIO, "EIO"},
      {kENXIO, "ENXIO"}, {kE2BIG, "E2BIG"}, {kENOEXEC, "ENOEXEC"}, {kEBADF, "EBADF"}, {kECHILD, "ECHILD"},
      {kEAGAIN, "EAGAIN"}, {kENOMEM, "ENOMEM"}, {kEACCES, "EACCES"}, {kEFAULT, "EFAULT"}, {kEBUSY, "EBUSY"},
      {kEEXIST, "EEXIST"}, {kEXDEV, "EXDEV"}, {kENODEV, "ENODEV"}, {kENOTDIR, "ENOTDIR"},
      {kEISDIR, "EISDIR"}, {kEINVAL, "EINVAL"}, {kENFILE, "ENFILE"}, {kEMFILE, "EMFILE"},
      {kENOTTY, "ENOTTY"}, {kEFBIG, "EFBIG"}, {kENOSPC, "ENOSPC"}, {kESPIPE, "ESPIPE"}, {kEROFS, "EROFS"},
      {kEMLINK, "EMLINK"}, {kEPIPE, "EPIPE"}, {kEDOM, "EDOM"}, {kERANGE, "ERANGE"},
      {kEDEADLK, "EDEADLK"}, {kENAMETOOLONG, "ENAMETOOLONG"}, {kENOSYS, "ENOSYS"},
      {kENOTEMPTY, "ENOTEMPTY"}, {kELOOP, "ELOOP"}, {kENOMSG, "ENOMSG"}, {kENODATA, "ENODATA"},
      {kETIME, "ETIME"}, {kEOVERFLOW, "EOVERFLOW"}, {kEBADMSG, "EBADMSG"}, {kEILSEQ, "EILSEQ"},
      {kENOTSUP, "ENOTSUP"}, {kETIMEDOUT, "ETIMEDOUT"}, {kECANCELED, "ECANCELED"},
  };
  for (auto [code, name] : codes) EXPECT_STREQ(errno_name(code), name) << code;
  // Linux's values, so the host's strerror agrees on what each number means.
  EXPECT_EQ(kENOENT, ENOENT);
  EXPECT_EQ(kETIMEDOUT, ETIMEDOUT);
  EXPECT_EQ(kECANCELED, ECANCELED);
  EXPECT_STREQ(errno_name(0), "E?");
  EXPECT_STREQ(errno_name(-1), "E?");
}

// A value type that can only move, and counts its live instances.
struct MoveOnly {
  static inline int live = 0;
  std::unique_ptr<int> payload;
  explicit MoveOnly(int v) : payload(std::make_unique<int>(v)) { ++live; }
  MoveOnly(MoveOnly&& other) : payload(std::move(other.payload)) { ++live; }
  MoveOnly(const MoveOnly&) = delete;
  ~MoveOnly() { --live; }
};

Result<MoveOnly> make_move_only(bool fail) {
  if (fail) return Error::with_message(kENOMEM, "no room for %s", "payload");
  return MoveOnly(5);
}

Result<int> unwrap_move_only(bool fail) {
  MoveOnly value = TRY(make_move_only(fail));
  return *value.payload;
}

TEST(Result, MoveOnlyValues) {
  MoveOnly::live = 0;
  {
    Result<MoveOnly> result = make_move_only(false);
    ASSERT_TRUE(result.is_ok());
    MoveOnly taken = result.release_value();
    EXPECT_EQ(*taken.payload, 5);
    Result<MoveOnly> moved(std::move(result));
    EXPECT_TRUE(moved.is_ok());
  }
  EXPECT_EQ(MoveOnly::live, 0) << "a Result leaked or double-destroyed its value";
  EXPECT_EQ(unwrap_move_only(false).value(), 5);
  EXPECT_STREQ(unwrap_move_only(true).error().message(), "no room for payload");
  EXPECT_EQ(MoveOnly::live, 0);
}

TEST(ResultDeathTest, ValueOfErrorPanics) {
  EXPECT_EXIT(
      {
        Result<int> result = parse_digit('z');
        (void)result.value();
      },
      testing::ExitedWithCode(70), "KERNEL PANIC: Result: value\\(\\) called on a Result holding an error");
}

TEST(ResultDeathTest, ErrorOfValuePanics) {
  EXPECT_EXIT(
      {
        Result<int> result = parse_digit('3');
        (void)result.error();
      },
      testing::ExitedWithCode(70), "KERNEL PANIC: Result: error\\(\\) called on a Result holding a value");
}

}  // namespace
}  // namespace tessera
