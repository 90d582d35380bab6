#pragma once
// The confusion matrix of a classifier and what it tells per class: precision, recall, support.
//
//   minidl::ConfusionMatrix cm(10);
//   for (i ...) cm.add(label[i], predicted[i]);
//   std::cout << cm.accuracy() << "\n" << format_class_report(cm) << format_confusion(cm);

#include <cstddef>
#include <string>
#include <vector>

namespace minidl {

/// Counts of (true class, predicted class) pairs for `classes` classes: row = truth, column =
/// prediction, so the diagonal holds the correct answers.
class ConfusionMatrix {
 public:
  /// An all-zero matrix. Throws std::invalid_argument for 0 classes.
  explicit ConfusionMatrix(std::size_t classes);

  /// Counts one item. Throws std::out_of_range naming the value when a class is >= classes().
  void add(std::size_t truth, std::size_t predicted);

  std::size_t classes() const { return classes_; }
  /// Items counted with this true class and this prediction.
  std::size_t count(std::size_t truth, std::size_t predicted) const { return counts_[truth * classes_ + predicted]; }
  /// All items counted.
  std::size_t total() const { return total_; }
  /// Items whose true class is c (the row sum).
  std::size_t support(std::size_t c) const;
  /// Items predicted as c (the column sum).
  std::size_t predicted_as(std::size_t c) const;

  /// Correct answers / all items; 0 for an empty matrix.
  double accuracy() const;
  /// Of the items predicted as c, the fraction that are c. NaN when nothing was predicted as c.
  double precision(std::size_t c) const;
  /// Of the items of class c, the fraction predicted as c. NaN when there is no item of class c.
  double recall(std::size_t c) const;

 private:
  std::size_t classes_;
  std::size_t total_ = 0;
  std::vector<std::size_t> counts_;
};

/// One line per class: support, precision and recall in percent ("-" where undefined), then the
/// unweighted mean of each (macro average, over the classes where it is defined).
std::string format_class_report(const ConfusionMatrix& cm);

/// The matrix as aligned text, rows true classes and columns predicted ones, with row and column
/// headers.
std::string format_confusion(const ConfusionMatrix& cm);

}  // namespace minidl
