#ifndef POKEDEX_SPAWN_H
#define POKEDEX_SPAWN_H

#include <spawn.h>

/// Swift's Glibc module leaves out the GNU extensions that starting a child process safely needs;
/// these wrap them.

/// pipe2(descriptors, O_CLOEXEC): both ends are close-on-exec from the start, so no process
/// started meanwhile by another thread can inherit them.
int pokedex_pipe_cloexec(int descriptors[2]);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `lowest` on,
/// whatever other code in this process left inheritable.
int pokedex_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

#endif
