#include "scenario/scenario_file.hh"

#include <fstream>
#include <regex>

namespace tessera::scenario {
namespace {

std::string trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t\r");
  return text.substr(begin, end - begin + 1);
}

bool valid_regex(const std::string& regex, std::string& error) {
  try {
    std::regex compiled(regex);
    return true;
  } catch (const std::regex_error& e) {
    error = std::string("invalid regex: ") + e.what();
    return false;
  }
}

}  // namespace

bool split_words(const std::string& text, std::vector<std::string>& words, std::string& error) {
  words.clear();
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
      else word.push_back(c);
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (quote) {
    error = "unterminated quote";
    return false;
  }
  if (in_word) words.push_back(word);
  return true;
}

bool parse_scenario_file(const std::string& path, std::vector<Scenario>& out, std::string& error) {
  std::ifstream file(path);
  if (!file) {
    error = path + ": cannot open";
    return false;
  }
  std::string line;
  int number = 0;
  std::vector<Pattern> global_platform_specific;
  auto fail = [&](const std::string& why) {
    error = path + ":" + std::to_string(number) + ": " + why;
    return false;
  };
  while (std::getline(file, line)) {
    ++number;
    std::string text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.rfind("scenario ", 0) == 0) {
      Scenario scenario;
      scenario.name = trim(text.substr(9));
      scenario.line_number = number;
      if (scenario.name.empty() || scenario.name.find_first_of(" \t") != std::string::npos)
        return fail("a scenario name is one word");
      for (const auto& existing : out)
        if (existing.name == scenario.name) return fail("scenario '" + scenario.name + "' defined twice");
      out.push_back(std::move(scenario));
      continue;
    }
    size_t colon = text.find(':');
    if (colon == std::string::npos) return fail("expected 'key: value', got '" + text + "'");
    std::string key = trim(text.substr(0, colon));
    std::string value = trim(text.substr(colon + 1));
    std::string why;
    if (key == "platform-specific") {
      if (!valid_regex(value, why)) return fail(why);
      (out.empty() ? global_platform_specific : out.back().platform_specific).push_back({value, number});
      continue;
    }
    if (out.empty()) return fail("'" + text + "' before any 'scenario NAME' line");
    Scenario& current = out.back();
    if (key == "run") {
      if (!split_words(value, current.run_arguments, why)) return fail(why);
    } else if (key == "status") {
      try {
        size_t used = 0;
        current.status = std::stoi(value, &used);
        if (used != value.size() || current.status < 0 || current.status > 255) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        return fail("status must be a number from 0 to 255, got '" + value + "'");
      }
    } else if (key == "timeout") {
      try {
        current.timeout_seconds = std::stoi(value);
        if (current.timeout_seconds <= 0) throw std::invalid_argument(value);
      } catch (const std::exception&) {
        return fail("timeout must be a positive number of seconds, got '" + value + "'");
      }
    } else if (key == "expect" || key == "reject" || key == "interrupt-when") {
      if (!valid_regex(value, why)) return fail(why);
      Pattern pattern{value, number};
      if (key == "expect") current.expect.push_back(pattern);
      else if (key == "reject") current.reject.push_back(pattern);
      else current.interrupt_when = pattern;
    } else if (key == "platforms") {
      std::vector<std::string> names;
      if (!split_words(value, names, why)) return fail(why);
      for (const auto& name : names)
        if (name != "hosted" && name != "vm") return fail("unknown platform '" + name + "' (hosted, vm)");
      if (names.empty()) return fail("platforms: needs at least one of hosted, vm");
      current.platforms = names;
    } else {
      return fail("unknown key '" + key + "' (run, status, expect, reject, interrupt-when, timeout, platforms, platform-specific)");
    }
  }
  for (auto& scenario : out)
    scenario.platform_specific.insert(scenario.platform_specific.begin(), global_platform_specific.begin(),
                                      global_platform_specific.end());
  return true;
}

}  // namespace tessera::scenario
