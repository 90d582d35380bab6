#pragma once
// ClassifierTask: the book's networks as a TrainingTask. Mini-batches of (features, label) from a
// DataLoader, softmax cross-entropy on the labels (or a loss of the caller's), and after each epoch
// accuracy on the training set, the validation split and the test set, plus the test loss.

#include <cstddef>
#include <functional>

#include "minidl/data/dataloader.hpp"
#include "minidl/data/dataset.hpp"
#include "minidl/train/task.hpp"

namespace minidl {

/// How a ClassifierTask samples and measures.
struct ClassifierOptions {
  LoaderOptions loader;                ///< batch size, sampling (shuffle / the book's with-replacement), seed
  bool evaluate_train = true;          ///< measure accuracy on the training set too (the book does)
  std::size_t train_eval_limit = 0;    ///< train accuracy over the first N training items (0 = all)
  std::size_t test_eval_limit = 0;     ///< test loss and accuracy over the first N test items (0 = all)
  std::size_t eval_batch = 1000;       ///< rows per forward pass when evaluating
};

/// Trains a classifier on `train` and measures it on the training set, an optional validation split
/// and an optional test set. Metrics, in this order and only those that apply: train_acc, val_acc,
/// test_loss, test_acc. The best epoch is the one with the highest val_acc; the test set never
/// chooses. The datasets must outlive the task.
template <typename T>
class ClassifierTask : public TrainingTask<T> {
 public:
  /// The loss of one batch; must return a scalar Variable.
  using LossFn = std::function<Variable<T>(Module<T>& model, const Batch<T>& batch)>;

  /// Throws std::invalid_argument for a zero eval_batch or a loader the training set cannot feed
  /// (batch size 0, empty set).
  ClassifierTask(const Dataset<T>& train, const Dataset<T>* test, ClassifierOptions options = {});

  /// Replaces the default loss, softmax_cross_entropy(model(batch.input), batch.labels).
  void set_loss(LossFn loss) { loss_ = std::move(loss); }
  /// Held-out data whose accuracy is measured after every epoch (nullptr = none).
  void set_validation(const Dataset<T>* validation) { validation_ = validation; }
  const ClassifierOptions& options() const { return options_; }

  std::size_t steps_per_epoch() const override { return loader_.num_batches(); }
  std::size_t batch_size() const override { return options_.loader.batch_size; }
  /// Draws the epoch's order (and, on the first epoch of a fresh run, reseeds the sampler).
  void start_epoch(std::size_t epoch) override;
  Variable<T> loss(Module<T>& model, std::size_t i) override;
  std::vector<Metric> evaluate(Module<T>& model) override;
  /// val_acc, higher is better.
  Selection selection() const override { return {"val_acc", true}; }
  /// {"epochs_started", "generator"}: the sampler's state (DataLoader::state).
  nlohmann::json state() const override;
  void restore(const nlohmann::json& state) override;

 private:
  const Dataset<T>& train_;
  const Dataset<T>* test_;
  const Dataset<T>* validation_ = nullptr;
  ClassifierOptions options_;
  LossFn loss_;
  DataLoader<T> loader_;
};

}  // namespace minidl
