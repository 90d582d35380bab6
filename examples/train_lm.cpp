// train_lm: the sequel's word-level language models (chapters 5-6) on a real English corpus, with
// the same Trainer, reporters, checkpoints, --resume and plots as the image models (train).
//
//   build/train_lm --model lstm --epochs 4            # LSTM LM on the fortunes corpus
//   build/train_lm --model better --hidden 200 --dropout 0.3 --generate 30 --seed-word you
//   build/train_lm --resume runs/lm_lstm --epochs 6   # continue a run, bit for bit
//
// Truncated BPTT as in the book: the training ids cut into --batch-size streams, read --bptt steps
// at a time, the state carried between windows and detached. SGD with gradient clipping at 0.25
// and a learning rate of 20 are the book's chapter 6 settings.

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/detail/blas.hpp>
#include <minidl/minidl.hpp>
#include <minidl/models/language_models.hpp>
#include <minidl/train/lm_task.hpp>

#include "program_common.hpp"

using namespace minidl;
using namespace minidl::program;

namespace {

// Everything that defines a run; saved in its checkpoint so --resume rebuilds the same run.
struct Config {
  std::string model = "lstm";  // rnnlm, lstm, better
  std::string corpus = text::kFortunesFolder;
  std::string split = "blocks";  // blocks, shuffled
  std::size_t lines = 0;         // 0: every line of the corpus
  std::size_t vocab = 10000;
  std::size_t embedding = 100, hidden = 100;
  double dropout = 0.5;  // better only
  std::size_t epochs = 4, iters = 0, batch_size = 20, bptt = 35, eval_batch = 10;
  std::string optimizer = "sgd";
  double lr = 20, clip_norm = 0.25;
  std::uint64_t seed = 42;
  std::string out_dir, keep = "last";
  int threads = 0;
  std::size_t generate = 0;
  std::string seed_word = "you";
  double max_val_ppl = 0, max_test_ppl = 0;
  bool svg = false;
};

nlohmann::json config_to_json(const Config& c) {
  return {{"model", c.model},         {"corpus", c.corpus},       {"split", c.split},
          {"lines", c.lines},         {"vocab", c.vocab},         {"embedding", c.embedding},
          {"hidden", c.hidden},       {"dropout", c.dropout},     {"epochs", c.epochs},
          {"iters", c.iters},         {"batch_size", c.batch_size}, {"bptt", c.bptt},
          {"eval_batch", c.eval_batch}, {"optimizer", c.optimizer}, {"lr", c.lr},
          {"clip_norm", c.clip_norm}, {"seed", c.seed},           {"keep", c.keep}};
}

Config config_from_json(const nlohmann::json& j) {
  Config c;
  read_setting(j, "model", c.model);
  read_setting(j, "corpus", c.corpus);
  read_setting(j, "split", c.split);
  read_setting(j, "lines", c.lines);
  read_setting(j, "vocab", c.vocab);
  read_setting(j, "embedding", c.embedding);
  read_setting(j, "hidden", c.hidden);
  read_setting(j, "dropout", c.dropout);
  read_setting(j, "epochs", c.epochs);
  read_setting(j, "iters", c.iters);
  read_setting(j, "batch_size", c.batch_size);
  read_setting(j, "bptt", c.bptt);
  read_setting(j, "eval_batch", c.eval_batch);
  read_setting(j, "optimizer", c.optimizer);
  read_setting(j, "lr", c.lr);
  read_setting(j, "clip_norm", c.clip_norm);
  read_setting(j, "seed", c.seed);
  read_setting(j, "keep", c.keep);
  return c;
}

// The network the flags describe. BetterRnnlm ties its embedding to the output, so D = H.
models::RecurrentLmConfig lm_config(const Config& c, std::size_t vocabulary) {
  if (c.model == "rnnlm") return models::Rnnlm<float>::config_for(vocabulary, c.embedding, c.hidden);
  if (c.model == "lstm") return models::LstmLm<float>::config_for(vocabulary, c.embedding, c.hidden);
  return models::BetterRnnlm<float>::config_for(vocabulary, c.hidden, c.dropout);
}

// The flags --resume may change: how far to go and how to run, never what is trained.
const std::vector<std::string> kResumeFlags{"--resume",       "--epochs",       "--iters", "--threads", "--corpus",
                                            "--max-val-ppl", "--max-test-ppl", "--svg",   "--generate",
                                            "--seed-word"};

Config resumed_config(const CLI::App& app, const Config& given, const nlohmann::json& saved, const std::string& dir) {
  Config cfg = config_from_json(saved);
  cfg.out_dir = dir;
  if (app.count("--epochs")) cfg.epochs = given.epochs, cfg.iters = 0;
  if (app.count("--iters")) cfg.iters = given.iters;
  if (app.count("--corpus")) cfg.corpus = given.corpus;  // the same text, found elsewhere
  cfg.threads = given.threads;
  cfg.max_val_ppl = given.max_val_ppl;
  cfg.max_test_ppl = given.max_test_ppl;
  cfg.svg = given.svg;
  cfg.generate = given.generate;
  cfg.seed_word = given.seed_word;
  return cfg;
}

// Prints `count` words sampled after `seed_word` (never <unk>), drawn from a generator seeded with
// the run's seed, so the same run always writes the same text.
void print_sample(LanguageModel<float>& model, const text::Vocabulary& vocab, const Config& cfg) {
  if (!vocab.contains(cfg.seed_word)) {
    throw std::invalid_argument("--seed-word '" + cfg.seed_word + "' is not in the vocabulary");
  }
  Generator gen(cfg.seed);
  IndexTensor ids = IndexTensor::from_shape({cfg.generate});
  const std::vector<Index> sampled = generate_tokens(model, {vocab.id(cfg.seed_word)}, cfg.generate, gen,
                                                    {vocab.id(text::kUnk)});
  std::copy(sampled.begin(), sampled.end(), ids.begin());
  std::string line = cfg.seed_word;
  for (const std::string& w : vocab.decode(ids)) line += w == text::kEos ? "\n" : (line.back() == '\n' ? "" : " ") + w;
  std::cout << "sample (" << cfg.generate << " words after '" << cfg.seed_word << "', seed " << cfg.seed << "):\n"
            << line << "\n";
}

int run(Config cfg, const std::optional<SavedRun>& resume) {
  const blas::ThreadChoice threads = blas::apply_threads(cfg.threads);
  if (!threads.note.empty()) std::cerr << threads.note << "\n";
  const auto wall_start = std::chrono::steady_clock::now();
  if (cfg.out_dir.empty()) cfg.out_dir = "runs/lm_" + cfg.model;
  check_output_folder(cfg.out_dir);

  if (cfg.corpus == text::kFortunesFolder && !text::fortunes_available()) {
    throw std::runtime_error("the corpus '" + cfg.corpus + "' is missing: install the Debian package fortunes "
                             "(scripts/setup.sh does), or give --corpus FILE_OR_FOLDER");
  }
  const text::CorpusOptions corpus_options =
      cfg.corpus == text::kFortunesFolder ? text::fortunes_options() : text::CorpusOptions{};
  text::LmCorpusOptions lm_options;
  lm_options.vocabulary = cfg.vocab;
  lm_options.split = cfg.split == "shuffled" ? text::SplitMode::ShuffledLines : text::SplitMode::Blocks;
  lm_options.seed = cfg.seed;
  lm_options.max_lines = cfg.lines;
  const text::LmCorpus data = text::make_lm_corpus(text::read_corpus(cfg.corpus, corpus_options), lm_options);

  LmTaskOptions task_options;
  task_options.batch = cfg.batch_size;
  task_options.bptt = cfg.bptt;
  task_options.eval_batch = cfg.eval_batch;
  LanguageModelTask<float> task(data.train, data.validation, data.test, task_options);

  Generator gen(cfg.seed);
  const models::RecurrentLmConfig model_config = lm_config(cfg, data.vocabulary.size());
  models::RecurrentLm<float> model(model_config, gen);
  const nlohmann::json spec{{"kind", "recurrent_lm"}, {"config", model_config.to_json()}};
  std::unique_ptr<Optimizer<float>> optimizer = make_optimizer<float>(cfg.optimizer, model.parameters(), cfg.lr);
  optimizer->set_clip_norm(cfg.clip_norm);

  TrainerOptions opt;
  opt.epochs = cfg.epochs;
  opt.max_steps = cfg.iters;
  Trainer<float> t(model, *optimizer, task, opt);
  const std::size_t per_epoch = t.steps_per_epoch(), total_steps = t.total_steps();
  if (resume) {
    resume->file.restore(model, optimizer.get());
    t.restore(resume->trainer_state);
    std::cout << "resuming " << resume->file.path() << " at step " << t.history().steps() << " of " << total_steps
              << "\n";
  }

  std::cout << "minidl train_lm: " << model.describe() << " (" << model.num_parameters() << " parameters)\n"
            << "  corpus " << data.summary.str() << "\n"
            << "  " << data.train.size() << " train / " << data.validation.size() << " validation / "
            << data.test.size() << " test tokens (" << cfg.split << " split)\n"
            << "  " << cfg.batch_size << " streams x " << cfg.bptt << " steps, " << cfg.optimizer << " lr "
            << optimizer->lr() << (cfg.clip_norm > 0 ? ", clip norm " + show(cfg.clip_norm) : std::string()) << ", "
            << total_steps << " steps (" << (total_steps + per_epoch - 1) / per_epoch << " epochs of " << per_epoch
            << "), seed " << cfg.seed << ", " << threads.label() << "\n";

  const auto save = [&](const std::string& path) {
    save_checkpoint(path, model, spec, optimizer.get(), {{"program", config_to_json(cfg)}, {"trainer", t.state()}});
  };
  StandardReporters reporters(cfg.out_dir, cfg.svg, save, cfg.keep == "best" ? KeepPolicy::best : KeepPolicy::last);
  reporters.attach(t);
  try {
    t.fit();
  } catch (const TrainingDiverged& e) {
    throw std::runtime_error(std::string(e.what()) + "; try a smaller --lr or --clip-norm");
  }
  const TrainHistory& h = t.history();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::cout << reporters.written(cfg.out_dir, h) << "\n";
  if (h.interrupted) return report_interrupted(h, per_epoch, "train_lm", cfg.out_dir);
  if (h.epochs.empty()) {
    std::cout << "no epoch finished (" << h.steps() << " steps)\n";
    return 0;
  }
  const EpochStats* best = h.best();
  const EpochStats& chosen = cfg.keep == "best" && best ? *best : h.epochs.back();
  const double val_ppl = chosen.metric("val_ppl"), test_ppl = chosen.metric("test_ppl");
  std::cout << std::fixed << std::setprecision(2) << "final: validation perplexity " << val_ppl
            << ", test perplexity " << test_ppl << " (epoch " << chosen.epoch << (cfg.keep == "best" ? ", best" : "")
            << ") after " << h.steps() << " steps, wall time " << std::setprecision(1) << wall << " s\n";
  if (cfg.generate > 0) print_sample(model, data.vocabulary, cfg);
  int code = 0;
  if (cfg.max_val_ppl > 0 && !(val_ppl <= cfg.max_val_ppl)) {
    std::cerr << "train_lm: validation perplexity " << val_ppl << " is above --max-val-ppl " << cfg.max_val_ppl << "\n";
    code = kExitBelowTarget;
  }
  if (cfg.max_test_ppl > 0 && !(test_ppl <= cfg.max_test_ppl)) {
    std::cerr << "train_lm: test perplexity " << test_ppl << " is above --max-test-ppl " << cfg.max_test_ppl << "\n";
    code = kExitBelowTarget;
  }
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string resume_dir;
  CLI::App app{"Word-level language models on a text corpus: Rnnlm, LSTM LM, BetterRnnlm (the sequel, chapters 5-6)"};
  app.set_version_flag("--version", minidl::version_banner("train_lm"));
  app.add_option("--model", cfg.model, "rnnlm (ch. 5), lstm or better (ch. 6: 2 LSTM layers, dropout, tied weights)")
      ->capture_default_str()->check(CLI::IsMember({"rnnlm", "lstm", "better"}));
  app.add_option("--corpus", cfg.corpus, "a UTF-8 text file or a folder of them (the fortunes folder reads without "
                                         "its .dat index files and % separators)")->capture_default_str();
  app.add_option("--split", cfg.split, "blocks (train, validation, test as contiguous 80/10/10% of the lines) or "
                                       "shuffled (lines shuffled by --seed first)")
      ->capture_default_str()->check(CLI::IsMember({"blocks", "shuffled"}));
  app.add_option("--lines", cfg.lines, "use only the first N lines of the corpus (0: all)")->capture_default_str()
      ->check(in_range<std::size_t>(0, 100000000));
  app.add_option("--vocab", cfg.vocab, "vocabulary cap, <unk> included, built from the training part")
      ->capture_default_str()->check(in_range<std::size_t>(2, 1000000));
  app.add_option("--embedding", cfg.embedding, "word vector size (rnnlm, lstm; better uses --hidden)")
      ->capture_default_str()->check(in_range<std::size_t>(1, 4096));
  app.add_option("--hidden", cfg.hidden, "recurrent state size")->capture_default_str()
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--dropout", cfg.dropout, "better: dropout ratio (the book's 0.5)")->capture_default_str()
      ->check(below(0, 1));
  app.add_option("--epochs", cfg.epochs, "passes over the training streams")->capture_default_str()
      ->check(in_range<std::size_t>(1, 100000));
  app.add_option("--iters", cfg.iters, "total steps instead of epochs (the last epoch may be partial)")
      ->check(in_range<std::size_t>(1, 1000000000));
  app.add_option("--batch-size", cfg.batch_size, "parallel streams N")->capture_default_str()
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--bptt", cfg.bptt, "steps T per truncated-BPTT window")->capture_default_str()
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--eval-batch", cfg.eval_batch, "streams when measuring perplexity")->capture_default_str()
      ->check(in_range<std::size_t>(1, 4096));
  app.add_option("--optimizer", cfg.optimizer, "sgd, momentum, nesterov, adagrad, rmsprop, adam")
      ->capture_default_str()->check(CLI::IsMember({"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}));
  app.add_option("--lr", cfg.lr, "learning rate (the book's 20 with SGD)")->capture_default_str()
      ->check(in_range<double>(1e-9, 1e6));
  app.add_option("--clip-norm", cfg.clip_norm, "clip the gradients to this global L2 norm (0: off)")
      ->capture_default_str()->check(in_range<double>(0, 1e9));
  app.add_option("--seed", cfg.seed, "seeds the weights, dropout and the generated text")->capture_default_str();
  app.add_option("--out", cfg.out_dir, "output folder (default runs/lm_<model>)");
  app.add_option("--keep", cfg.keep, "last, or best: also best.ckpt, the epoch of lowest validation perplexity")
      ->capture_default_str()->check(CLI::IsMember({"last", "best"}));
  app.add_option("--threads", cfg.threads, "compute threads; 0 = one per idle core")->capture_default_str()
      ->check(in_range<int>(0, 256));
  app.add_option("--generate", cfg.generate, "after training, print this many words sampled after --seed-word")
      ->check(in_range<std::size_t>(0, 100000));
  app.add_option("--seed-word", cfg.seed_word, "the first word of the generated text")->capture_default_str();
  app.add_option("--max-val-ppl", cfg.max_val_ppl, "fail (exit 3) if the final validation perplexity is above this")
      ->check(in_range<double>(1, 1e12));
  app.add_option("--max-test-ppl", cfg.max_test_ppl, "fail (exit 3) if the final test perplexity is above this")
      ->check(in_range<double>(1, 1e12));
  app.add_flag("--svg", cfg.svg, "write the plot as SVG even if gnuplot is installed");
  app.add_option("--resume", resume_dir, "continue the run saved in this folder; --epochs / --iters may extend it");
  if (const std::optional<int> code = parse_command_line(app, argc, argv, "train_lm")) return *code;
  try {
    std::optional<SavedRun> resume;
    if (!resume_dir.empty()) {
      check_resume_flags(app, kResumeFlags);
      resume = open_run(resume_dir);
      cfg = resumed_config(app, cfg, resume->config, resume_dir);
    }
    if (cfg.model != "better" && app.count("--dropout")) throw std::invalid_argument("--dropout needs --model better");
    if (cfg.model == "better" && app.count("--embedding"))
      throw std::invalid_argument("--embedding does not apply to --model better (its tied vectors have --hidden units)");
    return run(cfg, resume);
  } catch (const std::exception& e) {
    std::cerr << "train_lm: error: " << e.what() << "\n";
    return 1;
  }
}
