#include "image/manifest.hh"

#include <charconv>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <tessera/rofs/format.hh>

#include "image/directory_scanner.hh"

namespace tessera::image {

namespace {

// One line split into words. Words may be double-quoted ("a name with spaces"), with \"
// and \\ escapes inside quotes; an unquoted '#' at the start of a word begins a comment.
Expected<std::vector<std::string>> split_words(std::string_view line, const std::string& where) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (c == '#') break;
    std::string word;
    if (c == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char d = line[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d == '\\') {
          if (i == line.size()) break;
          char escaped = line[i++];
          if (escaped != '"' && escaped != '\\')
            return fail(where + ": unknown escape '\\" + std::string(1, escaped) + "' (only \\\" and \\\\)");
          d = escaped;
        }
        word += d;
      }
      if (!closed) return fail(where + ": unterminated quoted word");
      if (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
        return fail(where + ": a quoted word must be followed by a space");
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') word += line[i++];
    }
    words.push_back(std::move(word));
  }
  return words;
}

template <typename T> Expected<T> parse_number(std::string_view text, int base, const std::string& what,
                                               const std::string& where) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size() || text.empty())
    return fail(where + ": " + what + " '" + std::string(text) + "' is not a valid " +
                (base == 8 ? "octal " : "") + "number");
  return value;
}

// The key=value words after an entry's positional words.
Expected<void> apply_attributes(SourceNode& node, const std::vector<std::string>& words, size_t first,
                                const std::string& where) {
  for (size_t i = first; i < words.size(); ++i) {
    std::string_view word = words[i];
    size_t equals = word.find('=');
    if (equals == std::string_view::npos)
      return fail(where + ": unexpected word '" + std::string(word) + "' (attributes are mode=, uid=, gid=, mtime=)");
    std::string_view key = word.substr(0, equals), value = word.substr(equals + 1);
    if (key == "mode") {
      if (node.kind == SourceNode::Kind::kSymlink) return fail(where + ": a symlink has no mode (it is always 0777)");
      auto mode = IMAGE_TRY(parse_number<uint32_t>(value, 8, "mode", where));
      if (mode > rofs::mode::kPermissionMask)
        return fail(where + ": mode '" + std::string(value) + "' has bits outside 07777");
      node.permissions = static_cast<uint16_t>(mode);
    } else if (key == "uid") {
      node.uid = IMAGE_TRY(parse_number<uint32_t>(value, 10, "uid", where));
    } else if (key == "gid") {
      node.gid = IMAGE_TRY(parse_number<uint32_t>(value, 10, "gid", where));
    } else if (key == "mtime") {
      auto seconds = IMAGE_TRY(parse_number<int64_t>(value, 10, "mtime", where));
      int64_t nanoseconds;
      if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &nanoseconds))
        return fail(where + ": mtime '" + std::string(value) + "' is out of range");
      node.mtime_ns = nanoseconds;
    } else {
      return fail(where + ": unknown attribute '" + std::string(key) + "' (known: mode, uid, gid, mtime)");
    }
  }
  return {};
}

Expected<void> need_words(const std::vector<std::string>& words, size_t count, const char* usage,
                          const std::string& where) {
  // Positional words are taken by position, so names containing '=' still work.
  if (words.size() < count) return fail(where + ": expected '" + usage + "'");
  return {};
}

Expected<void> add_line(SourceTree& tree, const std::vector<std::string>& words, const std::string& where,
                        const std::filesystem::path& base_directory) {
  const std::string& kind = words[0];
  auto host = [&](const std::string& path) { return base_directory / std::filesystem::path(path); };
  if (kind == "dir") {
    IMAGE_CHECK(need_words(words, 2, "dir IMAGE_PATH [mode=0755] [uid=N] [gid=N] [mtime=SECONDS]", where));
    auto node = std::make_unique<SourceNode>();
    node->origin = where;
    IMAGE_CHECK(apply_attributes(*node, words, 2, where));
    IMAGE_CHECK(tree.insert(words[1], std::move(node)));
  } else if (kind == "file") {
    IMAGE_CHECK(need_words(words, 3, "file IMAGE_PATH HOST_PATH [mode=0644] [uid=N] [gid=N] [mtime=SECONDS]", where));
    auto node = IMAGE_TRY(scan_host_object(host(words[2]), true, where + ": host path '" + host(words[2]).string() + "'"));
    if (node->is_directory())
      return fail(where + ": host path '" + host(words[2]).string() + "' is a directory; use 'tree' to copy one");
    node->origin = where;
    IMAGE_CHECK(apply_attributes(*node, words, 3, where));
    IMAGE_CHECK(tree.insert(words[1], std::move(node)));
  } else if (kind == "symlink") {
    IMAGE_CHECK(need_words(words, 3, "symlink IMAGE_PATH TARGET [uid=N] [gid=N] [mtime=SECONDS]", where));
    auto node = std::make_unique<SourceNode>();
    node->kind = SourceNode::Kind::kSymlink;
    node->permissions = 0777;
    node->origin = where;
    node->target = words[2];
    if (node->target.empty()) return fail(where + ": symlink target is empty");
    if (node->target.find('\0') != std::string::npos) return fail(where + ": symlink target contains a NUL byte");
    if (node->target.size() > rofs::limit::kMaxSymlinkLength)
      return fail(where + ": symlink target is " + std::to_string(node->target.size()) +
                  " bytes, longer than the limit of " + std::to_string(rofs::limit::kMaxSymlinkLength));
    IMAGE_CHECK(apply_attributes(*node, words, 3, where));
    IMAGE_CHECK(tree.insert(words[1], std::move(node)));
  } else if (kind == "tree") {
    IMAGE_CHECK(need_words(words, 3, "tree IMAGE_PATH HOST_DIRECTORY", where));
    if (words.size() > 3) return fail(where + ": 'tree' takes no attributes (they come from the host)");
    auto result = add_host_directory(tree, host(words[2]), words[1]);
    if (!result.ok()) return fail(where + ": " + result.error());
  } else {
    return fail(where + ": unknown entry kind '" + kind + "' (known: dir, file, symlink, tree)");
  }
  return {};
}

}  // namespace

Expected<void> add_manifest_text(SourceTree& tree, std::string_view text, const std::string& name,
                                 const std::filesystem::path& base_directory) {
  size_t line_number = 0;
  size_t position = 0;
  while (position < text.size()) {
    size_t newline = text.find('\n', position);
    if (newline == std::string_view::npos) newline = text.size();
    std::string_view line = text.substr(position, newline - position);
    position = newline + 1;
    ++line_number;
    std::string where = "manifest '" + name + "' line " + std::to_string(line_number);
    if (line.find('\0') != std::string_view::npos) return fail(where + ": contains a NUL byte");
    auto words = IMAGE_TRY(split_words(line, where));
    if (words.empty()) continue;
    IMAGE_CHECK(add_line(tree, words, where, base_directory));
  }
  return {};
}

Expected<void> add_manifest_file(SourceTree& tree, const std::filesystem::path& manifest_path) {
  std::ifstream stream(manifest_path, std::ios::binary);
  if (!stream) return fail("manifest '" + manifest_path.string() + "': cannot read: " + strerror(errno));
  std::ostringstream contents;
  contents << stream.rdbuf();
  if (stream.bad()) return fail("manifest '" + manifest_path.string() + "': read error");
  auto base = manifest_path.parent_path();
  if (base.empty()) base = ".";
  return add_manifest_text(tree, contents.str(), manifest_path.string(), base);
}

}  // namespace tessera::image
