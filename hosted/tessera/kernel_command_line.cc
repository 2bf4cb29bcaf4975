#include "tessera/kernel_command_line.hh"

namespace tessera::cli {

std::string join_kernel_command_line(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line.push_back(' ');
    bool needs_quotes = word.empty() || word.find_first_of(" \t\n\"\\") != std::string::npos;
    if (!needs_quotes) {
      line += word;
      continue;
    }
    line.push_back('"');
    for (char c : word) {
      if (c == '"' || c == '\\') line.push_back('\\');
      line.push_back(c);
    }
    line.push_back('"');
  }
  return line;
}

}  // namespace tessera::cli
