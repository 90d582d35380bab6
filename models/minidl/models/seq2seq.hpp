#pragma once
// The sequel's sequence-to-sequence models: an LSTM encoder reads the question, a decoder writes
// the answer one character at a time.
//
//   models::Seq2seqSizes sizes{vocab.size(), 16, 128};
//   models::PeekySeq2seq<float> model(sizes, gen);
//   Variable<float> loss = model.loss(batch);                          // teacher forcing
//   IndexTensor answer = model.generate(batch.source, start_id, 4);   // greedy, (N,4)
//
// - Seq2seq (chapter 7): the encoder's last h is the decoder's initial h.
// - PeekySeq2seq (chapter 7): that h is also fed to every decoder step.
// - AttentionSeq2seq (chapter 8): the decoder attends over every encoder state; generate() can
//   return the attention weights.
// The "reversed input" variant is a data option (text::encode_pairs), not a model.

#include <cstddef>
#include <memory>
#include <string>

#include <minidl/core/index.hpp>
#include <minidl/core/random.hpp>
#include <minidl/models/seq2seq_parts.hpp>
#include <minidl/text/seq2seq_data.hpp>

namespace minidl::models {

/// An encoder and a decoder: children "encoder" and "decoder" (parameters "encoder.embed.W", ...).
template <typename T>
class Seq2seqModel : public Module<T> {
 public:
  /// Scores (N,Tt',V) of every answer position given the true previous characters (teacher
  /// forcing): source (N,Ts), decoder_input (N,Tt').
  Variable<T> logits(const IndexTensor& source, const IndexTensor& decoder_input);
  /// Mean softmax cross-entropy of the batch's labels under logits(source, decoder_input).
  Variable<T> loss(const text::Seq2seqBatch& batch);
  /// Greedy decoding of `length` characters for each source row, starting from `start_id`: each
  /// step feeds the previous step's highest-scoring character back in. Returns (N,length) ids.
  /// Records no graph. When `attention` is not null it receives the weights (N,length,Ts); a model
  /// without attention then throws std::invalid_argument.
  IndexTensor generate(const IndexTensor& source, Index start_id, std::size_t length, Tensor<T>* attention = nullptr);
  /// True when generate() can return attention weights.
  bool attends() const { return decoder->attends(); }
  /// Always throws std::logic_error: the model reads ids, see logits() and generate().
  Variable<T> forward(const Variable<T>& x) override;
  /// "PeekySeq2seq(V=13, D=16, H=128)".
  std::string describe() const override;

  std::shared_ptr<Seq2seqEncoder<T>> encoder;
  std::shared_ptr<Seq2seqDecoder<T>> decoder;

 protected:
  Seq2seqModel(const std::string& name, const Seq2seqSizes& sizes, Generator& gen,
               std::shared_ptr<Seq2seqDecoder<T>> (*make_decoder)(const Seq2seqSizes&, Generator&));

 private:
  std::string name_;
  Seq2seqSizes sizes_;
};

/// Chapter 7's Seq2seq: LSTM encoder, plain decoder.
template <typename T>
class Seq2seq : public Seq2seqModel<T> {
 public:
  /// Throws std::invalid_argument for a zero size.
  Seq2seq(const Seq2seqSizes& sizes, Generator& gen);
};

/// Chapter 7's peeky Seq2seq: the encoder's last h joins every decoder step's inputs.
template <typename T>
class PeekySeq2seq : public Seq2seqModel<T> {
 public:
  /// Throws std::invalid_argument for a zero size.
  PeekySeq2seq(const Seq2seqSizes& sizes, Generator& gen);
};

/// Chapter 8's attention Seq2seq: dot-product attention over all encoder states.
template <typename T>
class AttentionSeq2seq : public Seq2seqModel<T> {
 public:
  /// Throws std::invalid_argument for a zero size.
  AttentionSeq2seq(const Seq2seqSizes& sizes, Generator& gen);
};

/// "baseline" (Seq2seq), "peeky" (PeekySeq2seq) or "attention" (AttentionSeq2seq). Throws
/// std::invalid_argument naming the kind otherwise.
template <typename T>
std::unique_ptr<Seq2seqModel<T>> make_seq2seq(const std::string& kind, const Seq2seqSizes& sizes, Generator& gen);

}  // namespace minidl::models
