#include "minidl/models/seq2seq.hpp"

#include <stdexcept>
#include <vector>

#include <minidl/core/grad_mode.hpp>
#include <minidl/ops/loss.hpp>
#include <minidl/ops/shape.hpp>

namespace minidl::models {
namespace {

template <typename T, template <typename> class D>
std::shared_ptr<Seq2seqDecoder<T>> make_decoder(const Seq2seqSizes& sizes, Generator& gen) {
  return std::make_shared<D<T>>(sizes, gen);
}

}  // namespace

template <typename T>
Seq2seqModel<T>::Seq2seqModel(const std::string& name, const Seq2seqSizes& sizes, Generator& gen,
                              std::shared_ptr<Seq2seqDecoder<T>> (*make)(const Seq2seqSizes&, Generator&))
    : name_(name), sizes_(sizes) {
  encoder = this->register_module("encoder", std::make_shared<Seq2seqEncoder<T>>(sizes, gen));
  decoder = this->register_module("decoder", make(sizes, gen));
}

template <typename T>
Variable<T> Seq2seqModel<T>::logits(const IndexTensor& source, const IndexTensor& decoder_input) {
  State<T> state;
  return decoder->decode(decoder_input, encoder->encode(source), state);
}

template <typename T>
Variable<T> Seq2seqModel<T>::loss(const text::Seq2seqBatch& batch) {
  return softmax_cross_entropy(logits(batch.source, batch.decoder_input), batch.labels);
}

template <typename T>
IndexTensor Seq2seqModel<T>::generate(const IndexTensor& source, Index start_id, std::size_t length,
                                      Tensor<T>* attention) {
  if (attention != nullptr && !attends()) {
    throw std::invalid_argument(name_ + "::generate: this model has no attention weights to return");
  }
  NoGradGuard no_grad;
  const Encoded<T> encoded = encoder->encode(source);
  const std::size_t n = source.shape(0);
  IndexTensor out = IndexTensor::from_shape({n, length});
  IndexTensor step = IndexTensor::from_shape({n, 1});
  step.fill(start_id);
  State<T> state;
  std::vector<Variable<T>> weights;
  for (std::size_t t = 0; t < length; ++t) {
    Variable<T> a;
    const Variable<T> scores = decoder->decode(step, encoded, state, attention != nullptr ? &a : nullptr);  // (N,1,V)
    const std::size_t v = scores.shape()[2];
    const T* s = scores.data().data();
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t best = 0;  // the first of equal maxima, as NumPy's argmax
      for (std::size_t k = 1; k < v; ++k) {
        if (s[i * v + k] > s[i * v + best]) best = k;
      }
      out(i, t) = static_cast<Index>(best);
      step(i, 0) = static_cast<Index>(best);
    }
    if (attention != nullptr) weights.push_back(a);
  }
  if (attention != nullptr) *attention = length == 0 ? Tensor<T>() : concat(weights, 1).data();
  return out;
}

template <typename T>
Variable<T> Seq2seqModel<T>::forward(const Variable<T>& x) {
  throw std::logic_error(name_ + ": takes token ids, not a float Variable of shape " + shape_str(x.shape()) +
                         "; call logits(source, decoder_input) or generate()");
}

template <typename T>
std::string Seq2seqModel<T>::describe() const {
  return name_ + "(V=" + std::to_string(sizes_.vocabulary) + ", D=" + std::to_string(sizes_.wordvec) +
         ", H=" + std::to_string(sizes_.hidden) + ")";
}

template <typename T>
Seq2seq<T>::Seq2seq(const Seq2seqSizes& sizes, Generator& gen)
    : Seq2seqModel<T>("Seq2seq", sizes, gen, &make_decoder<T, PlainDecoder>) {}

template <typename T>
PeekySeq2seq<T>::PeekySeq2seq(const Seq2seqSizes& sizes, Generator& gen)
    : Seq2seqModel<T>("PeekySeq2seq", sizes, gen, &make_decoder<T, PeekyDecoder>) {}

template <typename T>
AttentionSeq2seq<T>::AttentionSeq2seq(const Seq2seqSizes& sizes, Generator& gen)
    : Seq2seqModel<T>("AttentionSeq2seq", sizes, gen, &make_decoder<T, AttentionDecoder>) {}

template <typename T>
std::unique_ptr<Seq2seqModel<T>> make_seq2seq(const std::string& kind, const Seq2seqSizes& sizes, Generator& gen) {
  if (kind == "baseline") return std::make_unique<Seq2seq<T>>(sizes, gen);
  if (kind == "peeky") return std::make_unique<PeekySeq2seq<T>>(sizes, gen);
  if (kind == "attention") return std::make_unique<AttentionSeq2seq<T>>(sizes, gen);
  throw std::invalid_argument("make_seq2seq: unknown model '" + kind + "' (baseline, peeky, attention)");
}

#define MINIDL_SEQ2SEQ(T)                                                                                \
  template class Seq2seqModel<T>;                                                                        \
  template class Seq2seq<T>;                                                                             \
  template class PeekySeq2seq<T>;                                                                        \
  template class AttentionSeq2seq<T>;                                                                    \
  template std::unique_ptr<Seq2seqModel<T>> make_seq2seq<T>(const std::string&, const Seq2seqSizes&, Generator&);
MINIDL_SEQ2SEQ(float)
MINIDL_SEQ2SEQ(double)
#undef MINIDL_SEQ2SEQ

}  // namespace minidl::models
