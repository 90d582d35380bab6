#pragma once
// What every training program shares (train, train_lm, train_seq2seq): command-line helpers with
// readable messages, the output folder, opening a saved run for --resume, the standard reporters
// (console, CSV, plot, checkpoints) and the exit codes. The training loop itself is the library's
// Trainer; this file only wires a program to it.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <minidl/io/checkpoint.hpp>
#include <minidl/train/checkpoint_reporter.hpp>
#include <minidl/train/console_reporter.hpp>
#include <minidl/train/csv_reporter.hpp>
#include <minidl/train/interrupt.hpp>
#include <minidl/train/plot_reporter.hpp>
#include <minidl/train/trainer.hpp>

namespace minidl::program {

constexpr int kExitBelowTarget = 3;    ///< a --min-... requirement was not met
constexpr int kExitInterrupted = 130;  ///< 128 + SIGINT, what shells expect after Ctrl-C

// --- command line -------------------------------------------------------------------------------

/// A number printed the way people write it: "0.001", "60000", never 309 digits.
template <typename V>
std::string show(V v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

/// A closed range [lo, hi] with a readable message ("0 is not in [1, 65536]").
template <typename V>
CLI::Validator in_range(V lo, V hi) {
  const std::string range = "[" + show(lo) + ", " + show(hi) + "]";
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        V v{};
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (!(v >= lo && v <= hi)) return text + " is not in " + range;
        return {};
      },
      range);
}

/// The half-open range [lo, hi) for ratios such as dropout or momentum.
inline CLI::Validator below(double lo, double hi) {
  const std::string range = "[" + show(lo) + ", " + show(hi) + ")";
  return CLI::Validator(
      [lo, hi, range](std::string& text) -> std::string {
        double v = 0;
        if (!CLI::detail::lexical_cast(text, v)) return "'" + text + "' is not a number";
        if (!(v >= lo && v < hi)) return text + " is not in " + range;
        return {};
      },
      range);
}

/// An accuracy requirement given to `flag`: "97.5%" is a percentage, 0.975 a fraction; a bare 97.5
/// is ambiguous and refused. Throws std::invalid_argument naming the flag.
inline double parse_accuracy(const std::string& text, const std::string& flag = "--min-test-acc") {
  std::string number = text;
  const bool percent = !number.empty() && number.back() == '%';
  if (percent) number.pop_back();
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != number.size() || !std::isfinite(v))
    throw std::invalid_argument(flag + ": '" + text + "' is not an accuracy (write 97.5% or 0.975)");
  if (percent) {
    if (v < 0 || v > 100) throw std::invalid_argument(flag + ": " + text + " is not in [0%, 100%]");
    return v / 100;
  }
  if (v < 0 || v > 1)
    throw std::invalid_argument(flag + ": " + text + " is not a fraction in [0, 1]; for a percentage write " + text +
                                "%");
  return v;
}

/// Edit distance, for "did you mean" on a mistyped flag.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

/// Every long flag of `app`, as "--name".
inline std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app.get_options())
    for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
  return names;
}

/// CLI11's message for unknown flags, plus the closest valid flag and the list of all of them.
inline std::string explain_unknown_flags(const CLI::App& app, const std::vector<std::string>& unknown) {
  const std::vector<std::string> names = flag_names(app);
  std::ostringstream msg;
  for (const std::string& u : unknown) {
    if (u.empty() || u[0] != '-') {
      msg << "unexpected value '" << u << "'\n";
      continue;
    }
    msg << "unknown flag '" << u << "'";
    const std::string flag = u.substr(0, u.find('='));
    std::string best;
    std::size_t best_d = 4;  // farther than 3 edits is no longer a typo
    for (const std::string& n : names) {
      const std::size_t d = edit_distance(flag, n);
      if (d < best_d) best_d = d, best = n;
    }
    if (!best.empty()) msg << " (did you mean " << best << "?)";
    msg << "\n";
  }
  msg << "valid flags:";
  for (const std::string& n : names) msg << " " << n;
  msg << "\n";
  return msg.str();
}

/// Parses the command line. Returns the exit code when the program should stop now (--help,
/// --version, a bad flag: the message is printed), or nullopt to go on.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv, const std::string& program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError&) {
    std::cerr << program << ": error: " << explain_unknown_flags(app, app.remaining())
              << "Run with --help for more information.\n";
    return static_cast<int>(CLI::ExitCodes::ExtrasError);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

// --- files ----------------------------------------------------------------------------------------

/// "<what> '<path>': <strerror(errno)>".
inline std::string os_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

/// mkdir -p, with the OS reason for the first folder that cannot be made (a file in the way makes
/// the next mkdir fail with ENOTDIR, "Not a directory").
inline void make_dirs(const std::string& path) {
  std::string partial;
  std::stringstream ss(path);
  std::string part;
  if (!path.empty() && path[0] == '/') partial = "/";
  while (std::getline(ss, part, '/')) {
    if (part.empty()) continue;
    partial += part;
    if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
      throw std::runtime_error(os_error("cannot create folder", partial));
    partial += "/";
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw std::runtime_error(os_error("cannot use folder", path));
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    throw std::runtime_error(os_error("cannot use as the output folder", path));
  }
}

/// Before any training: the output folder exists (or is created) and takes a new file.
inline void check_output_folder(const std::string& dir) {
  make_dirs(dir);
  const std::string probe = dir + "/.write_test";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(os_error("cannot write into the output folder", dir));
  ::close(fd);
  ::unlink(probe.c_str());
}

// --- saved runs -----------------------------------------------------------------------------------

/// Reads setting `key` of a saved run's configuration into `out`; throws std::invalid_argument
/// naming a missing setting or one of the wrong type.
template <typename V>
void read_setting(const nlohmann::json& j, const char* key, V& out) {
  if (!j.contains(key)) throw std::invalid_argument(std::string("the saved run has no setting '") + key + "'");
  try {
    out = j.at(key).get<V>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("the saved run's setting '") + key + "' has the wrong type: " +
                                j.at(key).dump());
  }
}

/// A run to continue: its checkpoint (read and checked once), the program's saved configuration
/// and the Trainer's state. A program saves both as the checkpoint's run_state
/// {"program": <its configuration>, "trainer": Trainer::state()} (see save_run).
struct SavedRun {
  CheckpointFile file;
  nlohmann::json config;
  nlohmann::json trainer_state;
};

/// Opens `dir`/model.ckpt for --resume. Throws std::runtime_error with the OS reason when it cannot
/// be read, and when it holds weights only (no run state).
inline SavedRun open_run(const std::string& dir) {
  const std::string path = dir + "/model.ckpt";
  if (::access(path.c_str(), R_OK) != 0) throw std::runtime_error("--resume: no such run: " + os_error("cannot read", path));
  CheckpointFile file = CheckpointFile::read(path);
  const nlohmann::json& state = file.info().run_state;
  if (!state.is_object() || !state.contains("program") || !state.contains("trainer"))
    throw std::runtime_error("--resume: '" + path + "' holds weights only, not a resumable run (saved by an older "
                                                    "program, or by save_checkpoint(model, path))");
  nlohmann::json config = state.at("program"), trainer_state = state.at("trainer");
  return {std::move(file), std::move(config), std::move(trainer_state)};
}

/// --resume keeps the run's settings: any flag given outside `allowed` is refused, not ignored.
inline void check_resume_flags(const CLI::App& app, const std::vector<std::string>& allowed) {
  for (const CLI::Option* o : app.get_options()) {
    if (o->count() == 0) continue;
    const std::string flag = "--" + o->get_lnames().front();
    if (std::find(allowed.begin(), allowed.end(), flag) == allowed.end()) {
      std::string list;
      for (const auto& f : allowed) list += " " + f;
      throw std::invalid_argument(flag + " cannot change a resumed run (it keeps its settings); with --resume only" +
                                  list + " are accepted");
    }
  }
}

/// The console, CSV, plot and checkpoint reporters every training program attaches, writing into
/// one output folder: metrics.csv, steps.csv, curves.png (or .svg), model.ckpt (and best.ckpt with
/// KeepPolicy::best). `save` writes one checkpoint of the whole run (weights, optimizer and the
/// run state) at the given path.
struct StandardReporters {
  ConsoleReporter console;
  CsvReporter csv;
  PlotReporter plot;
  CheckpointReporter checkpoints;
  KeepPolicy keep;

  StandardReporters(const std::string& out_dir, bool svg, CheckpointReporter::SaveFn save, KeepPolicy keep_policy)
      : csv(out_dir + "/metrics.csv", out_dir + "/steps.csv"),
        plot(out_dir + "/curves", svg),
        checkpoints(std::move(save), out_dir, keep_policy),
        keep(keep_policy) {}

  /// Adds the four to `trainer` and lets Ctrl-C / SIGTERM stop it between two steps (a second
  /// Ctrl-C quits at once).
  template <typename T>
  void attach(Trainer<T>& trainer) {
    for (TrainReporter* r : std::initializer_list<TrainReporter*>{&console, &csv, &checkpoints, &plot})
      trainer.add_reporter(*r);
    install_interrupt_handlers();
    trainer.stop_requested = interrupt_requested;
  }

  /// "wrote <dir>/metrics.csv, ..." for the files this run wrote.
  std::string written(const std::string& out_dir, const TrainHistory& h) const {
    return "wrote " + out_dir + "/metrics.csv, " + out_dir + "/steps.csv, " + plot.path() + ", " +
           checkpoints.last_path() + (keep == KeepPolicy::best && h.best() ? ", " + checkpoints.best_path() : "");
  }
};

/// The line a program prints when its run was interrupted, and the exit code it returns then.
inline int report_interrupted(const TrainHistory& h, std::size_t steps_per_epoch, const std::string& program,
                              const std::string& out_dir) {
  const std::size_t epoch = h.epochs.size() + (h.steps() > h.epochs.size() * steps_per_epoch ? 1 : 0);
  std::cout << "interrupted at step " << h.steps() << " (epoch " << std::max<std::size_t>(epoch, 1)
            << "); resume with: " << program << " --resume " << out_dir << std::endl;
  return kExitInterrupted;
}

}  // namespace minidl::program
