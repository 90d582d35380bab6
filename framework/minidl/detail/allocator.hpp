#pragma once
// Allocator tuning for training loops.
//
// Every training step frees and re-allocates the same large tensors (activations, gradients). glibc
// serves blocks above its mmap threshold (128 KiB by default, adapting upwards) with fresh mmaps and
// returns them to the system on free, so every step page-faults them in again: measured here at up
// to 10x an epoch's compute for SimpleConvNet. Keeping such blocks in the heap makes them reusable.

#include <cstddef>

namespace minidl {

/// Keeps allocations below `mmap_threshold` bytes in glibc's heap and stops it from trimming freed
/// memory back to the system below twice that, so a training step reuses the previous step's
/// buffers instead of faulting in new pages. Process-wide; call once at start-up (the train
/// programs do). Returns false where the C library does not support the setting.
bool keep_large_buffers_in_heap(std::size_t mmap_threshold = std::size_t(256) << 20);

}  // namespace minidl
