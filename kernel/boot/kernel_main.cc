// Boot: command line, log, memory, threads, then the application. Each step either
// succeeds or ends the boot with a message naming what was wrong and a distinct status.
#include <stdarg.h>

#include <tessera/boot_info.hh>
#include <tessera/exit_status.hh>
#include <tessera/format.hh>
#include <tessera/platform.hh>
#include <tessera/vfs.hh>

#include "apps/builtin_app.hh"
#include "dev/device_lines.hh"
#include "dev/device_list.hh"
#include "fs/vfs/boot_mounts.hh"
#include "fs/vfs/poller.hh"
#include "fs/boot_image.hh"
#include "boot/boot_chart.hh"
#include "boot/boot_config.hh"
#include "boot/command_line.hh"
#include "boot/kernel_options.hh"
#include "debug/debugger_interface.hh"
#include "log/log.hh"
#include "mm/heap.hh"
#include "mm/page_allocator.hh"
#include "module/builtin_modules.hh"
#include "module/module_index.hh"
#include "module/module_loader.hh"
#include "net/net_config.hh"
#include "net/net_startup.hh"
#include "sched/deferred_work.hh"
#include "sched/scheduler.hh"
#include "sched/thread.hh"

namespace tessera {
namespace {

constexpr const char* kVersion = "0.1.0";
// Below this the kernel cannot hold its page bitmap, heap and a couple of thread stacks.
constexpr size_t kMinimumMemory = 1024 * 1024;

[[noreturn]] void refuse_boot(int status, const char* format, ...) __attribute__((format(printf, 2, 3)));
[[noreturn]] void refuse_boot(int status, const char* format, ...) {
  char message[256];
  va_list args;
  va_start(args, format);
  vformat(message, sizeof message, format, args);
  va_end(args);
  print("kernel: %s\n", message);
  if (status == exit_status::kUsage) print("kernel: the kernel option 'help' lists the options\n");
  platform::exit(status);
}

void set_up_memory(const BootInfo& boot) {
  page_allocator().reset();
  size_t total = 0;
  for (size_t i = 0; i < boot.memory_region_count && i < BootInfo::kMaxMemoryRegions; ++i) {
    const MemoryRegion& region = boot.memory[i];
    total += region.size;
    auto added = page_allocator().add_region(region);
    if (added.is_error()) log::warn("memory: region %zu ignored: %s", i, added.error().message());
  }
  if (total < kMinimumMemory)
    refuse_boot(exit_status::kOsError, "not enough memory: %zu KiB given, the kernel needs at least %zu KiB",
                total / 1024, kMinimumMemory / 1024);
  heap().reset(page_allocator());
  auto stats = page_allocator().stats();
  log::info("memory: %zu KiB RAM in %zu region(s), %zu KiB free", total / 1024, boot.memory_region_count,
            stats.free_pages * platform::kPageSize / 1024);
}

constinit bool g_shutdown_requested = false;

[[noreturn]] void exit_interrupted() {
  log::info("memory: %zu bytes in use at shutdown", heap().stats().bytes_in_use);
  platform::exit(exit_status::kInterrupted);
}

[[noreturn]] void shut_down(void*) {
  NetStartup::log_statistics();
  BuiltinModules::stop_all();
  exit_interrupted();
}

// In scheduler context, where nothing may block: the orderly part (a network stack's
// statistics take its lock) runs on a thread of its own. A second request, or no memory
// for that thread, ends the boot at once.
void on_shutdown_request(platform::EventMask, void*) {
  log::warn("shutdown requested by the host");
  if (!g_shutdown_requested) {
    g_shutdown_requested = true;
    if (Thread::try_create("shutdown", [](void* argument) { shut_down(argument); }, nullptr).is_ok()) return;
  }
  exit_interrupted();
}

// modules=a,b: loaded in order, each with its dependencies; any refusal ends the boot.
void load_boot_modules(ktl::StringView names) {
  while (!names.empty()) {
    size_t comma = names.find(',');
    ktl::StringView name = names.substr(0, comma);
    names = comma == ktl::StringView::npos ? ktl::StringView() : names.substr(comma + 1);
    if (auto loaded = load_module(name); loaded.is_error())
      refuse_boot(exit_status::kDataError, "cannot load module '%.*s': %s", int(name.length()), name.data(),
                  loaded.error().message());
  }
}

int run_application(const BootInfo& boot, const CommandLine& command_line, const KernelOptions& options) {
  if (boot.host_app) return boot.host_app(boot.host_app_context);

  // argv[0] is the app's name, then the arguments after "--"; argv[argc] is null.
  char name[64 + 1];
  format(name, sizeof name, "%.*s", int(options.app.length()), options.app.data());
  char* argv[CommandLine::kMaxArguments + 2] = {};
  int argc = 0;
  argv[argc++] = name;
  for (const char* argument : command_line.arguments()) argv[argc++] = const_cast<char*>(argument);

  // An application on the boot image wins over a built-in app of the same name.
  char path[16 + 64 + 4];
  format(path, sizeof path, "/apps/%s.so", name);
  bool on_image = vfs::stat(path).is_ok();
  const BuiltinApp* builtin = on_image ? nullptr : find_builtin_app(options.app);
  if (!on_image && !builtin)
    refuse_boot(exit_status::kUsage, "no application named '%s': no %s on the boot image and no built-in app of "
                "that name", name, path);

  if (on_image) log::info("starting application '%s' from %s", name, path);
  else log::info("starting application '%s'", name);
  boot_chart::record("app main");
  if (options.bootchart) boot_chart::print();
  if (!on_image) return builtin->main(AppContext{argc, argv, options});
  auto status = tessera::run_application(path, argc, argv);
  if (status.is_error()) refuse_boot(exit_status::kDataError, "cannot run %s: %s", path, status.error().message());
  return status.value();
}

}  // namespace

[[noreturn]] void kernel_main(const BootInfo& boot) {
  uint64_t entry = platform::monotonic_ns();
  Scheduler::forget_previous_boot();
  // Before the scheduler starts: new threads' TLS blocks are filled from module state.
  reset_modules();
  // The previous boot's devices, handlers and sockets went with its heap.
  g_shutdown_requested = false;
  DeviceLines::reset();
  Poller::reset();
  NetStartup::reset();
  DeferredWork::reset();
  set_current_kernel_options(nullptr);
  log::reset(entry);
  boot_chart::reset(entry);

  auto parsed = CommandLine::parse(boot.command_line);
  if (parsed.is_error()) refuse_boot(exit_status::kUsage, "%s", parsed.error().message());
  const CommandLine& command_line = parsed.value();
  // Checked before anything else so a typo is reported at once; the boot image's
  // configuration file is applied under these options once the image is mounted.
  auto early_options = KernelOptions::from(command_line);
  if (early_options.is_error()) refuse_boot(exit_status::kUsage, "%s", early_options.error().message());
  if (early_options.value().show_help) {
    print_kernel_option_help();
    platform::exit(exit_status::kOk);
  }
  log::set_console_level(early_options.value().log_level);
  log::info("Tessera %s booting on the %s platform", kVersion, boot.platform_name);
  log::debug("command line: %s", boot.command_line);

  set_up_memory(boot);
  boot_chart::record("memory");

  auto scheduler = Scheduler::init(boot.tls, {boot.boot_stack_bottom, boot.boot_stack_bottom + boot.boot_stack_size});
  if (scheduler.is_error()) refuse_boot(exit_status::kOsError, "cannot start threads: %s", scheduler.error().message());
  Scheduler::set_event_handler(platform::event::kShutdownRequest, on_shutdown_request, nullptr);
  debugger::reset();
  boot_chart::record("threads");
  DeviceList::scan();

  ktl::Bytes image(reinterpret_cast<const uint8_t*>(boot.boot_image.start), boot.boot_image.size);
  if (auto mounted = mount_boot_image(image); mounted.is_error())
    refuse_boot(exit_status::kDataError, "cannot mount the boot image: %s", mounted.error().message());
  if (image.empty()) log::info("no boot image: / is empty");
  if (auto index = ModuleIndex::load(); index.is_error())
    refuse_boot(exit_status::kDataError, "cannot read the module index: %s", index.error().message());
  boot_chart::record("rofs mounted");
  // After the index (to say which image modules they replace), before anything loads.
  if (auto builtins = BuiltinModules::register_all(); builtins.is_error())
    refuse_boot(exit_status::kSoftware, "%s", builtins.error().message());

  auto options_result = load_kernel_options(command_line, !image.empty());
  if (options_result.is_error()) refuse_boot(exit_status::kDataError, "%s", options_result.error().message());
  const KernelOptions& options = options_result.value();
  log::set_console_level(options.log_level);
  set_current_kernel_options(&options);
  load_boot_modules(options.modules);
  boot_chart::record("modules loaded");
  // mount=: a type no loaded module registered loads its provider here (fs:TYPE). A
  // missing provider or mount point is the image's fault.
  if (auto mounted = BootMounts::mount_all(options.mounts); mounted.is_error())
    refuse_boot(mounted.error().code() == kENOMEM ? exit_status::kOsError : exit_status::kDataError, "mount: %s",
                mounted.error().message());

  // Validated with the options; parsed again here for the values.
  auto network = NetConfig::parse(options.net_ip);
  if (network.is_error()) refuse_boot(exit_status::kUsage, "%s", network.error().message());
  // A module missing from the image is the image's fault; a stack or DHCP client that
  // fails to start (no lease) is the environment's.
  if (auto up = NetStartup::bring_up(network.value(), options.modules_on_demand); up.is_error())
    refuse_boot(up.error().code() == kENOENT ? exit_status::kDataError : exit_status::kOsError, "%s",
                up.error().message());
  if (network.value().mode != NetConfig::Mode::kNone) boot_chart::record("network");
  // For comparison with on-demand loading: the rest of the index now, after the network
  // bring-up has loaded drivers, stack and DHCP in their order.
  if (!options.modules_on_demand) {
    if (auto loaded = load_every_indexed_module(); loaded.is_error())
      refuse_boot(exit_status::kDataError, "modules.on_demand=0: %s", loaded.error().message());
    boot_chart::record("every indexed module loaded");
  }

  int status = run_application(boot, command_line, options);
  log::info("application exited with status %d", status);
  NetStartup::log_statistics();
  BuiltinModules::stop_all();
  platform::exit(status);
}

}  // namespace tessera
