#pragma once
// Comma-separated name lists ("net:stack,fs:ramfs"), as the module index and module
// metadata write them: no spaces, empty when there is none.
#include <tessera/ktl/string_view.hh>

namespace tessera {

// Calls visit(name) for each name until it returns false; false when one did.
template <typename Visit> bool for_each_in_comma_list(ktl::StringView list, Visit visit) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (!visit(list.substr(0, comma))) return false;
    list = comma == ktl::StringView::npos ? ktl::StringView() : list.substr(comma + 1);
  }
  return true;
}

inline bool comma_list_contains(ktl::StringView list, ktl::StringView item) {
  return !for_each_in_comma_list(list, [&](ktl::StringView name) { return name != item; });
}

}  // namespace tessera
