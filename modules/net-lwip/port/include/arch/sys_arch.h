/* lwIP's operating-system types over Tessera threads, mutexes and condition variables
 * (sys_arch.cc has the implementation and why protection is free here). */
#ifndef TESSERA_LWIP_ARCH_SYS_ARCH_H
#define TESSERA_LWIP_ARCH_SYS_ARCH_H

#include "arch/cc.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tessera_lwip_sem;
struct tessera_lwip_mbox;

typedef struct {
  struct tessera_lwip_sem* sem;
} sys_sem_t;
typedef struct {
  tessera_mutex* mutex;
} sys_mutex_t;
typedef struct {
  struct tessera_lwip_mbox* mbox;
} sys_mbox_t;
typedef tessera_thread* sys_thread_t;
typedef int sys_prot_t;

#define sys_sem_valid(s) ((s) != NULL && (s)->sem != NULL)
#define sys_sem_set_invalid(s) ((s)->sem = NULL)
#define sys_mutex_valid(m) ((m) != NULL && (m)->mutex != NULL)
#define sys_mutex_set_invalid(m) ((m)->mutex = NULL)
#define sys_mbox_valid(m) ((m) != NULL && (m)->mbox != NULL)
#define sys_mbox_set_invalid(m) ((m)->mbox = NULL)

/* Checks that the calling thread holds the tcpip core lock (LWIP_ASSERT_CORE_LOCKED). */
void tessera_lwip_assert_core_locked(void);

#ifdef __cplusplus
}
#endif

#endif /* TESSERA_LWIP_ARCH_SYS_ARCH_H */
