#include "minidl/ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include "minidl/core/record.hpp"
#include "minidl/detail/buffer_pool.hpp"
#include "minidl/detail/small_object_pool.hpp"
#include "minidl/detail/finite.hpp"
#include "minidl/ops/arithmetic.hpp"
#include "minidl/ops/broadcasting.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/reduction.hpp"
#include "minidl/ops/softmax.hpp"

namespace minidl {
namespace {

constexpr double kLogEps = 1e-7;  // the book's delta inside log(y + delta)

// Throws std::domain_error when a loss value is NaN/inf, naming the first non-finite input element
// (or `hint` when every input is finite). Only the failing path scans the inputs. Each input comes
// with the phrase that introduces it ("logits contain").
template <typename T>
void check_loss(const char* op, double loss, std::initializer_list<std::pair<const char*, const Tensor<T>*>> inputs,
                const std::string& hint = {}) {
  if (std::isfinite(loss)) return;
  std::string what = std::string(op) + ": loss is " + (std::isnan(loss) ? "NaN" : "inf") + " (";
  for (const auto& [name, t] : inputs) {
    const std::size_t i = detail::first_non_finite(*t);
    if (i < t->size()) {
      const T v = t->data()[i];
      const char* kind = std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf");
      throw std::domain_error(what + name + " " + kind + " at " + detail::flat_index_str(i, to_shape(t->shape())) + ")");
    }
  }
  throw std::domain_error(what + (hint.empty() ? std::string("inputs are finite") : hint) + ")");
}

void check_same_shape(const char* op, const char* a, const Shape& as, const char* b, const Shape& bs) {
  if (as != bs) {
    throw std::invalid_argument(std::string(op) + ": " + a + " " + shape_str(as) + " and " + b + " " + shape_str(bs) +
                                " must have the same shape");
  }
}

// Batch size N and class count C for a (C) or (N,C) input.
struct BatchShape {
  std::size_t n, c;
};

// S: a Shape or a tensor's own shape type (read in place, no copy).
template <typename S>
BatchShape batch_of(const char* op, const char* name, const S& s) {
  if (s.size() == 1) return {1, s[0]};
  if (s.size() == 2) return {s[0], s[1]};
  throw std::invalid_argument(std::string(op) + ": " + name + " must be (C) or (N,C), got " + shape_str(to_shape(s)));
}

template <typename S>
void check_labels(const char* op, const char* name, const S& shape, const BatchShape& b,
                  const std::vector<std::size_t>& labels) {
  if (labels.size() != b.n) {
    throw std::invalid_argument(std::string(op) + ": " + std::to_string(labels.size()) + " labels for a batch of " +
                                std::to_string(b.n) + " (" + name + " " + shape_str(to_shape(shape)) + ")");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= b.c) {
      throw std::invalid_argument(std::string(op) + ": label " + std::to_string(labels[i]) + " at index " +
                                  std::to_string(i) + " is out of range for " + std::to_string(b.c) + " classes (" +
                                  name + " " + shape_str(to_shape(shape)) + ")");
    }
  }
}

// A constant (N,C) or (C) one-hot tensor for the labels.
template <typename T>
Variable<T> onehot_const(const Shape& s, std::size_t classes, const std::vector<std::size_t>& labels) {
  Tensor<T> t = zeros_tensor<T>(s);
  for (std::size_t i = 0; i < labels.size(); ++i) t.data()[i * classes + labels[i]] = T(1);
  return Variable<T>(std::move(t));
}

template <typename T>
Variable<T> scalar_tensor(double v) {
  return Variable<T>(full_tensor<T>({}, static_cast<T>(v)));
}

}  // namespace

// ---- squared errors ------------------------------------------------------------------------------

template <typename T>
Variable<T> sum_squared_error(const Variable<T>& y, const Variable<T>& t) {
  check_same_shape("sum_squared_error", "y", y.shape(), "t", t.shape());
  const T* py = y.data().data();
  const T* pt = t.data().data();
  double acc = 0;  // double accumulator: a float sum over a large batch drifts
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double d = double(py[i]) - double(pt[i]);
    acc += d * d;
  }
  const double loss = 0.5 * acc;
  check_loss<T>("sum_squared_error", loss, {{"y contains", &y.data()}, {"t contains", &t.data()}});
  return record<T>("sum_squared_error", full_tensor<T>({}, static_cast<T>(loss)), {y, t},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const Variable<T> gd = mul(sub(in[0], in[1]), gy);  // (y − t)·gy, gy 0-d broadcast
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = gd;
                     if (in[1].requires_grad()) g[1] = neg(gd);
                     return g;
                   });
}

template <typename T>
Variable<T> mean_squared_error(const Variable<T>& y, const Variable<T>& t) {
  check_same_shape("mean_squared_error", "y", y.shape(), "t", t.shape());
  const T* py = y.data().data();
  const T* pt = t.data().data();
  const std::size_t n = y.size();
  double acc = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double d = double(py[i]) - double(pt[i]);
    acc += d * d;
  }
  const double loss = n ? acc / double(n) : 0.0;
  check_loss<T>("mean_squared_error", loss, {{"y contains", &y.data()}, {"t contains", &t.data()}});
  return record<T>("mean_squared_error", full_tensor<T>({}, static_cast<T>(loss)), {y, t},
                   [n](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const Variable<T> gd = mul(sub(in[0], in[1]), mul_scalar(gy, 2.0 / double(n)));
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = gd;
                     if (in[1].requires_grad()) g[1] = neg(gd);
                     return g;
                   });
}

// ---- cross-entropy on probabilities -------------------------------------------------------------

// The hint for a NaN/inf cross-entropy whose inputs are finite: log of y + 1e-7 <= 0.
template <typename T>
std::string nonpositive_hint(const Tensor<T>& y) {
  const T* p = y.data();
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (!(double(p[i]) + kLogEps > 0)) {
      return "y + 1e-7 <= 0 at " + detail::flat_index_str(i, to_shape(y.shape())) + ": y must be probabilities";
    }
  }
  return "inputs are finite";
}

template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const Variable<T>& t) {
  const char* op = "cross_entropy_error";
  const Shape ys = y.shape();
  check_same_shape(op, "y", ys, "t", t.shape());
  const BatchShape b = batch_of(op, "y", ys);
  const T* py = y.data().data();
  const T* pt = t.data().data();
  double acc = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    if (pt[i] != T(0)) acc += double(pt[i]) * std::log(double(py[i]) + kLogEps);  // skip 0·log: one-hot is sparse
  }
  const double loss = -acc / double(b.n);
  if (!std::isfinite(loss)) {
    check_loss<T>(op, loss, {{"y contains", &y.data()}, {"t contains", &t.data()}}, nonpositive_hint(y.data()));
  }
  const double inv_n = 1.0 / double(b.n);
  return record<T>(op, full_tensor<T>({}, static_cast<T>(loss)), {y, t},
                   [inv_n](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     const Variable<T> scale = mul_scalar(gy, -inv_n);  // −gy/N, 0-d
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = mul(div(in[1], add_scalar(in[0], kLogEps)), scale);
                     if (in[1].requires_grad()) g[1] = mul(log(add_scalar(in[0], kLogEps)), scale);
                     return g;
                   });
}

template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const std::vector<std::size_t>& labels) {
  const char* op = "cross_entropy_error";
  const Shape ys = y.shape();
  const BatchShape b = batch_of(op, "y", ys);
  check_labels(op, "y", ys, b, labels);
  const T* py = y.data().data();
  double acc = 0;
  for (std::size_t i = 0; i < b.n; ++i) acc += std::log(double(py[i * b.c + labels[i]]) + kLogEps);
  const double loss = -acc / double(b.n);
  if (!std::isfinite(loss)) check_loss<T>(op, loss, {{"y contains", &y.data()}}, nonpositive_hint(y.data()));
  const double inv_n = 1.0 / double(b.n);
  return record<T>(op, full_tensor<T>({}, static_cast<T>(loss)), {y},
                   [inv_n, labels, c = b.c](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     // −onehot/(y + 1e-7) · gy/N: nonzero only at the labels, still differentiable in y.
                     const Variable<T> onehot = onehot_const<T>(in[0].shape(), c, labels);
                     return make_grads<T>({mul(div(onehot, add_scalar(in[0], kLogEps)), mul_scalar(gy, -inv_n))});
                   });
}

template <typename T>
Variable<T> cross_entropy_error(const Variable<T>& y, const IndexTensor& labels) {
  const char* op = "cross_entropy_error";
  const Shape ys = y.shape();
  const Shape ls = to_shape(labels.shape());
  const bool single = ys.size() == 1 && (ls.empty() || ls == Shape{1});
  const bool batch = ys.size() == 2 && ls == Shape{ys[0]};
  if (!single && !batch) {
    throw std::invalid_argument(std::string(op) + ": labels " + shape_str(ls) + " do not fit y " + shape_str(ys) +
                                ": expected (N) labels for (N,C), or one label for (C)");
  }
  std::vector<std::size_t> positions(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const Index id = labels.data()[i];
    if (id < 0) {
      throw std::invalid_argument(std::string(op) + ": label " + std::to_string(id) + " at " +
                                  detail::flat_index_str(i, ls) + " is negative (y " + shape_str(ys) + ")");
    }
    positions[i] = static_cast<std::size_t>(id);
  }
  return cross_entropy_error(y, positions);
}

// ---- fused softmax + cross-entropy --------------------------------------------------------------

namespace {

// The gradient of softmax-cross-entropy as a recorded op, with inputs {gy, logits, t}:
//   gx = (p·S − t)·gy/N,   p = softmax(logits) (cached by the forward), S_i = Σ_j t_ij
// (S = 1 for one-hot labels). Its backward, with k = gy/N:
//   d/dgy = Σ G·(p·S − t)/N        (this op again, with gy = 1)
//   d/dlogits = k · softmax_vjp(p, G·S)
//   d/dt = k · (Σ_j G_ij p_ij − G)
template <typename T>
Variable<T> softmax_cross_entropy_backward(const Variable<T>& gy, const Variable<T>& logits, const Variable<T>& t,
                                           const std::shared_ptr<const Tensor<T>>& probs, double inv_n) {
  const std::size_t c = logits.data().shape().back();
  Tensor<T> gx = *probs;  // one allocation: the gradient is written over a copy of p
  T* pg = gx.data();
  const T* tt = t.data().data();
  const T scale = static_cast<T>(double(gy.item()) * inv_n);
  for (std::size_t r = 0; r < gx.size() / c; ++r) {
    T s = 0;
    for (std::size_t j = 0; j < c; ++j) s += tt[r * c + j];
    for (std::size_t j = 0; j < c; ++j) pg[r * c + j] = (pg[r * c + j] * s - tt[r * c + j]) * scale;
  }
  return record<T>("softmax_cross_entropy_backward", std::move(gx), {gy, logits, t},
                   [probs, inv_n](const Inputs<T>& in, const Variable<T>&, const Variable<T>& G) {
                     Shape row_sums = in[1].shape();
                     row_sums.back() = 1;
                     const Variable<T> k = mul_scalar(in[0], inv_n);
                     Grads<T> g = make_grads<T>(3);
                     if (in[0].requires_grad()) {
                       const Variable<T> per_unit_gy =
                           softmax_cross_entropy_backward(scalar_tensor<T>(1.0), in[1], in[2], probs, inv_n);
                       g[0] = sum(mul(G, per_unit_gy));
                     }
                     if (in[1].requires_grad() || in[2].requires_grad()) {
                       const Variable<T> p = softmax(in[1], -1);
                       if (in[1].requires_grad()) g[1] = mul(softmax_vjp(p, mul(G, sum_to(in[2], row_sums)), -1), k);
                       if (in[2].requires_grad()) g[2] = mul(sub(sum_to(mul(G, p), row_sums), G), k);
                     }
                     return g;
                   });
}

}  // namespace

namespace {

// What the backward of softmax_cross_entropy with class labels keeps: the forward's probabilities
// and a copy of the labels (the caller's vector may change before backward), in one small-object
// block with the labels in a pooled buffer, so a steady-state step allocates nothing for them.
template <typename T>
struct SavedForLabels {
  Tensor<T> probs;
  PooledArray<std::size_t> labels;
};

}  // namespace

template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const std::vector<std::size_t>& labels) {
  const char* op = "softmax_cross_entropy";
  const auto& xs = logits.data().shape();
  const BatchShape b = batch_of(op, "logits", xs);
  check_labels(op, "logits", xs, b, labels);
  // log p = x − m − log Σ exp(x − m), per row (the max is subtracted inside the kernel). The
  // probabilities come from the same exponentials, kept for backward only when it will run.
  std::shared_ptr<SavedForLabels<T>> saved;
  if (will_record<T>({logits})) {
    saved = std::allocate_shared<SavedForLabels<T>>(detail::SmallObjectAllocator<SavedForLabels<T>>());
    saved->labels = PooledArray<std::size_t>(labels.size());
    std::copy(labels.begin(), labels.end(), saved->labels.data());
  }
  const Tensor<T> logp = log_softmax_tensor(logits.data(), -1, op, saved ? &saved->probs : nullptr);
  const T* lp = logp.data();
  double acc = 0;
  for (std::size_t i = 0; i < b.n; ++i) acc -= double(lp[i * b.c + labels[i]]);
  const double loss = acc / double(b.n);
  check_loss<T>(op, loss, {{"logits contain", &logits.data()}});
  const double inv_n = 1.0 / double(b.n);
  return record<T>(op, full_tensor<T>({}, static_cast<T>(loss)), {logits},
                   [saved, inv_n, c = b.c](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Tensor<T> onehot = Tensor<T>::from_shape(in[0].data().shape());
                     onehot.fill(T(0));
                     const std::size_t* l = saved->labels.data();
                     for (std::size_t i = 0; i < saved->labels.size(); ++i) onehot.data()[i * c + l[i]] = T(1);
                     // The probabilities shared through the saved block: no copy, no allocation.
                     const std::shared_ptr<const Tensor<T>> probs(saved, &saved->probs);
                     return make_grads<T>(
                         {softmax_cross_entropy_backward(gy, in[0], Variable<T>(std::move(onehot)), probs, inv_n)});
                   });
}

template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const IndexTensor& labels, Index ignore_index) {
  const char* op = "softmax_cross_entropy";
  const Shape xs = logits.shape();
  const Shape ls = to_shape(labels.shape());
  if (xs.empty() || ls.size() + 1 != xs.size() || !std::equal(ls.begin(), ls.end(), xs.begin())) {
    throw std::invalid_argument(std::string(op) + ": labels " + shape_str(ls) + " must be the logits' shape " +
                                shape_str(xs) + " without its last (class) axis");
  }
  const std::size_t c = xs.back(), rows = labels.size();
  const Index* pl = labels.data();
  std::size_t kept = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    if (pl[i] == ignore_index) continue;
    if (pl[i] < 0 || static_cast<std::size_t>(pl[i]) >= c) {
      throw std::invalid_argument(std::string(op) + ": label " + std::to_string(pl[i]) + " at " +
                                  detail::flat_index_str(i, ls) + " is out of range for " + std::to_string(c) +
                                  " classes and is not ignore_index " + std::to_string(ignore_index) + " (logits " +
                                  shape_str(xs) + ")");
    }
    ++kept;
  }
  std::shared_ptr<Tensor<T>> probs;
  if (will_record<T>({logits})) probs = std::make_shared<Tensor<T>>();
  const Tensor<T> logp = log_softmax_tensor(logits.data(), -1, op, probs.get());
  const T* lp = logp.data();
  double acc = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    if (pl[i] != ignore_index) acc -= double(lp[i * c + static_cast<std::size_t>(pl[i])]);
  }
  // Nothing kept: loss 0 and, through inv_n = 0, a zero gradient.
  const double inv_n = kept ? 1.0 / double(kept) : 0.0;
  const double loss = acc * inv_n;
  check_loss<T>(op, loss, {{"logits contain", &logits.data()}});
  std::shared_ptr<const Tensor<T>> cached = std::move(probs);
  auto shared_labels = std::make_shared<const IndexTensor>(labels);
  return record<T>(op, full_tensor<T>({}, static_cast<T>(loss)), {logits},
                   [cached, shared_labels, ignore_index, inv_n, c](const Inputs<T>& in, const Variable<T>&,
                                                                    const Variable<T>& gy) {
                     // One-hot rows for kept positions, zero rows for ignored ones: the shared
                     // backward's (p·Σt − t) is then exactly zero there.
                     Tensor<T> t = zeros_tensor<T>(in[0].shape());
                     const Index* l = shared_labels->data();
                     for (std::size_t i = 0; i < shared_labels->size(); ++i) {
                       if (l[i] != ignore_index) t.data()[i * c + static_cast<std::size_t>(l[i])] = T(1);
                     }
                     return make_grads<T>(
                         {softmax_cross_entropy_backward(gy, in[0], Variable<T>(std::move(t)), cached, inv_n)});
                   });
}

template <typename T>
Variable<T> softmax_cross_entropy(const Variable<T>& logits, const Variable<T>& t) {
  const char* op = "softmax_cross_entropy";
  const Shape xs = logits.shape();
  check_same_shape(op, "logits", xs, "t", t.shape());
  const BatchShape b = batch_of(op, "logits", xs);
  std::shared_ptr<Tensor<T>> probs;
  if (will_record<T>({logits, t})) probs = std::make_shared<Tensor<T>>();
  const Tensor<T> logp = log_softmax_tensor(logits.data(), -1, op, probs.get());
  const T* lp = logp.data();
  const T* pt = t.data().data();
  double acc = 0;
  for (std::size_t k = 0; k < logp.size(); ++k) {
    if (pt[k] != T(0)) acc -= double(pt[k]) * double(lp[k]);  // 0·(−inf) must not poison the sum
  }
  const double loss = acc / double(b.n);
  check_loss<T>(op, loss, {{"logits contain", &logits.data()}, {"targets contain", &t.data()}});

  const double inv_n = 1.0 / double(b.n);
  std::shared_ptr<const Tensor<T>> cached = std::move(probs);
  return record<T>(op, full_tensor<T>({}, static_cast<T>(loss)), {logits, t},
                   [cached, inv_n](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     Grads<T> g = make_grads<T>(2);
                     if (in[0].requires_grad()) g[0] = softmax_cross_entropy_backward(gy, in[0], in[1], cached, inv_n);
                     if (in[1].requires_grad()) g[1] = mul(log_softmax(in[0], -1), mul_scalar(gy, -inv_n));
                     return g;
                   });
}

#define MINIDL_INSTANTIATE(T)                                                                         \
  template Variable<T> sum_squared_error<T>(const Variable<T>&, const Variable<T>&);                  \
  template Variable<T> mean_squared_error<T>(const Variable<T>&, const Variable<T>&);                 \
  template Variable<T> cross_entropy_error<T>(const Variable<T>&, const Variable<T>&);                \
  template Variable<T> cross_entropy_error<T>(const Variable<T>&, const std::vector<std::size_t>&);   \
  template Variable<T> softmax_cross_entropy<T>(const Variable<T>&, const std::vector<std::size_t>&); \
  template Variable<T> softmax_cross_entropy<T>(const Variable<T>&, const Variable<T>&);                \
  template Variable<T> softmax_cross_entropy<T>(const Variable<T>&, const IndexTensor&, Index);                \
  template Variable<T> cross_entropy_error<T>(const Variable<T>&, const IndexTensor&);

MINIDL_INSTANTIATE(float)
MINIDL_INSTANTIATE(double)

}  // namespace minidl
