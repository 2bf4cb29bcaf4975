#pragma once
// Keeps a description alive for the length of one call, even if the call (or another
// thread, while the call blocks) closes its descriptor.
#include "fs/vfs/file_description.hh"

namespace tessera {

class HeldDescription {
 public:
  explicit HeldDescription(FileDescription* description) : description_(description) {
    description_->add_reference();
  }
  ~HeldDescription() { description_->release(); }
  HeldDescription(const HeldDescription&) = delete;
  HeldDescription& operator=(const HeldDescription&) = delete;
  FileDescription* operator->() const { return description_; }
  FileDescription* get() const { return description_; }

 private:
  FileDescription* description_;
};

}  // namespace tessera
