// A downstream program, as a user of minidl writes one: it includes only the umbrella header and a
// model, trains a tiny MLP for a few SGD steps on two separable blobs and exits with 0 only when
// the loss fell. The consumer tests build it three ways (find_package, add_subdirectory,
// pkg-config + plain g++) to prove that each way of consuming the library links and runs.
#include <cstdio>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/models/mlp.hpp>

int main() {
  std::printf("consumer built against minidl %s\n", minidl::kVersionString);
  minidl::Generator gen(7);
  // 32 points in 2-D: class 0 around (-1,-1), class 1 around (+1,+1).
  const std::size_t n = 32;
  auto x = minidl::randn<float>({n, 2}, gen, 0.0, 0.3);
  std::vector<std::size_t> labels(n);
  for (std::size_t i = 0; i < n; ++i) {
    labels[i] = i % 2;
    const float centre = labels[i] == 0 ? -1.0f : 1.0f;
    x.data()(i, 0) += centre;
    x.data()(i, 1) += centre;
  }
  minidl::models::MLP<float> net({2, 8, 2}, gen);
  minidl::SGD<float> opt(net.parameters(), 0.5);
  float first = 0.0f, last = 0.0f;
  for (int step = 0; step < 20; ++step) {
    net.zero_grad();
    auto loss = minidl::softmax_cross_entropy(net(x), labels);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  return last < 0.5f * first ? 0 : 1;
}
