#include "boot/command_line.hh"

#include <tessera/panic.hh>

namespace tessera {
namespace {

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Refused so that an option never hides a NUL (values are used as C strings) and error
// messages quoting a word cannot emit terminal escapes.
constexpr bool is_control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && !is_space(c)) || byte == 0x7f;
}

constexpr bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

constexpr bool is_key_character(char c) {
  return is_lower(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

CommandLine::Excerpt CommandLine::excerpt(ktl::StringView text) {
  bool cut = text.length() > kExcerptLength;
  return {static_cast<int>(cut ? kExcerptLength : text.length()), text.data(), cut ? "..." : ""};
}

// One pass over the text, writing unquoted words into the line's buffer.
class CommandLine::Parser {
 public:
  Parser(ktl::StringView text, CommandLine& line) : text_(text), line_(line) {}

  Result<void> run() {
    for (;;) {
      while (position_ < text_.length() && is_space(text_[position_])) ++position_;
      if (position_ == text_.length()) return {};
      Word word = TRY(read_word());
      // A quoted "--" is an ordinary word: that is how an option could be named "--".
      if (!in_arguments_ && !word.quoted && word.unquoted(line_) == "--") {
        line_.buffer_used_ = word.start;
        in_arguments_ = true;
        continue;
      }
      if (in_arguments_) TRY(add_argument(word));
      else TRY(add_option(word));
    }
  }

 private:
  struct Word {
    ktl::StringView raw;  // as written, for error messages
    size_t column = 0;    // 1-based
    size_t start = 0;     // of the unquoted text in the buffer
    size_t length = 0;
    bool quoted = false;
    ktl::StringView unquoted(const CommandLine& line) const { return {line.buffer_ + start, length}; }
  };

  Result<Word> read_word() {
    Word word;
    size_t begin = position_;
    word.column = begin + 1;
    word.start = line_.buffer_used_;
    while (position_ < text_.length() && !is_space(text_[position_])) {
      if (text_[position_] == '"') {
        word.quoted = true;
        TRY(read_quoted());
        continue;
      }
      TRY(check_not_control());
      append(text_[position_++]);
    }
    word.length = line_.buffer_used_ - word.start;
    word.raw = text_.substr(begin, position_ - begin);
    append('\0');
    return word;
  }

  // From the opening quote to just past the closing one.
  Result<void> read_quoted() {
    size_t opening = position_++;
    for (;;) {
      if (position_ == text_.length())
        return Error::with_message(kEINVAL, "unterminated quote starting at column %zu", opening + 1);
      char c = text_[position_];
      if (c == '"') {
        ++position_;
        return {};
      }
      if (c == '\\' && position_ + 1 < text_.length() &&
          (text_[position_ + 1] == '"' || text_[position_ + 1] == '\\')) {
        append(text_[position_ + 1]);
        position_ += 2;
        continue;
      }
      TRY(check_not_control());
      append(c);
      ++position_;
    }
  }

  Result<void> check_not_control() const {
    char c = text_[position_];
    if (!is_control(c)) return {};
    return Error::with_message(kEINVAL, "control character 0x%02x at column %zu; the command line is text",
                               static_cast<unsigned char>(c), position_ + 1);
  }

  Result<void> add_option(const Word& word) {
    ktl::StringView text = word.unquoted(line_);
    size_t equals = text.find('=');
    ktl::StringView key = text.substr(0, equals);
    auto shown = excerpt(word.raw);
    if (key.empty())
      return Error::with_message(kEINVAL, "empty key in '%.*s%s' at column %zu", shown.length, shown.data,
                                 shown.ellipsis, word.column);
    if (key.length() > kMaxKeyLength)
      return Error::with_message(kE2BIG, "kernel option '%.*s%s' at column %zu: keys are at most %zu characters",
                                 shown.length, shown.data, shown.ellipsis, word.column, kMaxKeyLength);
    for (char c : key) {
      if (!is_key_character(c))
        return Error::with_message(kEINVAL,
                                   "kernel option '%.*s%s' at column %zu: keys use lowercase letters, digits, "
                                   "'.', '_' and '-'",
                                   shown.length, shown.data, shown.ellipsis, word.column);
    }
    if (!is_lower(key[0]))
      return Error::with_message(kEINVAL, "kernel option '%.*s%s' at column %zu: keys start with a lowercase letter%s",
                                 shown.length, shown.data, shown.ellipsis, word.column,
                                 key[0] == '-' ? "; application arguments go after a lone '--'" : "");
    bool has_value = equals != ktl::StringView::npos;
    ktl::StringView value = has_value ? text.substr(equals + 1) : text.substr(text.length());
    if (value.length() > kMaxValueLength)
      return Error::with_message(kE2BIG, "kernel option '%.*s' at column %zu: values are at most %zu characters",
                                 static_cast<int>(key.length()), key.data(), word.column, kMaxValueLength);
    if (line_.find(key))
      return Error::with_message(kEINVAL, "kernel option '%.*s' given twice (again at column %zu)",
                                 static_cast<int>(key.length()), key.data(), word.column);
    if (line_.option_count_ == kMaxOptions)
      return Error::with_message(kE2BIG, "more than %zu kernel options ('%.*s%s' at column %zu is one too many)",
                                 kMaxOptions, shown.length, shown.data, shown.ellipsis, word.column);
    // The '=' becomes the key's terminator; read_word already terminated the value.
    if (has_value) line_.buffer_[word.start + equals] = '\0';
    line_.options_[line_.option_count_++] = {key, value, has_value};
    return {};
  }

  Result<void> add_argument(const Word& word) {
    if (line_.argument_count_ == kMaxArguments) {
      auto shown = excerpt(word.raw);
      return Error::with_message(kE2BIG,
                                 "more than %zu application arguments ('%.*s%s' at column %zu is one too many)",
                                 kMaxArguments, shown.length, shown.data, shown.ellipsis, word.column);
    }
    line_.arguments_[line_.argument_count_++] = line_.buffer_ + word.start;
    line_.arguments_[line_.argument_count_] = nullptr;
    return {};
  }

  void append(char c) {
    // The buffer is sized so that no text within kMaxLength can fill it.
    TESSERA_ASSERT(line_.buffer_used_ < sizeof(line_.buffer_));
    line_.buffer_[line_.buffer_used_++] = c;
  }

  ktl::StringView text_;
  CommandLine& line_;
  size_t position_ = 0;
  bool in_arguments_ = false;
};

Result<CommandLine> CommandLine::parse(ktl::StringView text) {
  if (text.length() > kMaxLength)
    return Error::with_message(kE2BIG, "command line is %zu bytes long; the limit is %zu", text.length(), kMaxLength);
  CommandLine line;
  TRY(Parser(text, line).run());
  return line;
}

CommandLine::CommandLine(const CommandLine& other) { copy_from(other); }

CommandLine& CommandLine::operator=(const CommandLine& other) {
  if (this != &other) copy_from(other);
  return *this;
}

void CommandLine::copy_from(const CommandLine& other) {
  __builtin_memcpy(buffer_, other.buffer_, other.buffer_used_);
  buffer_used_ = other.buffer_used_;
  auto rebase = [&](ktl::StringView view) {
    return ktl::StringView(buffer_ + (view.data() - other.buffer_), view.length());
  };
  option_count_ = other.option_count_;
  for (size_t i = 0; i < option_count_; ++i) {
    const Option& option = other.options_[i];
    options_[i] = {rebase(option.key), rebase(option.value), option.has_value};
  }
  argument_count_ = other.argument_count_;
  for (size_t i = 0; i < argument_count_; ++i) arguments_[i] = buffer_ + (other.arguments_[i] - other.buffer_);
  arguments_[argument_count_] = nullptr;
}

const CommandLine::Option* CommandLine::find(ktl::StringView key) const {
  for (size_t i = 0; i < option_count_; ++i)
    if (options_[i].key == key) return &options_[i];
  return nullptr;
}

}  // namespace tessera
