#pragma once
// printf arguments for a StringView that may not be NUL-terminated: "%.*s" takes
// them. Names are cut to 48 characters, as the validator's messages cut file names, so
// that messages fit Error::kMessageCapacity.
#include <tessera/ktl/string_view.hh>

#define TESSERA_NAME_ARG(view) \
  static_cast<int>((view).length() < 48 ? (view).length() : 48), (view).data()
