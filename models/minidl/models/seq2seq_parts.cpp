#include "minidl/models/seq2seq_parts.hpp"

#include <stdexcept>
#include <vector>

#include <minidl/ops/matrix.hpp>
#include <minidl/ops/shape.hpp>
#include <minidl/ops/softmax.hpp>
#include <minidl/ops/split.hpp>

namespace minidl::models {
namespace {

RecurrentOptions batch_first() {
  RecurrentOptions o;
  o.batch_first = true;
  return o;
}

void check_sizes(const Seq2seqSizes& s, const char* who) {
  if (s.vocabulary == 0 || s.wordvec == 0 || s.hidden == 0) {
    throw std::invalid_argument(std::string(who) + ": sizes must be positive, got V=" + std::to_string(s.vocabulary) +
                                " D=" + std::to_string(s.wordvec) + " H=" + std::to_string(s.hidden));
  }
}

std::string ids_shape(const IndexTensor& ids) {
  std::string s = "(";
  for (std::size_t i = 0; i < ids.dimension(); ++i) s += (i ? "," : "") + std::to_string(ids.shape(i));
  return s + ")";
}

// h (N,H) repeated at every one of `steps` positions: (N,steps,H). stack's backward sums the
// copies' gradients back into h.
template <typename T>
Variable<T> repeat_steps(const Variable<T>& h, std::size_t steps) {
  return stack(std::vector<Variable<T>>(steps, h), 1);
}

}  // namespace

template <typename T>
Seq2seqEncoder<T>::Seq2seqEncoder(const Seq2seqSizes& sizes, Generator& gen) {
  check_sizes(sizes, "Seq2seqEncoder");
  embed = this->register_module("embed", std::make_shared<Embedding<T>>(sizes.vocabulary, sizes.wordvec, gen));
  lstm = this->register_module("lstm", std::make_shared<LSTM<T>>(sizes.wordvec, sizes.hidden, gen, batch_first()));
}

template <typename T>
Encoded<T> Seq2seqEncoder<T>::encode(const IndexTensor& source) {
  if (source.dimension() != 2 || source.size() == 0) {
    throw std::invalid_argument("Seq2seqEncoder: source ids must be (N,Ts) and non-empty, got " + ids_shape(source));
  }
  auto [hs, state] = lstm->forward(embed->forward(source), State<T>{});
  const std::size_t n = source.shape(0), h = hs.shape()[2];
  return {hs, reshape(state[0], Shape{n, h})};
}

template <typename T>
Variable<T> Seq2seqEncoder<T>::forward(const Variable<T>& x) {
  throw std::logic_error("Seq2seqEncoder: takes token ids, not a float Variable of shape " + shape_str(x.shape()) +
                         "; call encode(ids)");
}

template <typename T>
std::string Seq2seqEncoder<T>::describe() const {
  return "Seq2seqEncoder(V=" + std::to_string(embed->W.shape()[0]) + ", D=" + std::to_string(embed->W.shape()[1]) +
         ", H=" + std::to_string(lstm->cells[0]->hidden_size()) + ")";
}

template <typename T>
Variable<T> Seq2seqDecoder<T>::forward(const Variable<T>& x) {
  throw std::logic_error("Seq2seqDecoder: takes token ids, not a float Variable of shape " + shape_str(x.shape()) +
                         "; call decode(ids, encoded, state)");
}

template <typename T>
void Seq2seqDecoder<T>::begin(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state) const {
  const std::size_t n = encoded.h.shape()[0], h = encoded.h.shape()[1];
  if (inputs.dimension() != 2 || inputs.shape(0) != n || inputs.shape(1) == 0) {
    throw std::invalid_argument("Seq2seqDecoder: input ids " + ids_shape(inputs) + " must be (N,T') with T' >= 1 for " +
                                "an encoding of batch " + std::to_string(n));
  }
  if (state.empty()) state = {reshape(encoded.h, Shape{1, n, h}), Variable<T>(zeros_tensor<T>(Shape{1, n, h}))};
}

template <typename T>
PlainDecoder<T>::PlainDecoder(const Seq2seqSizes& sizes, Generator& gen) {
  check_sizes(sizes, "PlainDecoder");
  embed = this->register_module("embed", std::make_shared<Embedding<T>>(sizes.vocabulary, sizes.wordvec, gen));
  lstm = this->register_module("lstm", std::make_shared<LSTM<T>>(sizes.wordvec, sizes.hidden, gen, batch_first()));
  affine = this->register_module("affine", std::make_shared<Linear<T>>(sizes.hidden, sizes.vocabulary, gen, Init::Xavier));
}

template <typename T>
Variable<T> PlainDecoder<T>::decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                                    Variable<T>* /*attention*/) {
  this->begin(inputs, encoded, state);
  auto [out, next] = lstm->forward(embed->forward(inputs), state);  // (N,T',H)
  state = next;
  return affine->forward(out);  // (N,T',V)
}

template <typename T>
PeekyDecoder<T>::PeekyDecoder(const Seq2seqSizes& sizes, Generator& gen) {
  check_sizes(sizes, "PeekyDecoder");
  embed = this->register_module("embed", std::make_shared<Embedding<T>>(sizes.vocabulary, sizes.wordvec, gen));
  lstm = this->register_module(
      "lstm", std::make_shared<LSTM<T>>(sizes.hidden + sizes.wordvec, sizes.hidden, gen, batch_first()));
  affine = this->register_module("affine",
                                 std::make_shared<Linear<T>>(2 * sizes.hidden, sizes.vocabulary, gen, Init::Xavier));
}

template <typename T>
Variable<T> PeekyDecoder<T>::decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                                    Variable<T>* /*attention*/) {
  this->begin(inputs, encoded, state);
  const Variable<T> peek = repeat_steps(encoded.h, inputs.shape(1));           // (N,T',H)
  auto [out, next] = lstm->forward(concat<T>({peek, embed->forward(inputs)}, 2), state);  // (N,T',H+D) -> (N,T',H)
  state = next;
  return affine->forward(concat<T>({peek, out}, 2));  // (N,T',2H) -> (N,T',V)
}

template <typename T>
AttentionDecoder<T>::AttentionDecoder(const Seq2seqSizes& sizes, Generator& gen) {
  check_sizes(sizes, "AttentionDecoder");
  embed = this->register_module("embed", std::make_shared<Embedding<T>>(sizes.vocabulary, sizes.wordvec, gen));
  lstm = this->register_module("lstm", std::make_shared<LSTM<T>>(sizes.wordvec, sizes.hidden, gen, batch_first()));
  affine = this->register_module("affine",
                                 std::make_shared<Linear<T>>(2 * sizes.hidden, sizes.vocabulary, gen, Init::Xavier));
}

template <typename T>
Variable<T> AttentionDecoder<T>::decode(const IndexTensor& inputs, const Encoded<T>& encoded, State<T>& state,
                                        Variable<T>* attention) {
  this->begin(inputs, encoded, state);
  auto [ds, next] = lstm->forward(embed->forward(inputs), state);  // (N,T',H)
  state = next;
  const Variable<T> weights = softmax(matmul(ds, encoded.hs, false, true), -1);  // (N,T',H)·(N,Ts,H)ᵀ -> (N,T',Ts)
  const Variable<T> context = matmul(weights, encoded.hs);                      // (N,T',Ts)·(N,Ts,H) -> (N,T',H)
  if (attention != nullptr) *attention = weights;
  return affine->forward(concat<T>({context, ds}, 2));  // (N,T',2H) -> (N,T',V)
}

template class Seq2seqEncoder<float>;
template class Seq2seqEncoder<double>;
template class Seq2seqDecoder<float>;
template class Seq2seqDecoder<double>;
template class PlainDecoder<float>;
template class PlainDecoder<double>;
template class PeekyDecoder<float>;
template class PeekyDecoder<double>;
template class AttentionDecoder<float>;
template class AttentionDecoder<double>;

}  // namespace minidl::models
