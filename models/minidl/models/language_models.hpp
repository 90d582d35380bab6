#pragma once
// The sequel's word-level language models (chapters 5-6): Embedding -> recurrent layers -> scores
// over the vocabulary at every step. Rnnlm (an Elman RNN), LstmLm (an LSTM) and BetterRnnlm (two
// LSTM layers, dropout and weight tying) are one class, RecurrentLm, with different settings.

#include <cstddef>
#include <memory>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include <minidl/core/random.hpp>
#include <minidl/nn/dropout.hpp>
#include <minidl/nn/embedding.hpp>
#include <minidl/nn/language_model.hpp>
#include <minidl/nn/linear.hpp>

namespace minidl::models {

/// The recurrent cell of a RecurrentLm.
enum class LmCell { Rnn, Lstm };

/// The settings of a RecurrentLm.
struct RecurrentLmConfig {
  LmCell cell = LmCell::Lstm;   ///< Elman RNN (tanh) or LSTM
  std::size_t vocabulary = 0;   ///< V
  std::size_t embedding = 100;  ///< D, the word vector size
  std::size_t hidden = 100;     ///< H, the recurrent state size
  std::size_t layers = 1;       ///< stacked recurrent layers
  double dropout = 0.0;         ///< drop ratio on the word vectors, between layers and before the scores
  bool tie_weights = false;     ///< score with the embedding matrix transposed (needs D == H)

  /// {"cell": "lstm", "vocabulary": ..., every field by name}.
  nlohmann::json to_json() const;
  /// The inverse of to_json. Throws std::invalid_argument naming a missing or malformed field.
  static RecurrentLmConfig from_json(const nlohmann::json& j);
};

/// ids (N,T) -> E[ids] (N,T,D) -> dropout -> recurrent layers (batch first, dropout between
/// them) -> dropout -> scores (N,T,V). Untied, the scores come from a Linear(H, V) "fc"; tied,
/// they are h·Eᵀ + b with E the embedding table itself (Press & Wolf 2017, the book's
/// BetterRnnlm): one Parameter, "embed.W", listed once by parameters() and saved once in a
/// checkpoint, receives the gradients of both uses. The state is the recurrent layers' state
/// ({h} or {h, c}, each (layers, N, H)).
/// Parameters: "embed.W", "rnn.cell0.*", ..., then "fc.W", "fc.b" (untied) or "b" (tied).
template <typename T>
class RecurrentLm : public LanguageModel<T> {
 public:
  /// Weights and dropout masks are drawn from a generator the model owns, seeded with one draw
  /// from `gen`: the masks of a resumed run continue through dropout_generators(). Embedding
  /// N(0, 0.01²), recurrent weights U(−1/√H, 1/√H), fc Xavier, biases 0. Throws
  /// std::invalid_argument for a zero size, a dropout ratio outside [0, 1), or tie_weights with
  /// D != H.
  RecurrentLm(const RecurrentLmConfig& config, Generator& gen);
  RecurrentLm(const RecurrentLm&) = delete;
  RecurrentLm& operator=(const RecurrentLm&) = delete;

  using LanguageModel<T>::forward;
  std::pair<Variable<T>, State<T>> forward(const IndexTensor& ids, const State<T>& state) override;
  std::size_t vocabulary_size() const override { return config_.vocabulary; }
  /// "RecurrentLm(lstm, V=10000, D=100, H=100, layers=2, dropout=0.5, tied)".
  std::string describe() const override;
  const RecurrentLmConfig& config() const { return config_; }

  std::shared_ptr<Embedding<T>> embed;          ///< "embed"
  std::shared_ptr<StatefulModule<T>> rnn;       ///< "rnn": an RNN<T> or LSTM<T>
  std::shared_ptr<Linear<T>> fc;                ///< "fc", null when tied
  Variable<T> b;                                ///< the tied output bias (V), undefined when untied

 private:
  RecurrentLmConfig config_;
  std::unique_ptr<Generator> gen_;  // heap: a stable address for the Dropout layers
  std::shared_ptr<Dropout<T>> dropout_;
};

/// The book's chapter 5 Rnnlm: one Elman RNN layer, no dropout, untied.
template <typename T>
class Rnnlm : public RecurrentLm<T> {
 public:
  /// V words, D-dimensional vectors, H hidden units.
  Rnnlm(std::size_t vocabulary, std::size_t embedding, std::size_t hidden, Generator& gen);
  /// The Rnnlm settings.
  static RecurrentLmConfig config_for(std::size_t vocabulary, std::size_t embedding, std::size_t hidden);
};

/// The book's chapter 6 Rnnlm with an LSTM: one LSTM layer, no dropout, untied.
template <typename T>
class LstmLm : public RecurrentLm<T> {
 public:
  /// V words, D-dimensional vectors, H hidden units.
  LstmLm(std::size_t vocabulary, std::size_t embedding, std::size_t hidden, Generator& gen);
  /// The LstmLm settings.
  static RecurrentLmConfig config_for(std::size_t vocabulary, std::size_t embedding, std::size_t hidden);
};

/// The book's chapter 6 BetterRnnlm: two LSTM layers of H units, dropout (0.5 in the book) on the
/// word vectors, between the layers and before the scores, and the embedding tied to the output
/// (so D = H).
template <typename T>
class BetterRnnlm : public RecurrentLm<T> {
 public:
  /// V words, H-dimensional vectors and hidden units.
  BetterRnnlm(std::size_t vocabulary, std::size_t hidden, double dropout, Generator& gen);
  /// The BetterRnnlm settings.
  static RecurrentLmConfig config_for(std::size_t vocabulary, std::size_t hidden, double dropout);
};

}  // namespace minidl::models
