#pragma once
// Decides where everything goes: inode numbers (breadth first, so every directory's
// children are numbered consecutively and above it), the entry table, the string table and
// each file's data offset. Pure computation over a SourceTree; writing is ImageWriter's job.
#include <stdint.h>

#include <string>
#include <vector>

#include <tessera/rofs/format.hh>

#include "image/build_options.hh"
#include "image/expected.hh"
#include "image/source_tree.hh"

namespace tessera::image {

struct ImageLayout {
  rofs::Superblock superblock{};  // metadata_crc32c still 0; the writer fills it
  std::vector<rofs::Inode> inodes;            // data_crc32c still 0 for files
  std::vector<const SourceNode*> sources;     // the node of each inode
  std::vector<rofs::DirectoryEntry> entries;
  std::string strings;

  uint64_t metadata_size() const { return superblock.metadata_size; }
  uint64_t image_size() const { return superblock.image_size; }
};

Expected<ImageLayout> lay_out(const SourceTree& tree, const BuildOptions& options);

}  // namespace tessera::image
