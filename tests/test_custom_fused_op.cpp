// The fused custom op of docs/custom_layer.md section 5, compiled as written there: an op built on
// the raw kernels with a recorded fused backward and hand-written second derivatives, checked by
// gradcheck, gradgradcheck and against the same function composed from ops.
#include <catch2/catch.hpp>

#include <minidl/minidl.hpp>

using namespace minidl;

namespace {

/// y = tanh(a) ⊙ σ(g), a and g of one shape.
template <typename T>
std::vector<Variable<T>> gated_tanh_backward(const Variable<T>& gy, const Variable<T>& a, const Variable<T>& g);

template <typename T>
Variable<T> gated_tanh(const Variable<T>& a, const Variable<T>& g) {
  Tensor<T> t, s;
  kernels::tanh(a.data(), t);     // one vectorised pass each
  kernels::sigmoid(g.data(), s);
  Tensor<T> y = t * s;
  return record<T>("gated_tanh", std::move(y), {a, g},
                   [](const Inputs<T>& in, const Variable<T>&, const Variable<T>& gy) {
                     return gated_tanh_backward(gy, in[0], in[1]);
                   });
}

/// ga = gy ⊙ σ(g) ⊙ (1 − tanh²a), gg = gy ⊙ tanh(a) ⊙ σ(g)(1 − σ(g)): two outputs, one op.
template <typename T>
std::vector<Variable<T>> gated_tanh_backward(const Variable<T>& gy, const Variable<T>& a, const Variable<T>& g) {
  Tensor<T> t, s, ga, gg;
  kernels::tanh(a.data(), t);
  kernels::sigmoid(g.data(), s);
  Tensor<T> gys = gy.data() * s, gyt = gy.data() * t;
  kernels::tanh_backward(gys, t, ga);     // gy·s·(1 − t²)
  kernels::sigmoid_backward(gyt, s, gg);  // gy·t·s·(1 − s)
  return record_multi<T>("gated_tanh_backward", {std::move(ga), std::move(gg)}, {gy, a, g},
      [](const Inputs<T>& in, const std::vector<Variable<T>>&, const std::vector<Variable<T>>& U) {
        // Second derivatives of L = <Ua, ga> + <Ug, gg>, with Variable ops (written once).
        const Variable<T> t = tanh(in[1]), s = sigmoid(in[2]);
        const Variable<T> dt = 1.0 - t * t, ds = s * (1.0 - s);
        const Variable<T> Ua = U[0].defined() ? U[0] : zeros<T>(in[1].shape());
        const Variable<T> Ug = U[1].defined() ? U[1] : zeros<T>(in[2].shape());
        const Variable<T>& gy = in[0];
        return Grads<T>{Ua * s * dt + Ug * t * ds,                               // d/dgy
                        Ua * gy * s * (-2.0 * t) * dt + Ug * gy * dt * ds,       // d/da
                        Ua * gy * dt * ds + Ug * gy * t * ds * (1.0 - 2.0 * s)}; // d/dg
      });
}

}  // namespace

TEST_CASE("the fused custom op of docs/custom_layer.md: gradients to third order", "[custom][kernels]") {
  Generator gen(5);
  const Var64 a = uniform<double>({3, 4}, gen, -2, 2, true), g = uniform<double>({3, 4}, gen, -2, 2, true);
  auto op = [](const std::vector<Var64>& in) { return gated_tanh(in[0], in[1]); };
  const Var64 fused = op({a, g}), composed = mul(tanh(a), sigmoid(g));
  CHECK(max_abs_diff(fused, composed) < 1e-15);
  const GradcheckReport first = gradcheck(op, {a, g});
  INFO(first.str());
  CHECK(first.passed);
  const GradcheckReport second = gradgradcheck(op, {a, g});
  INFO(second.str());
  CHECK(second.passed);
  const Var64 gy = uniform<double>({3, 4}, gen, -1, 1, true);
  auto backward_op = joined_outputs([](const std::vector<Var64>& in) { return gated_tanh_backward(in[0], in[1], in[2]); });
  const GradcheckReport third = gradgradcheck(backward_op, {gy, a, g});
  INFO(third.str());
  CHECK(third.passed);
  // The fused gradient equals the composed one.
  const std::vector<Var64> gf = grad<double>({sum(fused)}, {a, g}), gc = grad<double>({sum(composed)}, {a, g});
  CHECK(allclose(gf[0], gc[0], 1e-13, 1e-15));
  CHECK(allclose(gf[1], gc[1], 1e-13, 1e-15));
}
