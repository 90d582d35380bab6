#include "gemm_baseline.hpp"

#include <minidl/core/blas.hpp>

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
  const std::size_t FN = 30, CK = 1 * 5 * 5, OH = 24, P = OH * OH, NP = batch * P;
  const std::size_t pooled = FN * (OH / 2) * (OH / 2);  // 4320 features into fc1
  std::vector<GemmShape> out;
  out.push_back({false, false, FN, NP, CK, 0.0f});  // conv forward: rows (FN,NP) = W (FN,CK) · col (CK,NP)
  std::vector<GemmShape> fc = mlp_step_gemms({pooled, 100, 10}, batch);
  // fc forwards, fc backwards (fc1's gx = gy·Wᵀ is needed here: it feeds the pooling backward)
  out.insert(out.end(), fc.begin(), fc.begin() + 2);
  out.push_back({true, false, 100, 10, batch, 0.0f});          // fc2 gW
  out.push_back({false, true, batch, 100, 10, 0.0f});          // fc2 gx
  out.push_back({true, false, pooled, 100, batch, 0.0f});      // fc1 gW
  out.push_back({false, true, batch, pooled, 100, 0.0f});      // fc1 gx
  out.push_back({false, true, FN, CK, NP, 0.0f});   // conv gW (FN,CK) = gy_rows (FN,NP) · colᵀ (NP,CK)
  return out;
}

GemmRunner::GemmRunner(std::vector<GemmShape> shapes) : shapes_(std::move(shapes)) {
  for (const GemmShape& s : shapes_) {
    // Small non-zero values: no denormals, no overflow when beta = 1 accumulates across runs.
    a_.emplace_back(s.m * s.k, 0.01f);
    b_.emplace_back(s.k * s.n, 0.02f);
    c_.emplace_back(s.m * s.n, 0.0f);
  }
}

void GemmRunner::run() {
  for (std::size_t i = 0; i < shapes_.size(); ++i) {
    const GemmShape& s = shapes_[i];
    // Row strides of A and B as stored: op(A) is (m,k), so A is (k,m) when transposed.
    const std::size_t lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
    minidl::blas::gemm<float>(s.ta, s.tb, s.m, s.n, s.k, 1.0f, a_[i].data(), lda, b_[i].data(), ldb, s.beta,
                              c_[i].data(), s.n);
  }
}

double GemmRunner::flops() const {
  double f = 0;
  for (const GemmShape& s : shapes_) f += 2.0 * double(s.m) * double(s.n) * double(s.k);
  return f;
}

}  // namespace bench
