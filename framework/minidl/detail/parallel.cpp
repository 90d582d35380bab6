#include "minidl/detail/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "minidl/detail/blas.hpp"

namespace minidl {
namespace detail {

namespace {

thread_local bool t_inside_chunk = false;

// The most threads a job runs on (the caller included), and the most chunks it takes: a share's
// bounds are two 32-bit halves of one atomic word.
constexpr std::size_t kMaxThreads = 256;
constexpr std::size_t kMaxChunks = 0xffffffffu;

// How long a thread polls before it sleeps: jobs within a training step come tens of microseconds
// apart, and a futex wake-up costs about as much, so a worker that just finished a job, and a
// caller waiting for the last chunk, poll this long first. Short enough that a worker idle
// between steps (or between programs' phases) sleeps almost at once.
constexpr std::chrono::microseconds kPollFor{50};

// Polls `ready` until it returns true or kPollFor has passed; returns its last answer.
template <typename F>
bool poll_briefly(F&& ready) {
  const auto until = std::chrono::steady_clock::now() + kPollFor;
  for (unsigned i = 1;; ++i) {
    if (ready()) return true;
    if (i % 32 == 0 && std::chrono::steady_clock::now() >= until) return false;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
}

// The persistent workers. One job at a time (run_mutex_); a job is published under state_mutex_
// with a new generation number, chunks are claimed with an atomic counter, and the caller polls
// atomic counts of unfinished chunks and of workers still inside the job. Besides, at most one
// background job is open; idle workers claim its chunks one at a time under state_mutex_, always
// joining a published job first.
class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  // Background work: its fields are guarded by state_mutex_; bg_open_ is a lock-free hint that
  // unclaimed chunks may be waiting, which idle workers poll.
  bool start_background(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx) {
    if (chunks == 0 || threads() <= 1 || t_inside_chunk) return false;
    {
      // workers_ belongs to the holder of run_mutex_: a job running on another thread means the
      // pool is busy anyway.
      std::unique_lock<std::mutex> busy(run_mutex_, std::try_to_lock);
      if (!busy.owns_lock()) return false;
      start_workers(1);
    }
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (bg_owned_) return false;
      bg_owned_ = true;
      bg_call_ = call;
      bg_ctx_ = ctx;
      bg_chunks_ = chunks;
      bg_next_ = 0;
      bg_running_ = 0;
      bg_error_ = nullptr;
      bg_open_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
    return true;
  }

  void finish_background() {
    void (*call)(void*, std::size_t) = nullptr;
    void* ctx = nullptr;
    std::size_t i = 0;
    while (claim_background(call, ctx, i)) run_background_chunk(call, ctx, i);
    std::exception_ptr error;
    {
      std::unique_lock<std::mutex> lock(state_mutex_);
      bg_done_.wait(lock, [&] { return bg_running_ == 0; });
      error = bg_error_;
      bg_error_ = nullptr;
      bg_owned_ = false;
      bg_open_.store(false, std::memory_order_relaxed);
    }
    if (error) std::rethrow_exception(error);
  }

  void set_threads(int threads) { threads_.store(std::max(1, threads), std::memory_order_relaxed); }
  int threads() const { return threads_.load(std::memory_order_relaxed); }

  void run(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx) {
    const int threads = this->threads();
    std::unique_lock<std::mutex> busy(run_mutex_, std::defer_lock);
    if (chunks <= 1 || threads <= 1 || t_inside_chunk || chunks > kMaxChunks || !busy.try_lock()) {
      serial(chunks, call, ctx);
      return;
    }
    const std::size_t helpers =
        std::min({static_cast<std::size_t>(threads) - 1, chunks - 1, kMaxThreads - 1});
    start_workers(helpers);
    // GEMMs inside chunks run on one OpenBLAS thread: the chunks already occupy the cores (set_threads
    // keeps OpenBLAS at one anyway; this covers a program that raised it itself).
    const int blas_threads = blas::openblas_threads();
    if (blas_threads != 1) blas::set_openblas_threads(1);
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      call_ = call;
      ctx_ = ctx;
      deal_shares(chunks, helpers + 1);
      pending_.store(chunks, std::memory_order_relaxed);
      active_helpers_ = helpers;
      error_ = nullptr;
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
    }
    wake_.notify_all();
    work(call, ctx, 0);
    std::exception_ptr error;
    // Polled without the lock, so the caller waiting does not slow the workers finishing.
    auto finished = [&] {
      return pending_.load(std::memory_order_acquire) == 0 && joined_.load(std::memory_order_acquire) == 0;
    };
    poll_briefly(finished);
    {
      std::unique_lock<std::mutex> lock(state_mutex_);
      done_.wait(lock, finished);
      // A worker that wakes only now must not join this finished job (its ctx is about to die).
      active_helpers_ = 0;
      error = error_;
    }
    if (blas_threads != 1) blas::set_openblas_threads(blas_threads);
    if (error) std::rethrow_exception(error);
  }

 private:
  static void serial(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx) {
    for (std::size_t i = 0; i < chunks; ++i) call(ctx, i);
  }

  // Takes the next unclaimed background chunk, if any (closing the hint when none is left).
  bool claim_background(void (*&call)(void*, std::size_t), void*& ctx, std::size_t& i) {
    std::lock_guard<std::mutex> lock(state_mutex_);
    return claim_background_locked(call, ctx, i);
  }

  // The same, with state_mutex_ held.
  bool claim_background_locked(void (*&call)(void*, std::size_t), void*& ctx, std::size_t& i) {
    if (!bg_owned_ || bg_next_ >= bg_chunks_) return false;
    i = bg_next_++;
    if (bg_next_ == bg_chunks_) bg_open_.store(false, std::memory_order_relaxed);
    call = bg_call_;
    ctx = bg_ctx_;
    ++bg_running_;
    return true;
  }

  // Runs one claimed background chunk as a chunk, keeps its first exception, and wakes a
  // finish_background waiting for it.
  void run_background_chunk(void (*call)(void*, std::size_t), void* ctx, std::size_t i) {
    const bool was_inside = t_inside_chunk;
    t_inside_chunk = true;
    std::exception_ptr error;
    try {
      call(ctx, i);
    } catch (...) {
      error = std::current_exception();
    }
    t_inside_chunk = was_inside;
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (error && !bg_error_) bg_error_ = error;
      --bg_running_;
    }
    bg_done_.notify_all();
  }

  void start_workers(std::size_t helpers) {
    while (workers_.size() < helpers) {
      const std::size_t index = workers_.size();
      workers_.emplace_back([this, index] { worker_loop(index); });
    }
  }

  // Gives participant p (0 is the caller, worker i is i + 1) the p-th of `participants` near-equal
  // contiguous shares of [0, chunks). Called under state_mutex_ before a job is published.
  void deal_shares(std::size_t chunks, std::size_t participants) {
    for (std::size_t p = 0; p < participants; ++p) {
      shares_[p].bounds.store(pack(chunk_begin(chunks, participants, p), chunk_begin(chunks, participants, p + 1)),
                              std::memory_order_relaxed);
    }
    participants_ = participants;
  }

  // Runs chunks until none are left and counts them done: first participant p's own share, from
  // its front, then what is left of the others' shares, from their backs. When every thread keeps
  // pace, each runs exactly its share, so consecutive jobs cut alike (elementwise passes, the
  // products' row and depth splits, the optimizer's update) give the same part of an array to the
  // same thread, and the data stays in that core's cache; a thread that falls behind loses chunks
  // from the end of its share, the part it would have reached last.
  void work(void (*call)(void*, std::size_t), void* ctx, std::size_t participant) {
    const bool was_inside = t_inside_chunk;
    t_inside_chunk = true;
    std::size_t done = 0;
    auto run = [&](std::size_t i) {
      try {
        call(ctx, i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(state_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      ++done;
    };
    const std::size_t participants = participants_;
    for (std::size_t i; take(shares_[participant], false, i);) run(i);
    for (std::size_t step = 1; step < participants; ++step) {
      for (std::size_t i; take(shares_[(participant + step) % participants], true, i);) run(i);
    }
    t_inside_chunk = was_inside;
    if (done > 0 && pending_.fetch_sub(done, std::memory_order_acq_rel) == done) notify_done();
  }

  // A share of chunks [front, back), packed in one word so that its owner (taking the front) and
  // the others (taking the back) claim with one compare-and-swap each.
  struct alignas(64) Share {
    std::atomic<std::uint64_t> bounds{0};
  };
  static std::uint64_t pack(std::size_t front, std::size_t back) {
    return static_cast<std::uint64_t>(front) | static_cast<std::uint64_t>(back) << 32;
  }
  // Claims the share's first (or, from_back, its last) unclaimed chunk into i; false when none is
  // left.
  static bool take(Share& share, bool from_back, std::size_t& i) {
    std::uint64_t bounds = share.bounds.load(std::memory_order_relaxed);
    for (;;) {
      const std::size_t front = bounds & 0xffffffffu, back = bounds >> 32;
      if (front >= back) return false;
      const std::uint64_t claimed = from_back ? pack(front, back - 1) : pack(front + 1, back);
      if (share.bounds.compare_exchange_weak(bounds, claimed, std::memory_order_acq_rel, std::memory_order_relaxed)) {
        i = from_back ? back - 1 : front;
        return true;
      }
    }
  }

  // Wakes a caller that stopped polling. Taking the lock first means the caller is either about to
  // test its condition (and sees the new count) or already waiting: the wake-up cannot be lost.
  void notify_done() {
    { std::lock_guard<std::mutex> lock(state_mutex_); }
    done_.notify_all();
  }

  void worker_loop(std::size_t index) {
    std::uint64_t seen = 0;
    for (;;) {
      void (*call)(void*, std::size_t) = nullptr;
      void* ctx = nullptr;
      std::size_t participant = 0;
      // A new job shows first in generation_; its fields are then read under the lock. Background
      // chunks are taken only between jobs, one at a time, so a job never waits long for a worker.
      poll_briefly([&] {
        return generation_.load(std::memory_order_acquire) != seen || bg_open_.load(std::memory_order_relaxed);
      });
      std::size_t background_chunk = 0;
      bool background = false;
      {
        std::unique_lock<std::mutex> lock(state_mutex_);
        const auto job_for_me = [&] {
          return generation_.load(std::memory_order_relaxed) != seen && index < active_helpers_;
        };
        const auto chunk_waiting = [&] { return bg_owned_ && bg_next_ < bg_chunks_; };
        wake_.wait(lock, [&] { return stop_ || job_for_me() || chunk_waiting(); });
        if (stop_) return;
        // A published job comes first, joined under this lock (so never after it has finished);
        // otherwise one background chunk, claimed under it.
        if (job_for_me()) {
          seen = generation_.load(std::memory_order_relaxed);
          joined_.fetch_add(1, std::memory_order_relaxed);
          call = call_;
          ctx = ctx_;
          participant = index + 1;
        } else {
          background = claim_background_locked(call, ctx, background_chunk);
        }
      }
      if (background) {
        run_background_chunk(call, ctx, background_chunk);
        continue;
      }
      work(call, ctx, participant);
      if (joined_.fetch_sub(1, std::memory_order_acq_rel) == 1) notify_done();
    }
  }

  std::atomic<int> threads_{1};
  std::mutex run_mutex_;    // one job at a time
  std::mutex state_mutex_;  // guards everything below but the shares' bounds
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;  // touched only by the holder of run_mutex_ (and the destructor)
  void (*call_)(void*, std::size_t) = nullptr;
  void* ctx_ = nullptr;
  // Shares of the current job, one per participant: the caller and up to kMaxThreads - 1 workers.
  Share shares_[kMaxThreads];
  std::size_t participants_ = 1;  // written under state_mutex_ before the job is published
  std::atomic<std::size_t> pending_{0};  // chunks not yet finished
  std::size_t active_helpers_ = 0;       // workers with a smaller index join the current job
  std::atomic<std::size_t> joined_{0};   // workers inside work() for the current job (joined under the lock)
  std::atomic<std::uint64_t> generation_{0};  // written under state_mutex_, polled without it
  std::exception_ptr error_;
  bool stop_ = false;
  // The open background job (start_background .. finish_background).
  std::condition_variable bg_done_;  // a background chunk finished
  bool bg_owned_ = false;            // a job is open: started and not yet finished
  void (*bg_call_)(void*, std::size_t) = nullptr;
  void* bg_ctx_ = nullptr;
  std::size_t bg_chunks_ = 0, bg_next_ = 0;  // chunks in all / the next to claim
  std::size_t bg_running_ = 0;               // claimed and not yet finished
  std::exception_ptr bg_error_;
  std::atomic<bool> bg_open_{false};  // unclaimed chunks may wait: polled without the lock
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

void set_parallel_threads(int threads) { pool().set_threads(threads); }
int parallel_threads() { return pool().threads(); }
bool inside_parallel_chunk() { return t_inside_chunk; }
void run_chunks(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx) { pool().run(chunks, call, ctx); }
bool start_background(std::size_t chunks, void (*call)(void*, std::size_t), void* ctx) {
  return pool().start_background(chunks, call, ctx);
}
void finish_background() { pool().finish_background(); }

}  // namespace detail
}  // namespace minidl
