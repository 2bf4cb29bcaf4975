#pragma once
// The boot command line, split into kernel options and application arguments.
//
//   loglevel=debug app=demo "msg=hello world" key="a b" -- first "second arg" --
//
// Words are separated by whitespace. Before a lone, unquoted `--` every word is a kernel
// option `key` or `key=value`; after it every word (another `--` included) is an
// application argument, argv[1..]. Double quotes group characters into a word and may
// appear anywhere in it; inside them `\"` and `\\` are escapes and any other backslash
// is literal. A word is unquoted first and then split at its first '='.
//
// This is syntax only: which keys exist and what their values mean is KernelOptions'
// business. The parser allocates nothing, so it runs before memory management is up.
#include <stddef.h>
#include <stdint.h>
#include <tessera/ktl/span.hh>
#include <tessera/ktl/string_view.hh>
#include <tessera/result.hh>

namespace tessera {

class CommandLine {
 public:
  static constexpr size_t kMaxLength = 4096;  // bytes of text, before unquoting
  static constexpr size_t kMaxOptions = 64;
  static constexpr size_t kMaxArguments = 64;
  static constexpr size_t kMaxKeyLength = 64;
  static constexpr size_t kMaxValueLength = 1024;

  // `key` and `value` are NUL-terminated. A bare `key` has no value: has_value is false
  // and value is empty; `key=` has an empty value.
  struct Option {
    ktl::StringView key;
    ktl::StringView value;
    bool has_value = false;
  };

  // Errors name the offending word and its 1-based column: EINVAL for bad syntax,
  // E2BIG for a limit exceeded.
  static Result<CommandLine> parse(ktl::StringView text);

  // Empty: no options, no arguments.
  constexpr CommandLine() = default;
  // Copies (and moves, which are copies: the storage is inline) rebase every view onto
  // the new object's buffer. Views taken from an object die with it, like a string's.
  CommandLine(const CommandLine& other);
  CommandLine& operator=(const CommandLine& other);

  // In command-line order.
  ktl::Span<const Option> options() const { return {options_, option_count_}; }
  // Application arguments, each a NUL-terminated C string; the array is also followed
  // by a nullptr, as argv is.
  ktl::Span<const char* const> arguments() const { return {arguments_, argument_count_}; }
  // nullptr when `key` was not given.
  const Option* find(ktl::StringView key) const;

  // For error messages: shows at most kExcerptLength characters of a possibly huge word.
  // Use as printf("%.*s%s", e.length, e.data, e.ellipsis).
  static constexpr size_t kExcerptLength = 40;
  struct Excerpt {
    int length;
    const char* data;
    const char* ellipsis;
  };
  static Excerpt excerpt(ktl::StringView text);

 private:
  class Parser;
  friend class Parser;

  void copy_from(const CommandLine& other);

  // Unquoted words, each NUL-terminated; a word never grows by more than its
  // terminator and words are separated by at least one byte, hence the + 1.
  char buffer_[kMaxLength + 1] = {};
  size_t buffer_used_ = 0;
  Option options_[kMaxOptions] = {};
  size_t option_count_ = 0;
  const char* arguments_[kMaxArguments + 1] = {};
  size_t argument_count_ = 0;
};

}  // namespace tessera
