// train_seq2seq: the sequel's chapters 7-8. Trains a sequence-to-sequence model on a generated toy
// dataset through minidl's Trainer and reports the exact-match accuracy of its greedy answers.
//
//   build/train_seq2seq                                          # addition, baseline Seq2seq, 25 epochs
//   build/train_seq2seq --reverse --model peeky                  # chapter 7's best: reversed + peeky
//   build/train_seq2seq --data dates --model attention --heatmap attention.png   # chapter 8
//   build/train_seq2seq --resume runs/seq2seq_addition_peeky --epochs 30
//
// Writes metrics.csv (test_acc per epoch, the book's figure), steps.csv, curves.png and model.ckpt
// into --out. Ctrl-C finishes the current step, saves, and says how to resume.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include <minidl/detail/blas.hpp>
#include <minidl/io/checkpoint.hpp>
#include <minidl/io/image.hpp>
#include <minidl/minidl.hpp>
#include <minidl/optim/adam.hpp>
#include <minidl/version.hpp>
#include <minidl/models/seq2seq.hpp>
#include <minidl/models/seq2seq_task.hpp>
#include <minidl/text/seq2seq_data.hpp>
#include <minidl/text/toy_sequences.hpp>
#include <minidl/viz/attention_map.hpp>
#include <minidl/viz/pictures.hpp>

#include "program_common.hpp"

using namespace minidl;
using namespace minidl::program;

namespace {

constexpr std::size_t kEvalBatch = 1000;     // questions per greedy decode when measuring
constexpr std::size_t kHeatmapExamples = 4;  // test questions drawn in --heatmap (the book shows a few)
constexpr std::size_t kHeatmapCell = 12;     // pixels per weight

// Everything that defines a run. Saved into the checkpoint so --resume needs no other flag.
struct Config {
  std::string data = "addition";   // addition | dates
  std::string model = "baseline";  // baseline | peeky | attention
  bool reverse = false;            // feed the questions reversed (chapter 7's trick)
  std::size_t examples = 50000;    // generated question/answer pairs (the book's files hold 50,000)
  std::size_t digits = 3;          // addition: operands of up to this many digits
  std::size_t test = 5000;         // of them held out for test (the book: 10%)
  std::size_t val_split = 0;       // ... and for validation, which chooses the best epoch
  std::uint64_t data_seed = 1;     // generates the pairs and their split, apart from --seed
  std::size_t wordvec = 16;        // the book's sizes: wordvec 16,
  std::size_t hidden = 0;          // hidden 128 for addition, 256 for dates (0: that default)
  std::size_t epochs = 0;          // 0: 25 for addition, 10 for dates (the book's max_epoch)
  std::size_t iters = 0;           // total steps instead of epochs
  std::size_t batch_size = 128;
  double lr = 0.001;               // Adam, the book's
  double clip_norm = 5.0;          // the book's max_grad
  std::uint64_t seed = 42;         // weights and batch order
  std::string keep = "last";       // last | best (by val_acc, needs --val-split)
  std::string out_dir;             // empty: runs/seq2seq_<data>_<model>[_reversed]
  std::string min_test_acc;        // "90%" or 0.9; empty = no requirement
  std::string heatmap;             // PNG of the attention weights of a few test questions
  int threads = 1;                 // compute threads (0: one per idle core)
  bool svg = false;                // the plot as SVG even when gnuplot is installed
};

nlohmann::json config_to_json(const Config& c) {
  return {{"data", c.data},           {"model", c.model},         {"reverse", c.reverse},
          {"examples", c.examples},   {"digits", c.digits},       {"test", c.test},
          {"val_split", c.val_split}, {"data_seed", c.data_seed}, {"wordvec", c.wordvec},
          {"hidden", c.hidden},       {"epochs", c.epochs},       {"iters", c.iters},
          {"batch_size", c.batch_size}, {"lr", c.lr},             {"clip_norm", c.clip_norm},
          {"seed", c.seed},           {"keep", c.keep},           {"out_dir", c.out_dir},
          {"min_test_acc", c.min_test_acc}, {"heatmap", c.heatmap}, {"threads", c.threads},
          {"svg", c.svg}};
}

Config config_from_json(const nlohmann::json& j) {
  Config c;
  read_setting(j, "data", c.data), read_setting(j, "model", c.model), read_setting(j, "reverse", c.reverse);
  read_setting(j, "examples", c.examples), read_setting(j, "digits", c.digits), read_setting(j, "test", c.test);
  read_setting(j, "val_split", c.val_split), read_setting(j, "data_seed", c.data_seed);
  read_setting(j, "wordvec", c.wordvec), read_setting(j, "hidden", c.hidden), read_setting(j, "epochs", c.epochs);
  read_setting(j, "iters", c.iters), read_setting(j, "batch_size", c.batch_size), read_setting(j, "lr", c.lr);
  read_setting(j, "clip_norm", c.clip_norm), read_setting(j, "seed", c.seed), read_setting(j, "keep", c.keep);
  read_setting(j, "out_dir", c.out_dir), read_setting(j, "min_test_acc", c.min_test_acc);
  read_setting(j, "heatmap", c.heatmap), read_setting(j, "threads", c.threads), read_setting(j, "svg", c.svg);
  return c;
}

// The flags --resume may change: how far to go and how to run, never what is trained.
const std::vector<std::string> kResumeFlags{"--resume", "--epochs", "--iters", "--threads", "--min-test-acc",
                                            "--heatmap", "--svg"};

Config resumed_config(const CLI::App& app, const Config& given, const nlohmann::json& saved, const std::string& dir) {
  Config cfg = config_from_json(saved);
  cfg.out_dir = dir;  // the run lives where it was found, even if its folder was moved
  if (app.count("--epochs")) cfg.epochs = given.epochs, cfg.iters = 0;
  if (app.count("--iters")) cfg.iters = given.iters;
  if (app.count("--threads")) cfg.threads = given.threads;
  if (app.count("--min-test-acc")) cfg.min_test_acc = given.min_test_acc;
  if (app.count("--heatmap")) cfg.heatmap = given.heatmap;
  if (app.count("--svg")) cfg.svg = given.svg;
  return cfg;
}

// Fills in the defaults that depend on --data, and refuses combinations that cannot work.
void complete(Config& cfg) {
  const bool dates = cfg.data == "dates";
  if (cfg.hidden == 0) cfg.hidden = dates ? 256 : 128;
  if (cfg.epochs == 0) cfg.epochs = dates ? 10 : 25;
  if (cfg.out_dir.empty()) cfg.out_dir = "runs/seq2seq_" + cfg.data + "_" + cfg.model + (cfg.reverse ? "_reversed" : "");
  if (!cfg.heatmap.empty() && cfg.model != "attention")
    throw std::invalid_argument("--heatmap draws attention weights: it needs --model attention, not " + cfg.model);
  if (cfg.keep == "best" && cfg.val_split == 0)
    throw std::invalid_argument("--keep best chooses by validation accuracy: it needs --val-split N");
  if (cfg.test + cfg.val_split >= cfg.examples)
    throw std::invalid_argument("--test " + std::to_string(cfg.test) + " and --val-split " + std::to_string(cfg.val_split) +
                                " leave no training examples of --examples " + std::to_string(cfg.examples));
  if (cfg.test == 0) throw std::invalid_argument("--test must be at least 1");
  if (!cfg.min_test_acc.empty()) parse_accuracy(cfg.min_test_acc);
}

// The question characters as heat-map column labels: the order the encoder read them in.
std::vector<std::string> labels_of(const IndexTensor& ids, std::size_t row, const text::Vocabulary& vocab) {
  std::vector<std::string> out;
  for (std::size_t t = 0; t < ids.shape(1); ++t) out.push_back(vocab.word(ids(row, t)));
  return out;
}

// The attention weights of the first kHeatmapExamples test questions, one picture each, side by
// side, captioned "question: answer". A reversed question is drawn in reading order (its columns
// flipped back), so the picture reads like the book's figure whichever way the encoder read it.
void write_heatmap(models::Seq2seqModel<float>& model, const text::Seq2seqExamples& test, const text::Vocabulary& vocab,
                   bool reversed, const std::string& path) {
  std::vector<std::size_t> rows(std::min(kHeatmapExamples, test.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const text::Seq2seqBatch batch = text::make_batch(test, rows);
  Tensor<float> weights;
  EvalModeGuard<float> eval(model);
  const IndexTensor answers = model.generate(batch.source, test.target(0, 0), batch.labels.shape(1), &weights);
  std::vector<viz::Tile> tiles;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t steps = weights.shape(1), sources = weights.shape(2);
    Tensor<float> one = Tensor<float>::from_shape({steps, sources});
    std::vector<std::string> inputs = labels_of(batch.source, i, vocab);
    for (std::size_t r = 0; r < steps; ++r) {
      for (std::size_t c = 0; c < sources; ++c) one(r, reversed ? sources - 1 - c : c) = weights(i, r, c);
    }
    if (reversed) std::reverse(inputs.begin(), inputs.end());
    const std::vector<std::string> outputs = labels_of(answers, i, vocab);
    std::string question, answer;
    for (const std::string& s : inputs) question += s;
    for (const std::string& s : outputs) answer += s;
    question.erase(question.find_last_not_of(' ') + 1);
    tiles.push_back({viz::attention_heatmap(one, inputs, outputs, kHeatmapCell), question + ": " + answer});
  }
  write_png(path, viz::image_grid(tiles, 2, 1, "attention: rows output, columns input"));
}

int run(Config cfg, const std::optional<SavedRun>& resume) {
  const blas::ThreadChoice threads = blas::apply_threads(cfg.threads);
  if (!threads.note.empty()) std::cerr << threads.note << "\n";
  const auto wall_start = std::chrono::steady_clock::now();
  const std::optional<double> min_test_acc =
      cfg.min_test_acc.empty() ? std::nullopt : std::optional<double>(parse_accuracy(cfg.min_test_acc));
  check_output_folder(cfg.out_dir);  // before a whole epoch of work

  const text::SequencePairs pairs = cfg.data == "dates" ? text::make_dates(cfg.examples, cfg.data_seed)
                                                        : text::make_addition(cfg.examples, cfg.data_seed, cfg.digits);
  const text::Vocabulary vocab = text::char_vocabulary(pairs);
  text::Seq2seqSplit split =
      text::split_examples(text::encode_pairs(pairs, vocab, cfg.reverse), cfg.val_split, cfg.test, cfg.data_seed);
  const std::size_t n_train = split.train.size(), n_val = split.validation.size(), n_test = split.test.size();
  models::Seq2seqTask<float> task(std::move(split), cfg.batch_size, cfg.seed, kEvalBatch);

  Generator gen(cfg.seed);  // the weights
  const models::Seq2seqSizes sizes{vocab.size(), cfg.wordvec, cfg.hidden};
  std::unique_ptr<models::Seq2seqModel<float>> model = models::make_seq2seq<float>(cfg.model, sizes, gen);
  Adam<float> optimizer(model->parameters(), cfg.lr);
  optimizer.set_clip_norm(cfg.clip_norm);

  TrainerOptions opt;
  opt.epochs = cfg.epochs;
  opt.max_steps = cfg.iters;
  Trainer<float> t(*model, optimizer, task, opt);
  const std::size_t per_epoch = t.steps_per_epoch(), total_steps = t.total_steps();
  if (resume) {
    resume->file.restore(*model, &optimizer);  // weights and the optimizer's moments and steps
    t.restore(resume->trainer_state);          // position, the task's batch order, history
    std::cout << "resuming " << resume->file.path() << " at step " << t.history().steps() << " of " << total_steps << "\n";
  }
  std::cout << "minidl train_seq2seq: " << model->describe() << " (" << model->num_parameters() << " parameters), "
            << cfg.data << (cfg.reverse ? " reversed" : "") << ": " << n_train << " train / "
            << (n_val ? std::to_string(n_val) + " validation / " : "") << n_test << " test, " << vocab.size()
            << " characters\n  batch " << cfg.batch_size << ", adam lr " << cfg.lr << ", clip norm " << cfg.clip_norm
            << ", " << total_steps << " steps (" << (total_steps + per_epoch - 1) / per_epoch << " epochs of "
            << per_epoch << "), seed " << cfg.seed << ", " << threads.label() << "\n";

  const nlohmann::json spec = {{"kind", "seq2seq"}, {"config", {{"model", cfg.model}, {"vocabulary", vocab.words()},
                                                                {"wordvec", cfg.wordvec}, {"hidden", cfg.hidden}}}};
  const auto save = [&](const std::string& path) {
    save_checkpoint(path, *model, spec, &optimizer, {{"program", config_to_json(cfg)}, {"trainer", t.state()}});
  };
  StandardReporters reporters(cfg.out_dir, cfg.svg, save, cfg.keep == "best" ? KeepPolicy::best : KeepPolicy::last);
  reporters.attach(t);
  try {
    t.fit();
  } catch (const TrainingDiverged& e) {
    throw std::runtime_error(std::string(e.what()) + "; try a smaller --lr");
  }
  const TrainHistory& h = t.history();
  std::cout << reporters.written(cfg.out_dir, h) << "\n";
  if (h.interrupted) return report_interrupted(h, per_epoch, "train_seq2seq", cfg.out_dir);
  if (!cfg.heatmap.empty()) {
    write_heatmap(*model, task.split().test, vocab, cfg.reverse, cfg.heatmap);
    std::cout << "wrote " << cfg.heatmap << "\n";
  }
  if (h.epochs.empty()) {  // resumed past its end before a single epoch finished: nothing to report
    std::cout << "no epoch finished (" << h.steps() << " steps)\n";
    return 0;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const EpochStats* best = h.best();
  const EpochStats& chosen = cfg.keep == "best" && best ? *best : h.epochs.back();
  const double test_acc = chosen.metric("test_acc");
  if (best) {
    std::cout << std::fixed << std::setprecision(2) << "best on validation: epoch " << best->epoch
              << ", validation accuracy " << 100 * best->metric("val_acc") << "%, test accuracy "
              << 100 * best->metric("test_acc") << "%\n";
  }
  std::cout << std::fixed << std::setprecision(2) << "final: test accuracy " << 100 * test_acc << "% (epoch "
            << chosen.epoch << " of " << h.epochs.size() << ") after " << h.steps() << " steps, wall time "
            << std::setprecision(1) << wall << " s" << std::endl;
  if (min_test_acc && test_acc < *min_test_acc) {
    std::cerr << "train_seq2seq: test accuracy " << 100 * test_acc << "% is below the required "
              << 100 * *min_test_acc << "%\n";
    return kExitBelowTarget;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string resume_dir;
  CLI::App app{"Train the sequel's seq2seq models (chapters 7-8) on generated addition or date data"};
  app.set_version_flag("--version", minidl::version_banner("train_seq2seq"));
  app.add_option("--data", cfg.data, "addition (\"16+75\" -> \"91\") or dates (human formats -> ISO)")
      ->capture_default_str()->check(CLI::IsMember({"addition", "dates"}));
  app.add_option("--model", cfg.model, "baseline (Seq2seq), peeky (PeekySeq2seq) or attention (AttentionSeq2seq)")
      ->capture_default_str()->check(CLI::IsMember({"baseline", "peeky", "attention"}));
  app.add_flag("--reverse", cfg.reverse, "feed every question reversed");
  app.add_option("--examples", cfg.examples, "generated question/answer pairs")->capture_default_str()
      ->check(in_range<std::size_t>(2, 10000000));
  app.add_option("--digits", cfg.digits, "addition: operands of up to N digits")->capture_default_str()
      ->check(in_range<std::size_t>(1, 9));
  app.add_option("--test", cfg.test, "examples held out for the test accuracy")->capture_default_str()
      ->check(in_range<std::size_t>(1, 10000000));
  app.add_option("--val-split", cfg.val_split, "examples held out for validation accuracy (chooses the best epoch)")
      ->capture_default_str()->check(in_range<std::size_t>(0, 10000000));
  app.add_option("--data-seed", cfg.data_seed, "seed of the generated pairs and their split")->capture_default_str();
  app.add_option("--wordvec", cfg.wordvec, "character embedding width")->capture_default_str()
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--hidden", cfg.hidden, "LSTM width (default 128 for addition, 256 for dates)")
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--epochs", cfg.epochs, "passes over the training pairs (default 25 for addition, 10 for dates)")
      ->check(in_range<std::size_t>(1, 100000));
  app.add_option("--iters", cfg.iters, "total training steps instead of --epochs")
      ->check(in_range<std::size_t>(1, 1000000000));
  app.add_option("--batch-size", cfg.batch_size, "mini-batch size")->capture_default_str()
      ->check(in_range<std::size_t>(1, 65536));
  app.add_option("--lr", cfg.lr, "Adam's learning rate")->capture_default_str()->check(in_range(1e-9, 10.0));
  app.add_option("--clip-norm", cfg.clip_norm, "clip gradients to this global L2 norm (0 = off)")
      ->capture_default_str()->check(in_range(0.0, 1e6));
  app.add_option("--seed", cfg.seed, "seed of the weights and the batch order (same seed, same run)")
      ->capture_default_str();
  app.add_option("--keep", cfg.keep, "last: model.ckpt only; best: also best.ckpt, the epoch with the highest "
                                     "validation accuracy (needs --val-split)")
      ->capture_default_str()->check(CLI::IsMember({"last", "best"}));
  app.add_option("--out", cfg.out_dir, "output folder (default runs/seq2seq_<data>_<model>[_reversed])");
  app.add_option("--min-test-acc", cfg.min_test_acc, "fail (exit 3) if the final test accuracy is below this: 90% "
                                                     "or 0.9");
  app.add_option("--heatmap", cfg.heatmap, "attention only: write the attention weights of a few test questions "
                                           "as a PNG heat map after training");
  app.add_option("--threads", cfg.threads, "compute threads (0: one per idle core)")->capture_default_str()
      ->check(in_range(0, 64));
  app.add_flag("--svg", cfg.svg, "write the plot as SVG even if gnuplot is installed");
  app.add_option("--resume", resume_dir, "continue the run saved in this folder; --epochs / --iters may extend it");
  if (const std::optional<int> code = parse_command_line(app, argc, argv, "train_seq2seq")) return *code;
  try {
    std::optional<SavedRun> resume;
    if (!resume_dir.empty()) {
      check_resume_flags(app, kResumeFlags);
      resume = open_run(resume_dir);
      cfg = resumed_config(app, cfg, resume->config, resume_dir);
    }
    complete(cfg);
    return run(cfg, resume);
  } catch (const std::exception& e) {
    std::cerr << "train_seq2seq: error: " << e.what() << "\n";
    return 1;
  }
}
