// The language-model training task: windows in order with the state carried and detached, metrics
// and selection, state()/restore() continuing an epoch bit for bit (also with dropout, through the
// Trainer), and clear refusals of a bad state.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/minidl.hpp>
#include <minidl/models/language_models.hpp>
#include <minidl/train/lm_task.hpp>

#include "test_support.hpp"

using namespace minidl;
using namespace minidl::models;
using minidl_test::contains;
using minidl_test::message_of;

namespace {

// A stream with structure a model can learn: id k is followed by (k·3 + 1) mod V most of the time.
IndexTensor pattern_ids(std::size_t n, std::size_t vocabulary, std::uint64_t seed) {
  Generator gen(seed);
  IndexTensor ids = IndexTensor::from_shape({n});
  Index k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ids(i) = k;
    k = gen.uniform() < 0.8 ? static_cast<Index>((k * 3 + 1) % static_cast<Index>(vocabulary))
                            : static_cast<Index>(gen.uniform_int(vocabulary));
  }
  return ids;
}

LmTaskOptions small_options() {
  LmTaskOptions o;
  o.batch = 4;
  o.bptt = 5;
  o.eval_batch = 2;
  return o;
}

}  // namespace

TEST_CASE("LanguageModelTask runs the windows in order and carries the state", "[lm][task]") {
  LanguageModelTask<float> task(pattern_ids(401, 11, 1), pattern_ids(81, 11, 2), pattern_ids(81, 11, 3),
                                small_options());
  CHECK(task.steps_per_epoch() == 20);  // 400 / 4 = 100 steps per stream, 20 windows of 5
  CHECK(task.batch_size() == 4);
  CHECK(task.selection().metric == "val_ppl");
  CHECK_FALSE(task.selection().higher_is_better);
  Generator gen(1);
  LstmLm<float> model(11, 6, 6, gen);
  task.start_epoch(1);
  CHECK(task.state()["state"].empty());  // an epoch starts from zeros
  const Variable<float> loss = task.loss(model, 0);
  CHECK(loss.shape() == Shape{});
  const nlohmann::json s = task.state();
  REQUIRE(s["state"].size() == 2);  // h and c, each (1, 4, 6)
  CHECK(s["state"][0]["shape"] == nlohmann::json({1, 4, 6}));
  CHECK(s["next_step"] == 1);
  CHECK(contains(message_of([&] { task.loss(model, 5); }), "step 5 asked for"));
  Linear<float> not_lm(3, 3, gen);
  CHECK(contains(message_of([&] { task.loss(not_lm, 1); }), "is not a LanguageModel"));

  const std::vector<Metric> m = task.evaluate(model);
  REQUIRE(m.size() == 3);
  CHECK(m[0].name == "train_ppl");
  CHECK(m[1].name == "val_ppl");
  CHECK(m[2].name == "test_ppl");
  CHECK(m[0].value == Approx(std::exp(static_cast<double>(loss.item()))));
  CHECK(m[1].value > 1);
}

TEST_CASE("LanguageModelTask's state continues an epoch bit for bit and refuses bad fields", "[lm][task]") {
  const IndexTensor train = pattern_ids(401, 11, 1), val = pattern_ids(81, 11, 2), test = pattern_ids(81, 11, 3);
  LanguageModelTask<double> a(train, val, test, small_options()), b(train, val, test, small_options());
  Generator gen(2);
  LstmLm<double> model(11, 6, 6, gen);
  a.start_epoch(1);
  for (std::size_t i = 0; i < 3; ++i) a.loss(model, i);
  b.restore(a.state());
  CHECK(b.state() == a.state());
  const double la = a.loss(model, 3).item(), lb = b.loss(model, 3).item();
  CHECK(la == lb);  // the same carried state, so the very same loss

  LanguageModelTask<double> c(train, val, test, small_options());
  const nlohmann::json before = c.state();
  nlohmann::json bad = a.state();
  bad.erase("loss_sum");
  CHECK(contains(message_of([&] { c.restore(bad); }), "'loss_sum' is missing"));
  bad = a.state();
  bad["next_step"] = 999;
  CHECK(contains(message_of([&] { c.restore(bad); }), "'next_step'"));
  bad = a.state();
  bad["state"][0]["values"].erase(0);
  CHECK(contains(message_of([&] { c.restore(bad); }), "'state[0]' holds 23 values"));
  bad = a.state();
  bad["state"][1]["shape"] = {1, 3, 8};
  CHECK(contains(message_of([&] { c.restore(bad); }), "'state[1]' has shape"));
  CHECK(c.state() == before);  // untouched after every refusal
  CHECK(contains(message_of([&] { LanguageModelTask<double>(train, pattern_ids(2, 11, 4), test, small_options()); }),
                 "too few"));
}

TEST_CASE("a Trainer on LanguageModelTask learns, and resumes inside an epoch bit for bit with dropout",
          "[lm][task][trainer]") {
  const IndexTensor train = pattern_ids(801, 11, 1), val = pattern_ids(161, 11, 2), test = pattern_ids(161, 11, 3);
  TrainerOptions opt;
  opt.epochs = 3;
  auto run = [&](std::size_t stop_after, const nlohmann::json* resume_from, nlohmann::json* saved,
                 std::vector<double>* weights) {
    LanguageModelTask<float> task(train, val, test, small_options());
    Generator gen(3);
    BetterRnnlm<float> model(11, 8, 0.2, gen);
    SGD<float> sgd(model.parameters(), 20.0);
    sgd.set_clip_norm(0.25);
    Trainer<float> t(model, sgd, task, opt);
    if (resume_from) {
      // The optimizer of plain SGD holds no state; the weights come with the saved run.
      const auto& w = (*resume_from)["weights"];
      std::size_t k = 0;
      for (auto& p : model.parameters())
        for (auto& x : p.data()) x = static_cast<float>(w[k++].get<double>());
      t.restore((*resume_from)["trainer"]);
    }
    if (stop_after) {
      t.stop_requested = [&t, stop_after] { return t.history().steps() >= stop_after; };
    }
    const TrainHistory& h = t.fit();
    if (saved) {
      std::vector<double> w;
      for (const auto& p : model.parameters()) w.insert(w.end(), p.data().begin(), p.data().end());
      *saved = {{"trainer", t.state()}, {"weights", w}};
    }
    if (weights) {
      for (const auto& p : model.parameters()) weights->insert(weights->end(), p.data().begin(), p.data().end());
    }
    return h;
  };
  std::vector<double> whole_w, parts_w;
  const TrainHistory whole = run(0, nullptr, nullptr, &whole_w);
  REQUIRE(whole.epochs.size() == 3);
  // It learns: the pattern makes most next ids predictable, far below the 11 of a uniform guess
  // (seed 3 measured 8.2, 7.2, 5.0).
  CHECK(whole.epochs.back().metric("val_ppl") < 0.7 * whole.epochs.front().metric("val_ppl"));
  CHECK(whole.epochs.back().metric("val_ppl") < 6);

  nlohmann::json saved;
  const TrainHistory first = run(57, nullptr, &saved, nullptr);  // 40 steps per epoch: inside epoch 2
  REQUIRE(first.interrupted);
  const TrainHistory second = run(0, &saved, nullptr, &parts_w);
  REQUIRE(second.loss.size() == whole.loss.size());
  for (std::size_t i = 0; i < whole.loss.size(); ++i) {
    INFO("step " << i);
    CHECK(second.loss[i] == whole.loss[i]);
  }
  CHECK(second.epochs.back().metric("val_ppl") == whole.epochs.back().metric("val_ppl"));
  CHECK(parts_w == whole_w);
}
