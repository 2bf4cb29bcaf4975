#pragma once
// Joins host argv words into the kernel's boot command line, quoting words that the
// kernel's parser would otherwise split or misread (spaces, quotes, backslashes).
#include <string>
#include <vector>

namespace tessera::cli {

std::string join_kernel_command_line(const std::vector<std::string>& words);

}  // namespace tessera::cli
