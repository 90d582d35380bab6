#pragma once
// Splitting minidl's own (non-GEMM) work across threads: a small persistent pool.
//
// Work is cut into a fixed number of chunks chosen by the caller from the problem size alone, never
// from the thread count. Each chunk's result depends only on its index, and per-chunk partial sums
// are combined by the caller in chunk order, so results are bit-identical at every thread count.
//
// Each thread first runs its own contiguous share of the chunks (the caller the first share), then
// takes what is left of the others' shares, from their ends. Jobs cut alike (an elementwise pass
// over an array, a product split along the same rows, the optimizer's update of it) thus hand the
// same part of an array to the same thread, and the data stays in that core's cache instead of
// crossing to the other core at every op. A thread that is descheduled (its core busy with other
// work) holds up at most the one chunk it runs: the others take the rest of its share. An idle
// worker polls for 50 µs (the next job of a training step usually comes sooner) and then sleeps on
// a condition variable, so it never spins for long.

#include <algorithm>
#include <cstddef>
#include <type_traits>

namespace minidl {
namespace detail {

/// Threads parallel_chunks may use, the caller included (at least 1). 1 by default; set by
/// blas::set_threads and blas::apply_threads together with OpenBLAS's count. One job runs on at
/// most 256 of them (the pool keeps a share per thread).
void set_parallel_threads(int threads);

/// The current value of set_parallel_threads.
int parallel_threads();

/// True on a thread that is running a chunk of run_chunks: nested parallel calls there run
/// serially, so callers that would only split work skip the split.
bool inside_parallel_chunk();

/// Runs call(ctx, i) for every i in [0, chunks), on up to parallel_threads() threads, and returns
/// when all are done. The first exception a chunk throws is rethrown here (the other chunks still
/// run). Calls made while another thread's parallel_chunks runs, or from inside a chunk, run
/// serially on the calling thread. During a parallel run OpenBLAS is set to one thread, so GEMMs
/// inside chunks do not compete with the chunks for cores.
void run_chunks(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx);

/// Offers call(ctx, i) for every i in [0, chunks) to the pool's idle workers and returns at once:
/// work to overlap with what the caller does next (the DataLoader fills the next batch this way).
/// A worker takes one chunk at a time, and only while no run_chunks job wants it, so the caller's
/// own split work is held up by one chunk at most. Chunks run as chunks do (nested parallel calls
/// run serially). finish_background must follow before ctx dies. Returns false, and starts
/// nothing, when one thread is set, on a thread inside a chunk, while another background job is
/// open, or while another thread's run_chunks job holds the pool: the caller then does the work
/// itself.
bool start_background(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx);

/// Completes the open background job: runs the chunks no worker took on the calling thread, waits
/// for the ones a worker is running, and rethrows the first exception a chunk threw. The job is
/// closed either way. Only what started the job (and got true) calls this, from whichever thread
/// uses it by then.
void finish_background();

/// parallel_chunks(n, fn): fn(i) for every chunk i in [0, n) (see run_chunks). fn is called by
/// reference, never copied or stored, so this allocates nothing.
template <typename F>
void parallel_chunks(std::size_t chunks, F&& fn) {
  using Fn = std::remove_reference_t<F>;
  run_chunks(chunks, [](void* ctx, std::size_t i) { (*static_cast<Fn*>(ctx))(i); },
             const_cast<void*>(static_cast<const void*>(&fn)));
}

/// [begin, end) of chunk i when n items are cut into `chunks` near-equal chunks.
inline std::size_t chunk_begin(std::size_t n, std::size_t chunks, std::size_t i) { return n * i / chunks; }

/// The fewest elements worth splitting a memory-bound elementwise pass (a copy, ReLU and its
/// gradient) over threads for: below it, waking a worker costs about what the second core saves.
constexpr std::size_t kMinParallelElements = std::size_t(1) << 16;

/// Elementwise work on [0, n): fn(begin, end) over at most 8 chunks of at least `min_chunk`
/// elements (so small arrays stay on the calling thread), with boundaries at multiples of 64
/// elements so every chunk vectorises as the whole loop would. Each element's result must depend on
/// that element alone; it is then bit-identical at every thread count.
template <typename F>
void parallel_range(std::size_t n, std::size_t min_chunk, F&& fn) {
  constexpr std::size_t kMaxChunks = 8, kAlign = 64;
  const std::size_t chunks = std::max<std::size_t>(1, std::min(kMaxChunks, n / std::max<std::size_t>(min_chunk, 1)));
  if (chunks == 1) {
    fn(std::size_t(0), n);
    return;
  }
  auto bound = [&](std::size_t i) { return i == chunks ? n : chunk_begin(n, chunks, i) / kAlign * kAlign; };
  parallel_chunks(chunks, [&](std::size_t i) { fn(bound(i), bound(i + 1)); });
}

}  // namespace detail
}  // namespace minidl
