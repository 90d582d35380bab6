#pragma once
// The parts of the sequel's sequence-to-sequence models (chapters 7-8): an LSTM encoder and three
// decoders (plain, peeky, attention). models/seq2seq.hpp puts them together.
//
// Every tensor is batch-first: ids (N,T), embeddings (N,T,D), hidden states (N,T,H), scores
// (N,T,V). A decoder's decode() runs any number of steps: the whole answer at once when training
// (teacher forcing) and one step at a time when generating, so each decoder's arithmetic is
// written once.

#include <cstddef>
#include <memory>
#include <string>

#include <minidl/core/index.hpp>
#include <minidl/core/random.hpp>
#include <minidl/nn/embedding.hpp>
#include <minidl/nn/linear.hpp>
#include <minidl/nn/rnn.hpp>

namespace minidl::models {

/// The sizes of a seq2seq model (the book's defaults for addition: wordvec 16, hidden 128).
struct Seq2seqSizes {
  std::size_t vocabulary = 0;  ///< V: characters
  std::size_t wordvec = 16;    ///< D: embedding width
  std::size_t hidden = 128;    ///< H: LSTM width of the encoder and the decoder
};

/// What the encoder hands the decoder.
template <typename T>
struct Encoded {
  Variable<T> hs;  ///< (N,Ts,H): the encoder's hidden state at every source position
  Variable<T> h;   ///< (N,H): its last hidden state, the summary of the whole question
};

/// Embedding (V,D) then an LSTM (D -> H) over the source from a zero state. Children "embed",
/// "lstm".
template <typename T>
class Seq2seqEncoder : public Module<T> {
 public:
  /// Throws std::invalid_argument for a zero size.
  Seq2seqEncoder(const Seq2seqSizes& sizes, Generator& gen);
  /// Encodes source ids (N,Ts). Throws std::invalid_argument unless source is 2-D and non-empty.
  Encoded<T> encode(const IndexTensor& source);
  /// Always throws std::logic_error: the encoder reads ids, see encode().
  Variable<T> forward(const Variable<T>& x) override;
  /// "Seq2seqEncoder(V=13, D=16, H=128)".
  std::string describe() const override;

  std::shared_ptr<Embedding<T>> embed;
  std::shared_ptr<LSTM<T>> lstm;
};

/// The interface of the three decoders.
template <typename T>
class Seq2seqDecoder : public Module<T> {
 public:
  /// Decodes input ids (N,T') given the encoding and returns the scores (N,T',V). `state` is the
  /// decoder LSTM's {h, c} and is updated to the state after the last step; an empty state starts
  /// from h = the encoder's last h and c = 0 (the book's decoders). When `attention` is not null
  /// and the decoder attends, it receives the attention weights (N,T',Ts).
  virtual Variable<T> decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                             Variable<T>* attention = nullptr) = 0;
  /// True for a decoder with attention weights.
  virtual bool attends() const { return false; }
  /// Always throws std::logic_error: a decoder reads ids, see decode().
  Variable<T> forward(const Variable<T>& x) override;

 protected:
  /// Checks inputs (N,T') against the encoding's batch and, for an empty state, fills it with
  /// {h, 0}, both (1,N,H).
  void begin(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state) const;
};

/// Chapter 7's decoder: Embedding -> LSTM -> Linear (H -> V). Children "embed", "lstm", "affine".
template <typename T>
class PlainDecoder : public Seq2seqDecoder<T> {
 public:
  PlainDecoder(const Seq2seqSizes& sizes, Generator& gen);
  Variable<T> decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                     Variable<T>* attention = nullptr) override;
  std::string describe() const override { return "PlainDecoder"; }

  std::shared_ptr<Embedding<T>> embed;
  std::shared_ptr<LSTM<T>> lstm;
  std::shared_ptr<Linear<T>> affine;
};

/// Chapter 7's peeky decoder: the encoder's last h "peeks" into every step, concatenated to the
/// LSTM's input [h, embedding] (H+D) and to the affine layer's input [h, LSTM output] (2H).
/// Children "embed", "lstm", "affine".
template <typename T>
class PeekyDecoder : public Seq2seqDecoder<T> {
 public:
  PeekyDecoder(const Seq2seqSizes& sizes, Generator& gen);
  Variable<T> decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                     Variable<T>* attention = nullptr) override;
  std::string describe() const override { return "PeekyDecoder"; }

  std::shared_ptr<Embedding<T>> embed;
  std::shared_ptr<LSTM<T>> lstm;
  std::shared_ptr<Linear<T>> affine;
};

/// Chapter 8's decoder: Embedding -> LSTM gives ds (N,T',H); each step attends over the encoder
/// states hs (N,Ts,H) with dot-product weights a = softmax_s(ds · hsᵀ) (N,T',Ts) and reads the
/// context c = a · hs (N,T',H); Linear (2H -> V) scores [c, ds]. Two batched matmuls and a softmax,
/// all existing ops. Children "embed", "lstm", "affine".
template <typename T>
class AttentionDecoder : public Seq2seqDecoder<T> {
 public:
  AttentionDecoder(const Seq2seqSizes& sizes, Generator& gen);
  Variable<T> decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                     Variable<T>* attention = nullptr) override;
  bool attends() const override { return true; }
  std::string describe() const override { return "AttentionDecoder"; }

  std::shared_ptr<Embedding<T>> embed;
  std::shared_ptr<LSTM<T>> lstm;
  std::shared_ptr<Linear<T>> affine;
};

}  // namespace minidl::models
