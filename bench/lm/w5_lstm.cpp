// W5: an LSTM language-model training step (Deep Learning from Scratch 2's rnnlm): Embedding
// (V=500, D=128) -> LSTM (H=128, batch_first) -> Linear (...,H) -> softmax cross-entropy over
// (N,T,V) with (N,T) integer targets, Adam, truncated BPTT over windows of T=35 with batch 20,
// the state carried and detached between windows. Reports
//   - step time and GEMM-only time (the step's matrix products alone, preallocated): the ratio is
//     everything else the framework does;
//   - heap allocations per step;
//   - per-op overhead at a small size (D=H=32, batch 4): (step − GEMM-only) / ops per step;
//   - the fused LSTM cell (affine2 + lstm_gates) against the same cell composed from primitive ops,
//     forward + backward over a 35-step unroll.
//   build/minidl_bench_lstm --threads 1 --repeats 7 [--part all|lm|cell]
#include <algorithm>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include <minidl/detail/blas.hpp>
#include <minidl/minidl.hpp>

#include "../alloc_counter.hpp"
#include "../gemm_baseline.hpp"
#include "../timing.hpp"

using namespace minidl;

namespace {

struct Size {
  std::size_t vocab, dim, hidden, batch, steps;
};

// Counts every op that runs (forward, and the ops backward functions run).
class CountOps : public OpObserver {
 public:
  std::size_t ops = 0;
  void on_forward(const char*, const Tensor<float>&, const std::vector<Var>&) override { ++ops; }
};

// The language model of the benchmark.
struct LanguageModel {
  LanguageModel(const Size& s, Generator& gen)
      : embed(s.vocab, s.dim, gen), lstm(s.dim, s.hidden, gen, {1, true, 0.0}), out(s.hidden, s.vocab, gen, Init::Xavier) {}
  std::vector<Var> parameters() const {
    std::vector<Var> p = embed.parameters();
    for (const auto& v : lstm.parameters()) p.push_back(v);
    for (const auto& v : out.parameters()) p.push_back(v);
    return p;
  }
  Embedding<float> embed;
  LSTM<float> lstm;
  Linear<float> out;
};

// One window of token ids (N, T+1): inputs are [:, :T], targets [:, 1:].
struct Corpus {
  Corpus(const Size& s, std::uint64_t seed) : size(s), gen(seed) {}
  void next(IndexTensor& x, IndexTensor& t) {
    x = IndexTensor::from_shape({size.batch, size.steps});
    t = IndexTensor::from_shape({size.batch, size.steps});
    // A repeating pattern plus noise, so the model has something to learn.
    for (std::size_t n = 0; n < size.batch; ++n) {
      for (std::size_t k = 0; k < size.steps; ++k) {
        const auto base = static_cast<Index>((n * 7 + position + k) % size.vocab);
        x(n, k) = gen.uniform() < 0.8 ? base : static_cast<Index>(gen.uniform() * double(size.vocab));
        t(n, k) = static_cast<Index>((base + 1) % static_cast<Index>(size.vocab));
      }
    }
    position += size.steps;
  }
  Size size;
  Generator gen;
  std::size_t position = 0;
};

// The products one step issues, as minidl issues them: the input projection of all T steps as
// one product (M = N·T rows); in the recurrence (lstm_sequence) per time step h·Wh onto its block
// (beta 1) and, backward, gh = gA·Whᵀ; then gWh over all steps (h0ᵀ·gA_0 plus one product over
// the other T − 1 steps' rows), gX and gWx once for the sequence; the output layer forward and
// backward on (N·T, H); the embedding has no product.
std::vector<bench::GemmShape> lm_step_gemms(const Size& s) {
  std::vector<bench::GemmShape> g;
  const std::size_t G = 4 * s.hidden, M = s.batch * s.steps;
  g.push_back({false, false, M, G, s.dim, 1.f, 0, 0});
  for (std::size_t t = 0; t < s.steps; ++t) g.push_back({false, false, s.batch, G, s.hidden, 1.f, 0, 0});
  for (std::size_t t = 0; t < s.steps; ++t) g.push_back({false, true, s.batch, s.hidden, G, 0.f, 0, 0});
  g.push_back({true, false, s.hidden, G, s.batch, 0.f, 0, 2});
  g.push_back({true, false, s.hidden, G, M - s.batch, 1.f, 0, 2});
  g.push_back({false, true, M, s.dim, G, 0.f, 0, 0});
  g.push_back({true, false, s.dim, G, M, 0.f, 0, 0});
  g.push_back({false, false, M, s.vocab, s.hidden, 1.f, 0, 0});
  g.push_back({false, true, M, s.hidden, s.vocab, 0.f, 0, 0});
  g.push_back({true, false, s.hidden, s.vocab, M, 0.f, 0, 0});
  return g;
}

struct StepResult {
  bench::Stats step, gemm;
  double allocs = 0, large_allocs = 0, ops = 0;
};

StepResult time_lm(const Size& s, std::size_t steps_per_run, std::size_t repeats) {
  Generator gen(1);
  LanguageModel model(s, gen);
  Adam<float> opt(model.parameters(), 0.001);
  Corpus corpus(s, 2);
  State<float> state;
  IndexTensor x, t;
  auto step = [&] {
    corpus.next(x, t);
    opt.zero_grad();
    auto [h, next] = model.lstm(model.embed(x), detach_state(state));
    state = next;
    Var loss = softmax_cross_entropy(model.out(h), t);
    loss.backward();
    opt.step();
  };
  for (int i = 0; i < 5; ++i) step();
  StepResult r;
  {
    CountOps count;
    OpObserverScope observe(&count);
    step();
    r.ops = static_cast<double>(count.ops);
  }
  const bench::AllocCount a0 = bench::alloc_count();
  r.step = bench::time_runs([&] { for (std::size_t i = 0; i < steps_per_run; ++i) step(); }, 0, repeats, steps_per_run);
  const bench::AllocCount a1 = bench::alloc_count();
  const double total = static_cast<double>(steps_per_run * repeats);
  r.allocs = static_cast<double>(a1.calls - a0.calls) / total;
  r.large_allocs = static_cast<double>(a1.large_calls - a0.large_calls) / total;
  bench::GemmRunner gemms(lm_step_gemms(s));
  r.gemm = bench::time_runs([&] { for (std::size_t i = 0; i < steps_per_run; ++i) gemms.run(); }, 1, repeats,
                            steps_per_run);
  return r;
}

// The LSTM step a user would write from primitive ops (with chunk for the gates).
State<float> composed_cell(const Var& x, const State<float>& s, const LSTMCell<float>& cell) {
  const Var A = add(add(matmul(x, cell.Wx), matmul(s[0], cell.Wh)), cell.b);
  const std::vector<Var> a = chunk(A, 4, 1);
  const Var c = add(mul(sigmoid(a[1]), s[1]), mul(sigmoid(a[0]), tanh(a[2])));
  return {mul(sigmoid(a[3]), tanh(c)), c};
}

// The gate math alone a user would write from primitive ops: what lstm_gates fuses.
State<float> composed_gates(const Var& A, const Var& c) {
  const std::vector<Var> a = chunk(A, 4, 1);
  const Var cn = add(mul(sigmoid(a[1]), c), mul(sigmoid(a[0]), tanh(a[2])));
  return {mul(sigmoid(a[3]), tanh(cn)), cn};
}

// What is timed: the whole cell step by step (pre-activation products and gate math), the gate
// math alone on given pre-activations, or the layer's way over the whole window (the input
// projection of all steps at once, then one lstm_sequence op), each fused against the same steps
// composed from primitive ops.
enum class CellPart { cell, gates, sequence };

// Fused and composed forward + backward through a T-step unroll, timed alternately (one fused run,
// then one composed run, per repeat) so drift affects both alike; seconds per unroll.
std::pair<bench::Stats, bench::Stats> time_cells(CellPart part, const Size& s, std::size_t repeats) {
  Generator gen(3);
  LSTMCell<float> cell(s.hidden, s.hidden, gen);
  std::vector<Var> xs;
  for (std::size_t t = 0; t < s.steps; ++t) {
    xs.push_back(part == CellPart::gates ? uniform<float>({s.batch, 4 * s.hidden}, gen, -2, 2, true)
                                         : uniform<float>({s.batch, s.hidden}, gen, -1, 1));
  }
  const Var rows = concat<float>(xs, 0);  // (T·N, H), time-major: the layer's input layout
  auto unroll = [&](bool fused) {
    cell.zero_grad();
    for (const Var& x : xs) x.clear_grad();
    State<float> st{zeros<float>({s.batch, s.hidden}), zeros<float>({s.batch, s.hidden})};
    Var total;
    if (part == CellPart::sequence && fused) {
      sum(cell.run_projected(cell.project_input(rows), s.batch, st).first).backward();
      return;
    }
    for (const Var& x : xs) {
      if (part != CellPart::gates) st = fused ? cell(x, st).second : composed_cell(x, st, cell);
      else if (fused) st = lstm_gates(x, st[1]);
      else st = composed_gates(x, st[1]);
      total = total.defined() ? add(total, st[0]) : st[0];
    }
    sum(total).backward();
  };
  for (int i = 0; i < 3; ++i) unroll(true), unroll(false);
  std::vector<double> fused, composed;
  for (std::size_t r = 0; r < repeats; ++r) {
    for (bool f : {true, false}) {
      const double t0 = bench::now_s();
      unroll(f);
      (f ? fused : composed).push_back(bench::now_s() - t0);
    }
  }
  return {bench::summarize(fused), bench::summarize(composed)};
}

// The products of the cell unroll alone (its floor): per step x·Wx and h·Wh into one buffer, and
// backward gh = gA·Whᵀ, gWx += xᵀ·gA, gWh += hᵀ·gA (x needs no gradient here).
bench::Stats time_cell_gemms(const Size& s, std::size_t repeats) {
  std::vector<bench::GemmShape> g;
  const std::size_t G = 4 * s.hidden;
  for (std::size_t t = 0; t < s.steps; ++t) {
    g.push_back({false, false, s.batch, G, s.hidden, 1.f, 0, 0});
    g.push_back({false, false, s.batch, G, s.hidden, 1.f, 0, 0});
  }
  for (std::size_t t = 0; t < s.steps; ++t) {
    g.push_back({false, true, s.batch, s.hidden, G, 0.f, 0, 0});
    g.push_back({true, false, s.hidden, G, s.batch, 1.f, 0, 1});
    g.push_back({true, false, s.hidden, G, s.batch, 1.f, 0, 2});
  }
  bench::GemmRunner gemms(std::move(g));
  return bench::time_runs([&] { gemms.run(); }, 3, repeats, 1);
}

std::string ms(double s) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(3) << s * 1e3 << " ms";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  std::size_t repeats = 7;
  std::string part = "all";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--repeats") repeats = static_cast<std::size_t>(std::atoi(argv[i + 1]));
    else if (flag == "--part" && (std::string(argv[i + 1]) == "all" || std::string(argv[i + 1]) == "lm" ||
                                  std::string(argv[i + 1]) == "cell"))
      part = argv[i + 1];
    else {
      std::cerr << "usage: minidl_bench_lstm [--threads N] [--repeats R] [--part all|lm|cell]\n";
      return 2;
    }
  }
  blas::set_threads(threads);
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::cout << "minidl_bench_lstm: " << blas::threads() << " thread(s), " << repeats
            << " repeats, load average " << load[0] << "\n";

  const Size w5{500, 128, 128, 20, 35};
  const Size small{500, 32, 32, 4, 35};
  if (part != "cell") {
  const StepResult big = time_lm(w5, 3, repeats);
  std::cout << "W5 LSTM LM (V=500, D=H=128, T=35, N=20, Adam): step " << ms(big.step.median) << " (min "
            << ms(big.step.min) << "), GEMM-only " << ms(big.gemm.median) << ", step/GEMM-only "
            << std::setprecision(3) << big.step.median / big.gemm.median << "x\n"
            << "  heap allocations per step " << big.allocs << " (>= 4 KiB: " << big.large_allocs << "), ops per step "
            << big.ops << "\n";

  const StepResult tiny = time_lm(small, 10, repeats);
  const double overhead_us = (tiny.step.median - tiny.gemm.median) / tiny.ops * 1e6;
  std::cout << "small (D=H=32, N=4): step " << ms(tiny.step.median) << ", GEMM-only " << ms(tiny.gemm.median) << ", "
            << tiny.ops << " ops per step, per-op overhead " << std::setprecision(3) << overhead_us << " us\n";

  }
  if (part == "lm") return 0;
  for (const Size& size : {w5, small}) {
    for (CellPart p : {CellPart::cell, CellPart::gates, CellPart::sequence}) {
      const auto [fused, composed] = time_cells(p, size, repeats);
      const char* what = p == CellPart::cell ? "LSTM cell" : p == CellPart::gates ? "LSTM gate math"
                                                                                  : "LSTM layer (lstm_sequence)";
      std::cout << what << ", " << size.steps
                << "-step unroll forward+backward (N=" << size.batch << ", H=" << size.hidden << "): fused "
                << ms(fused.median) << ", composed " << ms(composed.median) << ", composed/fused "
                << std::setprecision(3) << composed.median / fused.median << "x\n";
      if (p == CellPart::cell) {
        const bench::Stats floor = time_cell_gemms(size, repeats);
        std::cout << "  its products alone " << ms(floor.median) << ": beyond them, fused "
                  << ms(fused.median - floor.median) << ", composed " << ms(composed.median - floor.median) << "\n";
      }
    }
  }
  return 0;
}
