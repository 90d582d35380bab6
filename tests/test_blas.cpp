// The BLAS that runs is OpenBLAS (the reference BLAS would be 20-160x slower), and the flagged GEMM
// wrapper computes every transpose combination correctly.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <minidl/detail/blas.hpp>
#include <minidl/minidl.hpp>

using namespace minidl;

TEST_CASE("The BLAS linked at run time is OpenBLAS", "[blas]") {
  const std::string config = blas::config();
  INFO("openblas_get_config(): " << config);
  REQUIRE(config.find("OpenBLAS") != std::string::npos);
  REQUIRE(blas::threads() >= 1);
}

TEMPLATE_TEST_CASE("blas::gemm honours both transpose flags and beta", "[blas]", float, double) {
  using T = TestType;
  // A (2,3), B (3,2); their stored transposes At (3,2), Bt (2,3).
  const T A[] = {1, 2, 3, 4, 5, 6}, At[] = {1, 4, 2, 5, 3, 6};
  const T B[] = {7, 8, 9, 10, 11, 12}, Bt[] = {7, 9, 11, 8, 10, 12};
  const T expected[] = {58, 64, 139, 154};  // A·B
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      T C[4] = {1, 1, 1, 1};
      blas::gemm<T>(ta, tb, 2, 2, 3, T(1), ta ? At : A, ta ? 2 : 3, tb ? Bt : B, tb ? 3 : 2, T(1), C, 2);
      for (int i = 0; i < 4; ++i) {
        INFO("ta=" << ta << " tb=" << tb << " i=" << i);
        REQUIRE(C[i] == Approx(expected[i] + 1));  // beta = 1 accumulates onto the ones
      }
    }
  }
}

TEST_CASE("blas: thread defaults never ask for more threads than idle cores", "[blas][threads]") {
  const int cores = blas::available_cores();
  REQUIRE(cores >= 1);
  const int idle = blas::idle_cores(50);
  REQUIRE(idle >= 0);
  REQUIRE(idle <= cores);
  const int chosen = blas::auto_threads();
  REQUIRE(chosen >= 1);
  REQUIRE(chosen <= cores);
  REQUIRE(blas::oversubscription_warning(1).empty());

  // Another process spinning through the whole sample keeps one core busy: it cannot count as
  // idle, and asking for a thread on every core must then produce the note. (Our own threads count
  // as idle on purpose: they are OpenBLAS's workers, not competition.)
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
    volatile unsigned long long n = 0;
    while (std::chrono::steady_clock::now() < end) n = n + 1;
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int idle_while_busy = blas::idle_cores(200);
  const std::string note = cores > 1 ? blas::oversubscription_warning(cores) : std::string("n/a");
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(idle_while_busy <= cores - 1);
  if (cores > 1) REQUIRE_THAT(note, Catch::Contains("threads but only"));
}

TEST_CASE("blas: apply_threads resolves 0 to the idle cores and honours a given count", "[blas][threads]") {
  const int before = blas::threads();
  const blas::ThreadChoice given = blas::apply_threads(1);
  REQUIRE(given.threads == 1);
  REQUIRE_FALSE(given.automatic);
  REQUIRE(given.note.empty());  // one thread never oversubscribes
  REQUIRE(blas::threads() == 1);
  REQUIRE(given.label() == "1 BLAS thread(s)");

  const blas::ThreadChoice automatic = blas::apply_threads(0);
  REQUIRE(automatic.automatic);
  REQUIRE(automatic.threads >= 1);
  REQUIRE(automatic.threads <= blas::available_cores());
  REQUIRE(automatic.note.empty());
  REQUIRE(blas::threads() == automatic.threads);
  REQUIRE(automatic.label() == std::to_string(automatic.threads) + " BLAS thread(s) (one per idle core)");
  blas::set_threads(before);
}
