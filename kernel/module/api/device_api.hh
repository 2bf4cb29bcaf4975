#pragma once
// The device, network-device, kernel-option and module-loading calls of
// tessera/device_api.h, as C++ functions kernel_exports.cc publishes under their C names.
// 0 or a count on success, a negative errno on failure; errno untouched.
#include <stddef.h>
#include <stdint.h>
#include <tessera/device_api.h>

namespace tessera::api {

int device_at(size_t index, tessera_device* out);
uint32_t pci_config_read(uint32_t address);
void pci_config_write(uint32_t address, uint32_t value);
int map_device_memory(uint64_t physical, size_t length, volatile void** out);
int dma_alloc(size_t size, void** out, uint64_t* device_address);
void dma_free(void* memory, size_t size);
int dma_address(const void* memory, uint64_t* device_address);
int msi_allocate(uint32_t* line, uint64_t* address, uint32_t* data);
int device_line_attach(uint32_t line, void (*handler)(void* context), void* context);
void device_line_detach(uint32_t line);
int host_net_info(uint32_t port, uint8_t mac[6], uint16_t* mtu);
int host_net_send(uint32_t port, const void* frame, size_t length);
int64_t host_net_receive(uint32_t port, void* buffer, size_t capacity);

int netdev_register(const tessera_netdev_ops* ops, void* driver, const tessera_netdev_info* info, tessera_netdev** out);
int netdev_unregister(tessera_netdev* device);
void netdev_receive(tessera_netdev* device, const void* frame, size_t length);
void netdev_set_link(tessera_netdev* device, int up);
int netdev_count();
tessera_netdev* netdev_at(int index);
int netdev_query(tessera_netdev* device, char name[16], tessera_netdev_info* info, int* link_up);
int netdev_statistics(tessera_netdev* device, tessera_netdev_stats* out);
int netdev_attach(tessera_netdev* device, void (*receive)(void* consumer, const void* frame, size_t length),
                  void* consumer);
int netdev_transmit(tessera_netdev* device, const void* frame, size_t length);

int kernel_option(const char* name, char* buffer, size_t capacity);
int module_load(const char* name);

}  // namespace tessera::api
