// The OpenBLAS kernel choice (detail/blas_kernel.hpp): the decision on every kind of CPU, and, on
// this machine, that the kernel minidl picks computes the same products as other kernels within
// float rounding. Each kernel needs a process of its own (OpenBLAS picks it when it loads), so
// those checks run tests/kernel_probe.cpp under different environments.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <minidl/detail/blas.hpp>
#include <minidl/detail/blas_kernel.hpp>
#include <minidl/detail/cpu_features.hpp>

using minidl::detail::CpuFeatures;
using minidl::detail::plan_kernel;
using minidl::detail::same_kernel_name;

namespace {

CpuFeatures avx512_cpu() {
  CpuFeatures f;
  f.avx512f = f.avx512dq = f.avx512bw = f.avx512vl = f.os_zmm_state = true;
  return f;
}

// One run of the probe: its kernel line, exit status and every (value, bound) pair.
struct ProbeRun {
  std::string kernel, reason, error;
  int status = -1;
  std::vector<char> tags;  // 'f' or 'd' per value
  std::vector<double> values, bounds;
};

ProbeRun run_probe(const std::string& env) {
  // env -u clears what the test runner may have set, so each run sees only `env`.
  const std::string command =
      "env -u OPENBLAS_CORETYPE -u MINIDL_BLAS_KERNEL " + env + " '" MINIDL_KERNEL_PROBE "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed: " + command);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ProbeRun run;
  run.status = pclose(pipe);
  std::istringstream in(out);
  std::string line;
  char tag = '?';
  std::size_t left = 0;
  while (std::getline(in, line)) {
    if (line.rfind("kernel ", 0) == 0) {
      const std::size_t tab = line.find('\t');
      run.kernel = line.substr(7, tab - 7);
      run.reason = tab == std::string::npos ? "" : line.substr(tab + 1);
    } else if (line.rfind("error ", 0) == 0) {
      run.error = line.substr(6);
    } else if (left == 0) {
      std::istringstream header(line);
      std::size_t rows = 0, cols = 0;
      header >> tag >> rows >> cols;
      left = rows * cols;
    } else {
      std::istringstream pair(line);
      double v = 0, b = 0;
      pair >> v >> b;
      run.tags.push_back(tag);
      run.values.push_back(v);
      run.bounds.push_back(b);
      --left;
    }
  }
  return run;
}

// Products of two kernels agree within float rounding: |c1 - c2| <= rel * sum_k |a_ik b_kj|, with
// rel a few hundred float (double) epsilons: a sum of K products rounds by at most K·eps times that
// scale, and blocked kernels sit far below that worst case.
void require_agree(const ProbeRun& a, const ProbeRun& b) {
  REQUIRE(a.values.size() == 10000 + 7840 + 10000 + 5000);
  REQUIRE(a.values.size() == b.values.size());
  std::size_t nonzero = 0;
  double worst = 0;
  for (std::size_t i = 0; i < a.values.size(); ++i) {
    const double rel = a.tags[i] == 'f' ? 3e-5 : 1e-13;
    const double err = std::fabs(a.values[i] - b.values[i]) / (rel * a.bounds[i] + 1e-300);
    worst = std::max(worst, err);
    if (a.values[i] != 0) ++nonzero;
    if (err > 1) {
      INFO("element " << i << " (" << a.tags[i] << "): " << a.kernel << " " << a.values[i] << ", " << b.kernel << " "
                      << b.values[i] << ", error scale " << a.bounds[i]);
      REQUIRE(err <= 1);
    }
  }
  INFO("worst error as a fraction of the tolerance: " << worst);
  REQUIRE(nonzero > a.values.size() / 2);  // real products, not zeros compared with zeros
}

bool cpuinfo_has(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) return (line + " ").find(" " + flag + " ") != std::string::npos;
  }
  return false;
}

}  // namespace

TEST_CASE("Kernel plan: AVX-512 in CPU and OS picks SkylakeX, or Cooperlake with bf16", "[blas][kernel]") {
  CpuFeatures cpu = avx512_cpu();
  const auto plan = plan_kernel(cpu, nullptr, nullptr);
  CHECK(plan.coretype == "SkylakeX");
  CHECK(plan.reason.find("chosen by minidl") != std::string::npos);
  CHECK(plan_kernel(cpu, nullptr, "auto").coretype == "SkylakeX");
  cpu.avx512bf16 = true;
  CHECK(plan_kernel(cpu, nullptr, nullptr).coretype == "Cooperlake");
}

TEST_CASE("Kernel plan: any missing AVX-512 piece leaves the choice to OpenBLAS", "[blas][kernel]") {
  // Each of these alone must prevent the AVX-512 kernel: with it, the process would die of SIGILL.
  bool CpuFeatures::*pieces[] = {&CpuFeatures::avx512f, &CpuFeatures::avx512dq, &CpuFeatures::avx512bw,
                                 &CpuFeatures::avx512vl, &CpuFeatures::os_zmm_state};
  const char* names[] = {"avx512f", "avx512dq", "avx512bw", "avx512vl", "ZMM register state"};
  for (int i = 0; i < 5; ++i) {
    CpuFeatures cpu = avx512_cpu();
    cpu.avx512bf16 = true;
    cpu.*pieces[i] = false;
    const auto plan = plan_kernel(cpu, nullptr, nullptr);
    INFO("without " << names[i] << ": " << plan.reason);
    CHECK(plan.coretype.empty());
    CHECK(plan.reason.find(names[i]) != std::string::npos);
  }
  CHECK(plan_kernel(CpuFeatures{}, nullptr, nullptr).coretype.empty());
}

TEST_CASE("Kernel plan: the user's OPENBLAS_CORETYPE wins, MINIDL_BLAS_KERNEL=openblas opts out", "[blas][kernel]") {
  const auto user = plan_kernel(avx512_cpu(), "Haswell", nullptr);
  CHECK(user.coretype.empty());  // the user's variable stays as it is: OpenBLAS reads it
  // An AVX2 kernel on an AVX-512 machine: the reason names the kernel it could run instead.
  CHECK(user.reason ==
        "OPENBLAS_CORETYPE=Haswell set by the user; this CPU and OS support the AVX-512 kernel SkylakeX: unset "
        "OPENBLAS_CORETYPE to use it");
  CpuFeatures bf16 = avx512_cpu();
  bf16.avx512bf16 = true;
  CHECK(plan_kernel(bf16, "Haswell", nullptr).reason.find("AVX-512 kernel Cooperlake:") != std::string::npos);
  // No hint where the user already runs an AVX-512 kernel (OpenBLAS reads the name in any case),
  // nor where the machine has none to offer.
  CHECK(plan_kernel(bf16, "skylakex", nullptr).reason == "OPENBLAS_CORETYPE=skylakex set by the user");
  CHECK(plan_kernel(avx512_cpu(), "Cooperlake", nullptr).reason == "OPENBLAS_CORETYPE=Cooperlake set by the user");
  CHECK(same_kernel_name("SKYLAKEX", "SkylakeX"));
  CHECK_FALSE(same_kernel_name("SkylakeX", "Skylake"));
  CpuFeatures no_zmm = avx512_cpu();
  no_zmm.os_zmm_state = false;
  CHECK(plan_kernel(no_zmm, "Haswell", nullptr).reason == "OPENBLAS_CORETYPE=Haswell set by the user");
  CHECK(plan_kernel(avx512_cpu(), "Haswell", "openblas").coretype.empty());
  const auto opt_out = plan_kernel(avx512_cpu(), nullptr, "openblas");
  CHECK(opt_out.coretype.empty());
  CHECK(opt_out.reason.find("MINIDL_BLAS_KERNEL=openblas") != std::string::npos);
  CHECK(plan_kernel(avx512_cpu(), "", nullptr).coretype == "SkylakeX");  // empty counts as unset
  CHECK_THROWS_WITH(plan_kernel(avx512_cpu(), nullptr, "fast"), Catch::Contains("MINIDL_BLAS_KERNEL='fast'"));
}

TEST_CASE("CPUID agrees with the kernel's view of this CPU", "[blas][kernel]") {
  const CpuFeatures cpu = minidl::detail::cpu_features();
  CHECK(cpu.avx512f == cpuinfo_has("avx512f"));
  CHECK(cpu.avx512dq == cpuinfo_has("avx512dq"));
  CHECK(cpu.avx512bw == cpuinfo_has("avx512bw"));
  CHECK(cpu.avx512vl == cpuinfo_has("avx512vl"));
  CHECK(cpu.avx512bf16 == cpuinfo_has("avx512_bf16"));
  // Linux lists avx512f only when it has enabled the ZMM state.
  if (cpu.avx512f) CHECK(cpu.os_zmm_state);
}

TEST_CASE("The default kernel computes what other kernels compute, within float rounding", "[blas][kernel]") {
  const ProbeRun chosen = run_probe("");
  INFO("default run: kernel '" << chosen.kernel << "' (" << chosen.reason << ") " << chosen.error);
  REQUIRE(chosen.status == 0);
  if (minidl::detail::cpu_features().avx512_usable()) {
    CHECK((chosen.kernel == "SkylakeX" || chosen.kernel == "Cooperlake"));
    CHECK(chosen.reason.find("chosen by minidl") != std::string::npos);
  } else {
    CHECK(chosen.reason.find("OpenBLAS's own choice") != std::string::npos);
  }

  // Prescott (SSE3) runs on every x86-64 and shares no code with the AVX kernels: an independent
  // baseline. Setting OPENBLAS_CORETYPE also shows that the user's choice wins.
  const ProbeRun baseline = run_probe("OPENBLAS_CORETYPE=Prescott");
  INFO("baseline: " << baseline.kernel << " (" << baseline.reason << ") " << baseline.error);
  REQUIRE(baseline.status == 0);
  CHECK(baseline.kernel == "Prescott");
  CHECK(baseline.reason.rfind("OPENBLAS_CORETYPE=Prescott set by the user", 0) == 0);
  require_agree(chosen, baseline);

  const ProbeRun own = run_probe("MINIDL_BLAS_KERNEL=openblas");
  INFO("OpenBLAS's own: " << own.kernel << " (" << own.reason << ") " << own.error);
  REQUIRE(own.status == 0);
  CHECK(own.reason.find("MINIDL_BLAS_KERNEL=openblas") != std::string::npos);
  require_agree(chosen, own);
}

TEST_CASE("A bad MINIDL_BLAS_KERNEL is a clear error, not a crash", "[blas][kernel]") {
  const ProbeRun bad = run_probe("MINIDL_BLAS_KERNEL=fastest");
  CHECK(bad.status != 0);
  CHECK(bad.error.find("MINIDL_BLAS_KERNEL='fastest'") != std::string::npos);
}
