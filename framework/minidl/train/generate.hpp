#pragma once
// Text generation with a language model (the sequel's chapter 7 opening): feed a prompt, then
// repeatedly sample the next word from the softmax of the model's scores and feed it back.

#include <cstddef>
#include <vector>

#include "minidl/core/index.hpp"
#include "minidl/core/random.hpp"
#include "minidl/nn/language_model.hpp"

namespace minidl {

/// `count` sampled ids following `prompt` (at least one id; the prompt is not repeated in the
/// result). The prompt is read from a zero state; each next id is drawn from softmax(scores) with
/// the ids in `skip` (e.g. <unk>) given probability 0 and the rest renormalised, so a skipped id
/// is never emitted. Runs in eval mode without a graph (the mode is restored). The draws come only
/// from `gen`: the same model, prompt and generator state give the same text. Throws
/// std::invalid_argument for an empty prompt, an id outside [0, V), or a skip list that leaves
/// no id with a positive probability.
template <typename T>
std::vector<Index> generate_tokens(LanguageModel<T>& model, const std::vector<Index>& prompt, std::size_t count,
                            Generator& gen, const std::vector<Index>& skip = {});

}  // namespace minidl
