// models/simple_conv_net and models/deep_conv_net: layer shapes and parameter names, a float64
// gradient check through a whole (small) SimpleConvNet, dropout only in train mode, and — when
// data/mnist exists — a briefly trained SimpleConvNet that reloads from its checkpoint and scores
// exactly the same.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>

#include <minidl/check/catch_gradcheck.hpp>
#include <minidl/minidl.hpp>
#include <minidl/optim/adam.hpp>

#include <minidl/models/deep_conv_net.hpp>
#include <minidl/models/simple_conv_net.hpp>

using namespace minidl;

namespace {

std::vector<std::string> names(const Module<float>& m) {
  std::vector<std::string> out;
  for (const auto& [name, p] : m.named_parameters()) out.push_back(name + " " + shape_str(p.shape()));
  return out;
}

// Logits of the whole set in eval mode, one (N,10) tensor per batch of 250.
std::vector<Tensor<float>> all_logits(Module<float>& model, const Dataset<float>& data) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<Tensor<float>> out;
  DataLoader<float> loader(data, {250, Sampling::sequential});
  for (const auto& batch : loader) out.push_back(model(batch.input).data());
  model.train();
  return out;
}

// Accuracy of logits computed by all_logits.
double accuracy_of(const std::vector<Tensor<float>>& logits, const Dataset<float>& data) {
  std::size_t correct = 0, row = 0;
  for (const auto& l : logits) {
    std::vector<std::size_t> labels;
    for (std::size_t i = 0; i < l.shape()[0]; ++i) labels.push_back(data.label(row++));
    correct += count_correct(l, labels);
  }
  return static_cast<double>(correct) / static_cast<double>(data.size());
}

}  // namespace

TEST_CASE("SimpleConvNet: the book's layers and parameter shapes", "[models][cnn]") {
  Generator gen(1);
  models::SimpleConvNet<float> net(gen);
  REQUIRE(names(net) == std::vector<std::string>{"conv1.W (30,1,5,5)", "conv1.b (30)", "fc1.W (4320,100)",
                                                 "fc1.b (100)", "fc2.W (100,10)", "fc2.b (10)"});
  REQUIRE(net.num_parameters() == 30 * 25 + 30 + 4320 * 100 + 100 + 100 * 10 + 10);
  const Variable<float> logits = net(zeros<float>({3, 1, 28, 28}));
  REQUIRE(logits.shape() == Shape{3, 10});
  // fc1 reads the pooled, ReLU'd map itself, as the book's Affine does: no reshape copy between, and
  // the ReLU runs inside the convolution's op.
  const Variable<float> fc1 = logits.inputs().at(0).inputs().at(0);
  REQUIRE(std::string(fc1.op()) == "linear");
  CHECK(std::string(fc1.inputs().at(0).op()) == "conv2d_max_pool2d_relu");
  CHECK(fc1.inputs().at(0).shape() == Shape{3, 30, 12, 12});
  {
    // One filter and one pooled row, (N,1,1,3): Linear alone would read that as rows of the last
    // axis, so the model flattens explicitly and still gives (N, classes).
    models::SimpleConvNetConfig one;
    one.height = 6;
    one.width = 10;
    one.filter_num = 1;
    models::SimpleConvNet<float> narrow(gen, one);
    CHECK(narrow(zeros<float>({2, 1, 6, 10})).shape() == Shape{2, 10});
  }
  REQUIRE_THROWS_WITH(net(zeros<float>({3, 2, 28, 28})), Catch::Contains("conv2d_max_pool2d_relu: input (N,C,H,W)=(3,2,28,28)"));
  models::SimpleConvNetConfig tiny;
  tiny.height = tiny.width = 4;
  REQUIRE_THROWS_AS(models::SimpleConvNet<float>(gen, tiny), std::invalid_argument);
}

TEMPLATE_TEST_CASE("SimpleConvNet: pooling before ReLU gives exactly the book's Relu-then-Pooling values and gradients",
                   "[models][cnn]", float, double) {
  using T = TestType;
  Generator gen(9);
  models::SimpleConvNetConfig c;
  c.height = c.width = 10;
  c.filter_num = 4;
  c.filter_size = 3;
  c.hidden = 8;
  models::SimpleConvNet<T> net(gen, c);
  // The book's order, sharing the very same parameter Variables.
  const auto params = net.named_parameters();
  auto param = [&](const std::string& name) {
    for (const auto& [n, p] : params)
      if (n == name) return p;
    FAIL("no parameter " << name);
    return Variable<T>();
  };
  auto book = [&](const Variable<T>& x) {
    auto h = max_pool2d(relu(conv2d(x, param("conv1.W"), param("conv1.b"), 1, 0)), 2, 2, 2);
    h = relu(linear(flatten(h, 1), param("fc1.W"), param("fc1.b")));
    return linear(h, param("fc2.W"), param("fc2.b"));
  };
  Tensor<T> xt = randn_tensor<T>({3, 1, 10, 10}, gen);
  // Windows whose maximum is negative or exactly 0, and ties at the maximum, in the conv output.
  for (std::size_t i = 0; i < 20; ++i) xt.data()[i] = T(0);
  for (std::size_t i = 100; i < 130; ++i) xt.data()[i] = T(-1);
  const std::vector<std::size_t> labels{1, 7, 3};

  auto grads_of = [&](auto&& forward) {
    for (const auto& [n, p] : params) p.clear_grad();
    Variable<T> x(xt);
    Variable<T> logits = forward(x);
    softmax_cross_entropy(logits, labels).backward();
    std::vector<Tensor<T>> out{logits.data()};
    for (const auto& [n, p] : params) out.push_back(p.grad().data());
    return out;
  };
  const auto ours = grads_of([&](const Variable<T>& x) { return net(x); });
  const auto theirs = grads_of(book);
  REQUIRE(ours.size() == theirs.size());
  for (std::size_t k = 0; k < ours.size(); ++k) {
    INFO("tensor " << k << " (0: logits, then the parameter gradients in order)");
    REQUIRE(ours[k].size() == theirs[k].size());
    for (std::size_t i = 0; i < ours[k].size(); ++i) REQUIRE(ours[k].data()[i] == theirs[k].data()[i]);
  }
}

TEST_CASE("SimpleConvNet: float64 gradcheck through the whole network", "[models][cnn][gradcheck]") {
  Generator gen(2);
  models::SimpleConvNetConfig c;
  c.height = 7;
  c.width = 6;
  c.filter_num = 3;
  c.filter_size = 3;
  c.pad = 1;
  c.hidden = 5;
  c.classes = 4;
  models::SimpleConvNet<double> net(gen, c);
  auto x = uniform<double>({3, 1, 7, 6}, gen, -1, 1, true);
  const std::vector<std::size_t> labels{0, 3, 2};
  std::vector<Var64> inputs{x};
  for (const auto& p : net.parameters()) inputs.push_back(p);
  MINIDL_REQUIRE_GRADCHECK([&](const std::vector<Var64>& v) { return softmax_cross_entropy(net(v[0]), labels); }, inputs);
}

TEST_CASE("DeepConvNet: the book's chapter-8 layers; dropout only in train mode", "[models][cnn]") {
  Generator gen(3);
  models::DeepConvNet<float> net(gen);
  REQUIRE(names(net) == std::vector<std::string>{
                            "conv1.W (16,1,3,3)", "conv1.b (16)", "conv2.W (16,16,3,3)", "conv2.b (16)",
                            "conv3.W (32,16,3,3)", "conv3.b (32)", "conv4.W (32,32,3,3)", "conv4.b (32)",
                            "conv5.W (64,32,3,3)", "conv5.b (64)", "conv6.W (64,64,3,3)", "conv6.b (64)",
                            "fc1.W (1024,50)", "fc1.b (50)", "fc2.W (50,10)", "fc2.b (10)"});
  // He init: conv4's std is sqrt(2 / (32*3*3)).
  double s2 = 0;
  const Tensor<float>& w4 = net.named_parameters()[6].second.data();
  for (float w : w4) s2 += double(w) * w;
  REQUIRE(std::sqrt(s2 / w4.size()) == Approx(std::sqrt(2.0 / 288)).epsilon(0.05));

  auto x = uniform<float>({2, 1, 28, 28}, gen, 0, 1);
  net.eval();
  const Tensor<float> a = net(x).data(), b = net(x).data();
  REQUIRE(a.shape() == std::vector<std::size_t>{2, 10});
  const bool deterministic = a == b;  // no dropout in eval mode
  REQUIRE(deterministic);
  net.train();
  const Tensor<float> c = net(x).data();
  const bool changed = c != a;  // fresh dropout masks
  REQUIRE(changed);
  std::size_t zeros_seen = 0;
  for (float v : c) zeros_seen += v == 0.f;
  REQUIRE(zeros_seen > 0);  // the final dropout zeroes some logits
}

TEST_CASE("SimpleConvNet: a trained checkpoint reloads to the same accuracy", "[models][cnn][checkpoint][real]") {
  std::string dir;
  for (const char* d : {"data/mnist", "../data/mnist"})
    if (std::filesystem::exists(std::string(d) + "/train-images-idx3-ubyte")) dir = d;
  if (dir.empty()) {
    WARN("data/mnist not found: skipping (fetch with bash scripts/fetch_mnist.sh)");
    return;
  }
  const MnistData mnist = load_mnist(dir);
  ImageFormat format;
  format.flatten = false;
  ByteImageDataset<float> train(first_items(mnist.train, 2000), format), test(first_items(mnist.test, 500), format);
  REQUIRE(train.item_shape() == Shape{1, 28, 28});

  Generator gen(7);
  models::SimpleConvNet<float> net(gen);
  Adam<float> adam(net.parameters(), 0.001);
  LoaderOptions lo;
  lo.batch_size = 100;
  lo.seed = 7;
  DataLoader<float> loader(train, lo);
  loader.start_epoch();
  for (std::size_t i = 0; i < loader.num_batches(); ++i) {  // one epoch: 20 steps
    const Batch<float>& batch = loader.batch(i);
    adam.zero_grad();
    softmax_cross_entropy(net(batch.input), batch.labels).backward();
    adam.step();
  }
  const auto trained = all_logits(net, test);
  const double acc = accuracy_of(trained, test);
  INFO("accuracy after one epoch on 2000 images: " << acc);
  REQUIRE(acc > 0.7);  // 20 Adam steps on 2000 images already learn most digits

  const std::string path =
      (std::filesystem::temp_directory_path() / ("minidl_cnn_" + std::to_string(::getpid()) + ".ckpt")).string();
  save_checkpoint(net, path);
  Generator other(999);
  models::SimpleConvNet<float> fresh(other);
  REQUIRE(accuracy_of(all_logits(fresh, test), test) != acc);  // untrained: the load must matter
  load_checkpoint(fresh, path);
  std::filesystem::remove(path);
  const auto reloaded = all_logits(fresh, test);
  REQUIRE(accuracy_of(reloaded, test) == acc);  // exactly: same weights, same kernels, same order
  REQUIRE(reloaded.size() == trained.size());
  for (std::size_t i = 0; i < trained.size(); ++i) {
    const bool identical = reloaded[i] == trained[i];
    REQUIRE(identical);
  }
}
