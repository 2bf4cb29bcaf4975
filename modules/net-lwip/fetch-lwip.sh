#!/bin/sh
# Fetches lwIP 2.1.3 from Debian's source package lwip=2.1.3+dfsg1-2 into DEST and
# unpacks the upstream (orig) tarball to DEST/lwip-2.1.3, without touching the machine's
# apt configuration: a private copy of the machine's sources turned into deb-src, with
# its own lists and cache, in DEST/apt. apt verifies the signed .dsc against Debian's
# keyring; we then check the tarball against the checksum the .dsc carries and pinned
# below, and the unpacked tree for the version and the files we build.
#
#   fetch-lwip.sh DEST
#
# Called by cmake/FetchLwip.cmake at configure time. Prints one line per failure saying
# what failed and how to fix it, and exits non-zero.
set -u

package=lwip
version=2.1.3+dfsg1-2
orig=lwip_2.1.3+dfsg1.orig.tar.xz
orig_sha256=0a8276d09fc4e97bbba2f953d74af2388fc2195ea156be9d7589e297a68fde24
tree=lwip-2.1.3
workaround="or unpack lwIP 2.1.3 yourself and configure with -DTESSERA_LWIP_SOURCE_DIR=/path/to/lwip-2.1.3"

fail() {
  echo "fetch-lwip: $*" >&2
  exit 1
}

[ $# -eq 1 ] || fail "usage: fetch-lwip.sh DEST"
dest=$1
private=$dest/apt
download=$dest/download

command -v apt-get >/dev/null 2>&1 ||
  fail "apt-get not found: fetching needs Debian's apt (Debian 12 or a derivative); $workaround"
command -v xz >/dev/null 2>&1 || fail "xz not found: install xz-utils (apt-get install xz-utils); $workaround"

mkdir -p "$private/parts" "$private/lists/partial" "$private/cache/archives/partial" "$download" ||
  fail "cannot create $private (is the build folder writable?)"
rm -f "$private/parts/"* "$private/sources.list"
: >"$private/sources.list"

# The machine's sources, as source (deb-src) entries: the deb822 file Debian 12 ships,
# and the one-line sources.list format where a machine still uses it.
found=no
for file in /etc/apt/sources.list.d/*.sources; do
  [ -f "$file" ] || continue
  sed -e 's/^Types:.*$/Types: deb-src/' "$file" >"$private/parts/$(basename "$file")" || fail "cannot copy $file"
  found=yes
done
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
  [ -f "$file" ] || continue
  if grep -Eq '^[[:space:]]*deb(-src)?[[:space:]]' "$file"; then
    sed -n -e 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]/deb-src /p' "$file" >>"$private/parts/from-lists.list" ||
      fail "cannot copy $file"
    found=yes
  fi
done
[ "$found" = yes ] ||
  fail "no apt sources on this machine (/etc/apt/sources.list.d/*.sources or /etc/apt/sources.list): add Debian's archive; $workaround"

# A private source list (empty), lists and cache: the machine's own indexes and
# /var/cache/apt stay as they are. Running as root, apt would hand the download to the
# _apt user, which cannot write into a build folder; downloading as ourselves is fine
# because apt checks the signature of what it fetched either way.
set -- -o "Dir::Etc::SourceParts=$private/parts" -o "Dir::State::Lists=$private/lists" \
  -o "Dir::Etc::SourceList=$private/sources.list" -o "Dir::Cache=$private/cache" \
  -o "APT::Sandbox::User=$(id -un)"

echo "fetch-lwip: apt-get update (deb-src indexes into $private/lists)"
if ! apt-get "$@" -q update >"$private/update.log" 2>&1; then
  sed -e 's/^/  /' "$private/update.log" >&2
  fail "apt-get update of the deb-src indexes failed (see above; network down or Debian's mirror unreachable?): retry when the network works; $workaround"
fi
# apt-get update exits 0 when a mirror cannot be reached; what matters is whether a
# source index arrived.
if ! ls "$private/lists/" 2>/dev/null | grep -q '_Sources'; then
  grep -E '^(W|E|Err):? ' "$private/update.log" | sed -e 's/^/  /' >&2
  fail "apt-get update fetched no deb-src index (see above: network down, proxy or Debian's mirror unreachable?): retry when the network works; $workaround"
fi

echo "fetch-lwip: apt-get source --download-only $package=$version"
rm -f "$download/"*
if ! (cd "$download" && apt-get "$@" -q source --download-only "$package=$version") >"$private/source.log" 2>&1; then
  sed -e 's/^/  /' "$private/source.log" >&2
  if grep -q "Unable to find a source package" "$private/source.log" ||
     grep -q "Can not find version" "$private/source.log"; then
    fail "Debian's deb-src indexes have no $package=$version (a different release than Debian 12 bookworm?): $workaround"
  fi
  fail "apt-get source $package=$version failed (see above): $workaround"
fi

[ -f "$download/$orig" ] || fail "apt-get source succeeded but $download/$orig is missing"
grep -q "^Version: $version\$" "$download/lwip_$version.dsc" 2>/dev/null ||
  fail "$download/lwip_$version.dsc does not say Version: $version"
actual=$(sha256sum "$download/$orig" | cut -d' ' -f1)
[ "$actual" = "$orig_sha256" ] ||
  fail "$orig has SHA-256 $actual, expected $orig_sha256 (a different upload of $version?)"
grep -q "$orig_sha256 [0-9]* $orig" "$download/lwip_$version.dsc" ||
  fail "the .dsc does not list $orig with SHA-256 $orig_sha256"

rm -rf "$dest/$tree" "$dest/unpack"
mkdir -p "$dest/unpack" || fail "cannot create $dest/unpack"
tar -xJf "$download/$orig" -C "$dest/unpack" || fail "cannot unpack $download/$orig (xz and tar needed)"
[ -d "$dest/unpack/$tree" ] || fail "$orig did not unpack to $tree/"
mv "$dest/unpack/$tree" "$dest/$tree" && rmdir "$dest/unpack" || fail "cannot move $tree into $dest"
echo "fetch-lwip: unpacked $orig to $dest/$tree"
