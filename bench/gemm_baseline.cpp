#include "gemm_baseline.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include <minidl/detail/blas.hpp>
#include <minidl/detail/conv_kernels.hpp>
#include <minidl/detail/parallel.hpp>

namespace bench {

std::vector<GemmShape> mlp_step_gemms(const std::vector<std::size_t>& sizes, std::size_t batch) {
  std::vector<GemmShape> out;
  const std::size_t layers = sizes.size() - 1;
  for (std::size_t l = 0; l < layers; ++l)  // forward: y (N,h) += x (N,d) · W (d,h)
    out.push_back({false, false, batch, sizes[l + 1], sizes[l], 1.0f});
  for (std::size_t l = layers; l-- > 0;) {
    const std::size_t d = sizes[l], h = sizes[l + 1];
    out.push_back({true, false, d, h, batch, 0.0f});                // gW (d,h) = xᵀ (d,N) · gy (N,h)
    if (l > 0) out.push_back({false, true, batch, d, h, 0.0f});     // gx (N,d) = gy (N,h) · Wᵀ (h,d)
  }
  return out;
}

std::vector<GemmShape> simple_conv_step_gemms(std::size_t batch) {
  const std::size_t FN = 30, CK = 1 * 5 * 5, OH = 24, P = OH * OH;
  const std::size_t pooled = FN * (OH / 2) * (OH / 2);  // 4320 features into fc1
  // The chunk counts of the fused op (detail/conv_kernels.hpp): sample_chunks for the forward,
  // kWeightGradChunks partial sums for the weight gradient.
  const std::size_t forward_chunks = minidl::detail::sample_chunks(batch, FN * P * CK);
  const std::size_t grad_chunks = forward_chunks == 1 ? 1 : std::min(batch, minidl::detail::kWeightGradChunks);
  std::vector<GemmShape> out;
  GemmShape conv{false, false, FN, P, CK, 0.0f};  // conv forward: y_n (FN,P) = W (FN,CK) · col (CK,P)
  conv.samples = batch;
  conv.chunks = forward_chunks;
  out.push_back(conv);
  std::vector<GemmShape> fc = mlp_step_gemms({pooled, 100, 10}, batch);
  // fc forwards, fc backwards (fc1's gx = gy·Wᵀ is needed here: it feeds the pooling backward)
  out.insert(out.end(), fc.begin(), fc.begin() + 2);
  out.push_back({true, false, 100, 10, batch, 0.0f});          // fc2 gW
  out.push_back({false, true, batch, 100, 10, 0.0f});          // fc2 gx
  out.push_back({true, false, pooled, 100, batch, 0.0f});      // fc1 gW
  out.push_back({false, true, batch, pooled, 100, 0.0f});      // fc1 gx
  GemmShape grad{false, true, FN, CK, P, 0.0f};  // conv gW (FN,CK) += gy_n (FN,P) · colᵀ (P,CK)
  grad.samples = batch;
  grad.chunks = grad_chunks;
  grad.a_per_thread = true;
  grad.c_per_chunk = true;
  out.push_back(grad);
  return out;
}

GemmRunner::GemmRunner(std::vector<GemmShape> shapes) : shapes_(std::move(shapes)) {
  std::map<int, std::size_t> a_first, b_first, c_first;  // group -> index of its buffer
  for (std::size_t i = 0; i < shapes_.size(); ++i) {
    const GemmShape& s = shapes_[i];
    // Small non-zero values: no denormals, no overflow when beta = 1 accumulates across runs.
    auto share = [i](int group, std::map<int, std::size_t>& first, std::vector<std::vector<float>>& bufs,
                     std::size_t size, float value) {
      if (group != 0 && first.count(group) && bufs[first[group]].size() == size) {
        bufs.emplace_back();
        return first[group];
      }
      if (group != 0) first[group] = i;
      bufs.emplace_back(size, value);
      return i;
    };
    if (s.samples > 1) {  // one buffer per thread (or chunk) of each operand, made where it is used
      a_of_.push_back(share(0, a_first, a_, s.a_per_thread ? 0 : s.m * s.k, 0.01f));
      b_of_.push_back(share(0, b_first, b_, 0, 0.02f));
      c_of_.push_back(share(0, c_first, c_, s.c_per_chunk ? s.chunks * s.m * s.n : 0, 0.0f));
      continue;
    }
    a_of_.push_back(share(s.a_group, a_first, a_, s.m * s.k, 0.01f));
    b_of_.push_back(share(s.b_group, b_first, b_, s.k * s.n, 0.02f));
    c_of_.push_back(share(s.c_group, c_first, c_, s.m * s.n, 0.0f));
  }
}

namespace {

// The step's workspaces are per thread (conv_workspace); so are these: one block per runner,
// product key and thread, filled on first use.
float* thread_block(const void* owner, std::size_t key, std::size_t size, float value) {
  thread_local std::map<std::pair<const void*, std::size_t>, std::vector<float>> blocks;
  std::vector<float>& b = blocks[{owner, key}];
  if (b.size() != size) b.assign(size, value);
  return b.data();
}

}  // namespace

void GemmRunner::run_samples(std::size_t i) {
  const GemmShape& s = shapes_[i];
  const std::size_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  minidl::detail::parallel_chunks(s.chunks, [&](std::size_t c) {
    // Distinct product keys per operand: 2i for B, 2i+1 for A or C.
    const float* a = s.a_per_thread ? thread_block(this, 2 * i + 1, s.m * s.k, 0.01f) : a_[a_of_[i]].data();
    const float* b = thread_block(this, 2 * i, s.k * s.n, 0.02f);
    float* out = s.c_per_chunk ? c_[c_of_[i]].data() + c * s.m * s.n : thread_block(this, 2 * i + 1, s.m * s.n, 0.0f);
    const std::size_t first = minidl::detail::chunk_begin(s.samples, s.chunks, c);
    const std::size_t last = minidl::detail::chunk_begin(s.samples, s.chunks, c + 1);
    for (std::size_t n = first; n < last; ++n) {
      const float beta = s.c_per_chunk && n > first ? 1.0f : s.beta;
      minidl::blas::gemm<float>(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a, lda, b, ldb, beta, out, s.n);
    }
  });
}

void GemmRunner::run() {
  for (std::size_t i = 0; i < shapes_.size(); ++i) {
    const GemmShape& s = shapes_[i];
    if (s.samples > 1) {
      run_samples(i);
      continue;
    }
    // Row strides of A and B as stored: op(A) is (m,k), so A is (k,m) when transposed.
    const std::size_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
    minidl::blas::gemm<float>(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a_[a_of_[i]].data(), lda, b_[b_of_[i]].data(), ldb, s.beta,
                              c_[c_of_[i]].data(), s.n);
  }
}

double GemmRunner::flops() const {
  double f = 0;
  for (const GemmShape& s : shapes_) f += 2.0 * double(s.samples) * double(s.m) * double(s.n) * double(s.k);
  return f;
}

}  // namespace bench
