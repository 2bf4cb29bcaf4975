// Mounts a ramfs, keeps a few notes on it, and checks every step against what it wrote:
// the files a person would see with ls and cat. Exit status 0 when every check passed,
// 1 otherwise (each failure printed), 2 for bad arguments.
#include <tessera/module_api.h>

namespace {

constexpr int kEnoent = 2;
constexpr int kEbusy = 16;

struct Note {
  const char* name;
  const char* text;
};

constexpr Note kNotes[] = {
    {"groceries.txt", "eggs, flour, milk\n"},
    {"ideas.txt", "a filesystem that loads when first mounted\n"},
    {"todo.txt", "write the notes app\nrun it on both platforms\n"},
};

struct Notes {
  const char* root;
  int failures = 0;

  void fail(const char* what, int code) {
    tessera_printf("notes: FAILED: %s: %s\n", what, tessera_errno_name(code));
    ++failures;
  }
  void path(char* out, size_t capacity, const char* name) const { snprintf(out, capacity, "%s/%s", root, name); }

  bool write_note(const Note& note) {
    char file[128];
    path(file, sizeof file, note.name);
    int fd = tessera_vfs_open(file, TESSERA_O_WRONLY | TESSERA_O_CREAT | TESSERA_O_EXCL);
    if (fd < 0) return fail(file, -fd), false;
    size_t length = strlen(note.text);
    int64_t written = tessera_vfs_write(fd, note.text, length);
    tessera_vfs_close(fd);
    if (written != int64_t(length)) return fail("short write", written < 0 ? int(-written) : 5), false;
    return true;
  }

  // The file's whole contents equal `text`.
  bool check_note(const char* name, const char* text) {
    char file[128];
    path(file, sizeof file, name);
    int fd = tessera_vfs_open(file, TESSERA_O_RDONLY);
    if (fd < 0) return fail(file, -fd), false;
    char buffer[256];
    int64_t got = tessera_vfs_read(fd, buffer, sizeof buffer);
    tessera_vfs_close(fd);
    size_t length = strlen(text);
    if (got != int64_t(length) || memcmp(buffer, text, length) != 0) {
      tessera_printf("notes: FAILED: %s reads back %lld bytes, not the %zu written\n", file, (long long)got, length);
      ++failures;
      return false;
    }
    return true;
  }

  // The directory's entries, sorted by the filesystem; fills `names` (joined by ' ').
  int list(char* names, size_t capacity) {
    int fd = tessera_vfs_open(root, TESSERA_O_RDONLY | TESSERA_O_DIRECTORY);
    if (fd < 0) return fail(root, -fd), -1;
    int count = 0;
    size_t used = 0;
    names[0] = '\0';
    tessera_dirent entry;
    int status;
    while ((status = tessera_vfs_readdir(fd, &entry)) == 1) {
      if (strcmp(entry.name, ".") == 0 || strcmp(entry.name, "..") == 0) continue;
      if (entry.type != TESSERA_DT_REG) tessera_printf("notes: FAILED: %s is not a regular file\n", entry.name), ++failures;
      used += snprintf(names + used, capacity - used, "%s%s", count ? " " : "", entry.name);
      if (used >= capacity) used = capacity - 1;
      ++count;
    }
    tessera_vfs_close(fd);
    if (status < 0) return fail("readdir", -status), -1;
    return count;
  }
};

}  // namespace

extern "C" TESSERA_MODULE_EXPORT int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && argv[1][0] != '/')) {
    tessera_printf("notes: usage: notes-app [/mount/point]\n");
    return 2;
  }
  Notes notes{argc == 2 ? argv[1] : "/mnt"};
  // By type name, as on Linux: the kernel loads the module providing fs:ramfs if no
  // ramfs is registered yet. size= caps the instance at 64 KiB.
  if (mount("none", notes.root, "ramfs", 0, "size=65536") != 0) {
    tessera_printf("notes: FAILED: mount ramfs on %s: %s\n", notes.root, tessera_errno_name(errno));
    return 1;
  }
  tessera_printf("notes: mounted a ramfs on %s\n", notes.root);
  // The same mount point twice: Linux says EBUSY too.
  if (mount("none", notes.root, "ramfs", 0, nullptr) == 0 || errno != kEbusy) notes.fail("second mount", errno);

  int written = 0;
  for (const Note& note : kNotes) written += notes.write_note(note) ? 1 : 0;
  int checked = 0;
  for (const Note& note : kNotes) checked += notes.check_note(note.name, note.text) ? 1 : 0;

  char from[128], to[128];
  notes.path(from, sizeof from, "todo.txt");
  notes.path(to, sizeof to, "done.txt");
  if (int status = tessera_vfs_rename(from, to)) notes.fail("rename todo.txt to done.txt", -status);
  struct tessera_stat stat;
  if (tessera_vfs_stat(from, &stat) != -kEnoent) notes.fail("todo.txt still there after rename", kEbusy);
  if (notes.check_note("done.txt", kNotes[2].text)) ++checked;

  char names[256];
  int listed = notes.list(names, sizeof names);
  if (listed >= 0 && strcmp(names, "done.txt groceries.txt ideas.txt") != 0) {
    tessera_printf("notes: FAILED: listing is '%s'\n", names);
    ++notes.failures;
  }
  tessera_printf("notes: %s holds %d notes: %s\n", notes.root, listed, names);

  if (umount(notes.root) != 0) notes.fail("umount", errno);
  // Unmounted: the image's empty directory again.
  if (notes.list(names, sizeof names) != 0) notes.fail("files left after umount", kEbusy);

  tessera_printf("notes: wrote %d notes, read back %d, renamed 1, listed %d, unmounted %s\n", written, checked,
                 listed, notes.root);
  if (notes.failures) {
    tessera_printf("notes: %d checks FAILED\n", notes.failures);
    return 1;
  }
  tessera_printf("notes: all checks passed\n");
  return 0;
}
