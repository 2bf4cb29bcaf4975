#pragma once
// Writes a laid-out image: streams every file's bytes from the host into the data area
// (checksumming them on the way), then the metadata with its CRC32C. Each host file is read
// once, in inode order, through one large buffer, so small files cost one read each and
// large ones never sit in memory whole.
#include "image/expected.hh"
#include "image/image_layout.hh"
#include "image/image_sink.hh"

namespace tessera::image {

// Fills in the layout's data and metadata checksums and writes everything to `sink`.
Expected<void> write_image(ImageLayout& layout, ImageSink& sink);

}  // namespace tessera::image
