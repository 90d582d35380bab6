// TwoLayerNet::numerical_gradient: the chapter-4 central differences, with every perturbed loss
// derived from one cached forward pass instead of a new forward pass per probe.
//
// Why it is exact and cheap: changing W1[i,j] or b1[j] moves only hidden column j of Z1, which
// moves each logit row by (a' − A1[n,j])·W2[j,:]; changing W2[j,k] or b2[k] moves only logit
// column k. Rows whose logits do not move keep their cached loss term, so a probe costs one
// log-sum-exp per changed row (for MNIST most pixels are 0 in most rows, and ReLU is flat for about
// half of the hidden pre-activations) instead of a (N,784)·(784,50) product.
#include <cmath>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <minidl/core/grad_mode.hpp>
#include <minidl/ops/elementwise.hpp>
#include <minidl/ops/loss.hpp>
#include <minidl/ops/matrix.hpp>

#include "minidl/models/two_layer_net.hpp"

namespace minidl::models {
namespace {

template <typename T>
Tensor<double> to_double(const Tensor<T>& t) {
  if constexpr (std::is_same_v<T, double>) {
    return t;
  } else {
    Tensor<double> d = Tensor<double>::from_shape(t.shape());
    const T* src = t.data();
    double* dst = d.data();
    for (std::size_t k = 0; k < t.size(); ++k) dst[k] = static_cast<double>(src[k]);
    return d;
  }
}

/// The nonzero entries of each column of a row-major (rows, cols) matrix: for column c, the pairs
/// (row[p], value[p]) for p in [start[c], start[c+1]).
struct SparseColumns {
  std::vector<std::size_t> start, row;
  std::vector<double> value;

  SparseColumns(const double* m, std::size_t rows, std::size_t cols) : start(cols + 1, 0) {
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c)
        if (m[r * cols + c] != 0.0) ++start[c + 1];
    for (std::size_t c = 0; c < cols; ++c) start[c + 1] += start[c];
    row.resize(start[cols]);
    value.resize(start[cols]);
    std::vector<std::size_t> fill(start.begin(), start.end() - 1);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < cols; ++c)
        if (const double v = m[r * cols + c]; v != 0.0) {
          row[fill[c]] = r;
          value[fill[c]++] = v;
        }
  }
  std::size_t count(std::size_t c) const { return start[c + 1] - start[c]; }
};

/// The cached forward pass (all in double) and the loss of a batch whose logits differ from the
/// cached Z2 in a few rows.
class ProbeCache {
 public:
  ProbeCache(const Tensor<double>& x, const Variable<double>& W1, const Variable<double>& b1,
             const Variable<double>& W2, const Variable<double>& b2, const std::vector<std::size_t>& labels)
      : n_(x.shape()[0]), h_(W1.shape()[1]), o_(W2.shape()[1]), labels_(labels) {
    // The same ops as predict(), so for T = double the cache is bit for bit the full forward's.
    const Variable<double> z1 = linear(Variable<double>(x), W1, b1);
    const Variable<double> a1 = relu(z1);
    const Variable<double> z2 = linear(a1, W2, b2);
    softmax_cross_entropy(z2, labels);  // validates the labels and the logits' finiteness
    z1_.assign(z1.data().data(), z1.data().data() + z1.size());
    a1_.assign(a1.data().data(), a1.data().data() + a1.size());
    z2_.assign(z2.data().data(), z2.data().data() + z2.size());
    w2_.assign(W2.data().data(), W2.data().data() + W2.size());
    terms_.resize(n_);
    for (std::size_t r = 0; r < n_; ++r) terms_[r] = row_term(&z2_[r * o_], labels_[r]);
    scratch_ = terms_;
    touched_.reserve(n_);
    logits_.resize(o_);
    all_rows_.resize(n_);
    for (std::size_t r = 0; r < n_; ++r) all_rows_[r] = r;
    ones_.assign(n_, 1.0);
    base_loss_ = batch_loss();
  }

  /// Loss when hidden column j's pre-activation becomes Z1[:,j] + delta·v, v being `count` entries
  /// (rows[p], vals[p]) (zero elsewhere): W1[i,j] passes column i of x, b1[j] passes all ones.
  double hidden_probe(std::size_t j, double delta, const std::size_t* rows, const double* vals, std::size_t count) {
    const double* w = &w2_[j * o_];
    for (std::size_t p = 0; p < count; ++p) {
      const std::size_t r = rows[p];
      const double z = z1_[r * h_ + j] + delta * vals[p];
      const double a = z > 0 ? z : 0.0;  // relu as the op defines it
      const double da = a - a1_[r * h_ + j];
      if (da == 0.0) continue;  // relu flat here: the row's logits, hence its loss term, are unchanged
      const double* z2 = &z2_[r * o_];
      for (std::size_t k = 0; k < o_; ++k) logits_[k] = z2[k] + da * w[k];
      replace_term(r);
    }
    return finish();
  }

  /// Loss when logit column k becomes Z2[:,k] + delta·v (v as in hidden_probe): W2[j,k] passes the
  /// nonzero entries of A1[:,j], b2[k] passes all ones.
  double output_probe(std::size_t k, double delta, const std::size_t* rows, const double* vals, std::size_t count) {
    for (std::size_t p = 0; p < count; ++p) {
      const std::size_t r = rows[p];
      const double dz = delta * vals[p];
      if (dz == 0.0) continue;
      std::copy(&z2_[r * o_], &z2_[r * o_] + o_, logits_.begin());
      logits_[k] += dz;
      replace_term(r);
    }
    return finish();
  }

  const double* a1() const { return a1_.data(); }
  const std::size_t* all_rows() const { return all_rows_.data(); }
  const double* ones() const { return ones_.data(); }

 private:
  // −log softmax(z)[label], max-subtracted as softmax_cross_entropy computes it.
  double row_term(const double* z, std::size_t label) const {
    double m = z[0];
    for (std::size_t k = 1; k < o_; ++k) m = z[k] > m ? z[k] : m;
    double s = 0;
    for (std::size_t k = 0; k < o_; ++k) s += std::exp(z[k] - m);
    return -((z[label] - m) - std::log(s));
  }

  void replace_term(std::size_t r) {
    scratch_[r] = row_term(logits_.data(), labels_[r]);
    touched_.push_back(r);
  }

  // The batch mean of scratch_, summed in row order like the op.
  double batch_loss() const {
    double acc = 0;
    for (std::size_t r = 0; r < n_; ++r) acc += scratch_[r];
    return acc / double(n_);
  }

  // The probe's loss; then scratch_ is reset to the cached terms for the next probe.
  double finish() {
    if (touched_.empty()) return base_loss_;  // no row moved: the loss is exactly the cached one
    const double loss = batch_loss();
    for (std::size_t r : touched_) scratch_[r] = terms_[r];
    touched_.clear();
    return loss;
  }

  std::size_t n_, h_, o_;
  const std::vector<std::size_t>& labels_;
  std::vector<double> z1_, a1_, z2_, w2_;  // (N,H), (N,H), (N,O), (H,O) row-major
  std::vector<double> terms_;              // per-row loss terms of the cached logits
  std::vector<double> scratch_;            // terms_ with the probe's changed rows replaced
  std::vector<std::size_t> touched_;       // rows replaced in scratch_
  std::vector<double> logits_;             // one changed row of logits
  std::vector<std::size_t> all_rows_;
  std::vector<double> ones_;
  double base_loss_ = 0;
};

}  // namespace

template <typename T>
GradMap<T> TwoLayerNet<T>::numerical_gradient(const Variable<T>& x, const std::vector<std::size_t>& labels, double h) {
  NoGradGuard no_grad;
  const Tensor<T>& W1 = affine1->W.data();
  const Tensor<T>& b1 = affine1->b.data();
  const Tensor<T>& W2 = affine2->W.data();
  const Tensor<T>& b2 = affine2->b.data();
  const std::size_t d = W1.shape()[0], hidden = W1.shape()[1], out = W2.shape()[1];

  Tensor<double> xd = to_double(x.data());
  if (xd.dimension() > 2) xd.reshape({xd.shape()[0], xd.size() / xd.shape()[0]});  // as Linear flattens
  ProbeCache cache(xd, Variable<double>(to_double(W1)), Variable<double>(to_double(b1)),
                   Variable<double>(to_double(W2)), Variable<double>(to_double(b2)), labels);
  const std::size_t n = xd.shape()[0];
  const SparseColumns xcols(xd.data(), n, d);
  const SparseColumns acols(cache.a1(), n, hidden);

  // Central difference of one element: the perturbed values are what the full-forward version
  // stores (static_cast<T>(θ ± h)), applied as a change of (perturbed − θ) to the cache.
  auto central = [h](T saved, const char* name, std::size_t index, auto&& loss_moved_by) {
    const double plus = loss_moved_by(double(static_cast<T>(saved + h)) - double(saved));
    const double minus = loss_moved_by(double(static_cast<T>(saved - h)) - double(saved));
    if (!std::isfinite(plus) || !std::isfinite(minus)) {
      throw std::domain_error(std::string("TwoLayerNet::numerical_gradient: loss is not finite when ") + name + "[" +
                              std::to_string(index) + "] is perturbed by ±h");
    }
    return static_cast<T>((plus - minus) / (2 * h));
  };

  GradMap<T> grads;
  Tensor<T> gW1 = Tensor<T>::from_shape(W1.shape());
  for (std::size_t i = 0; i < d; ++i) {
    // A column of x that is zero in every row leaves Z1 unchanged: plus == minus, gradient exactly 0.
    const std::size_t* rows = xcols.row.data() + xcols.start[i];
    const double* vals = xcols.value.data() + xcols.start[i];
    for (std::size_t j = 0; j < hidden; ++j) {
      gW1.data()[i * hidden + j] = central(W1.data()[i * hidden + j], "W1", i * hidden + j, [&](double delta) {
        return cache.hidden_probe(j, delta, rows, vals, xcols.count(i));
      });
    }
  }
  Tensor<T> gb1 = Tensor<T>::from_shape(b1.shape());
  for (std::size_t j = 0; j < hidden; ++j) {
    gb1.data()[j] = central(b1.data()[j], "b1", j, [&](double delta) {
      return cache.hidden_probe(j, delta, cache.all_rows(), cache.ones(), n);
    });
  }
  Tensor<T> gW2 = Tensor<T>::from_shape(W2.shape());
  for (std::size_t j = 0; j < hidden; ++j) {
    const std::size_t* rows = acols.row.data() + acols.start[j];
    const double* vals = acols.value.data() + acols.start[j];
    for (std::size_t k = 0; k < out; ++k) {
      gW2.data()[j * out + k] = central(W2.data()[j * out + k], "W2", j * out + k, [&](double delta) {
        return cache.output_probe(k, delta, rows, vals, acols.count(j));
      });
    }
  }
  Tensor<T> gb2 = Tensor<T>::from_shape(b2.shape());
  for (std::size_t k = 0; k < out; ++k) {
    gb2.data()[k] = central(b2.data()[k], "b2", k, [&](double delta) {
      return cache.output_probe(k, delta, cache.all_rows(), cache.ones(), n);
    });
  }
  grads.emplace("W1", std::move(gW1));
  grads.emplace("b1", std::move(gb1));
  grads.emplace("W2", std::move(gW2));
  grads.emplace("b2", std::move(gb2));
  return grads;
}

template GradMap<float> TwoLayerNet<float>::numerical_gradient(const Variable<float>&, const std::vector<std::size_t>&,
                                                               double);
template GradMap<double> TwoLayerNet<double>::numerical_gradient(const Variable<double>&,
                                                                 const std::vector<std::size_t>&, double);

}  // namespace minidl::models
