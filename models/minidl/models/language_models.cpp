#include "minidl/models/language_models.hpp"

#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <minidl/ops/arithmetic.hpp>
#include <minidl/ops/matrix.hpp>
#include <minidl/ops/shape.hpp>
#include <minidl/nn/rnn.hpp>

namespace minidl::models {

namespace {

const char* cell_name(LmCell cell) { return cell == LmCell::Rnn ? "rnn" : "lstm"; }

void check_config(const RecurrentLmConfig& c) {
  if (c.vocabulary == 0 || c.embedding == 0 || c.hidden == 0 || c.layers == 0) {
    throw std::invalid_argument("RecurrentLm: vocabulary " + std::to_string(c.vocabulary) + ", embedding " +
                                std::to_string(c.embedding) + ", hidden " + std::to_string(c.hidden) +
                                " and layers " + std::to_string(c.layers) + " must all be positive");
  }
  if (!(c.dropout >= 0.0 && c.dropout < 1.0)) {
    throw std::invalid_argument("RecurrentLm: dropout " + std::to_string(c.dropout) + " is not in [0, 1)");
  }
  if (c.tie_weights && c.embedding != c.hidden) {
    throw std::invalid_argument("RecurrentLm: tied weights need embedding == hidden, got " +
                                std::to_string(c.embedding) + " and " + std::to_string(c.hidden));
  }
}

template <typename J>
J field(const nlohmann::json& j, const char* name) {
  if (!j.is_object() || !j.contains(name)) {
    throw std::invalid_argument(std::string("RecurrentLmConfig: field '") + name + "' is missing");
  }
  try {
    return j.at(name).get<J>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("RecurrentLmConfig: field '") + name + "' is malformed: " +
                                j.at(name).dump());
  }
}

}  // namespace

nlohmann::json RecurrentLmConfig::to_json() const {
  return {{"cell", cell_name(cell)}, {"vocabulary", vocabulary}, {"embedding", embedding}, {"hidden", hidden},
          {"layers", layers},        {"dropout", dropout},       {"tie_weights", tie_weights}};
}

RecurrentLmConfig RecurrentLmConfig::from_json(const nlohmann::json& j) {
  RecurrentLmConfig c;
  const auto cell = field<std::string>(j, "cell");
  if (cell != "rnn" && cell != "lstm") {
    throw std::invalid_argument("RecurrentLmConfig: field 'cell' is '" + cell + "', not rnn or lstm");
  }
  c.cell = cell == "rnn" ? LmCell::Rnn : LmCell::Lstm;
  c.vocabulary = field<std::size_t>(j, "vocabulary");
  c.embedding = field<std::size_t>(j, "embedding");
  c.hidden = field<std::size_t>(j, "hidden");
  c.layers = field<std::size_t>(j, "layers");
  c.dropout = field<double>(j, "dropout");
  c.tie_weights = field<bool>(j, "tie_weights");
  return c;
}

template <typename T>
RecurrentLm<T>::RecurrentLm(const RecurrentLmConfig& config, Generator& gen) : config_(config) {
  check_config(config);
  gen_ = std::make_unique<Generator>(gen.engine()());
  Generator& g = *gen_;
  embed = this->register_module("embed", std::make_shared<Embedding<T>>(config.vocabulary, config.embedding, g));
  RecurrentOptions options;
  options.layers = config.layers;
  options.batch_first = true;
  options.dropout = config.dropout;
  if (config.cell == LmCell::Rnn) {
    rnn = this->register_module("rnn", std::make_shared<RNN<T>>(config.embedding, config.hidden, g, options));
  } else {
    rnn = this->register_module("rnn", std::make_shared<LSTM<T>>(config.embedding, config.hidden, g, options));
  }
  if (config.tie_weights) {
    b = this->register_parameter("b", zeros<T>({config.vocabulary}));
  } else {
    fc = this->register_module("fc", std::make_shared<Linear<T>>(config.hidden, config.vocabulary, g, Init::Xavier));
  }
  if (config.dropout > 0) dropout_ = this->register_module("dropout", std::make_shared<Dropout<T>>(config.dropout, g));
}

template <typename T>
std::pair<Variable<T>, State<T>> RecurrentLm<T>::forward(const IndexTensor& ids, const State<T>& state) {
  if (ids.dimension() != 2) {
    throw std::invalid_argument(describe() + ": ids must be (N,T), got " + std::to_string(ids.dimension()) + " axes");
  }
  const std::size_t N = ids.shape()[0], T_steps = ids.shape()[1];
  Variable<T> x = embed->forward(ids);  // (N,T,D)
  if (dropout_) x = dropout_->forward(x);
  auto [h, next] = rnn->forward(x, state);  // (N,T,H)
  if (dropout_) h = dropout_->forward(h);
  if (fc) return {fc->forward(h), std::move(next)};
  // Tied: scores = h·Eᵀ + b, the transpose a GEMM flag on the shared table.
  const Variable<T> rows = reshape(h, Shape{N * T_steps, config_.hidden});
  const Variable<T> scores = matmul(rows, embed->W, false, true) + b;  // (N·T, V)
  return {reshape(scores, Shape{N, T_steps, config_.vocabulary}), std::move(next)};
}

template <typename T>
std::string RecurrentLm<T>::describe() const {
  std::ostringstream s;
  s << "RecurrentLm(" << cell_name(config_.cell) << ", V=" << config_.vocabulary << ", D=" << config_.embedding
    << ", H=" << config_.hidden << ", layers=" << config_.layers;
  if (config_.dropout > 0) s << ", dropout=" << config_.dropout;
  if (config_.tie_weights) s << ", tied";
  s << ")";
  return s.str();
}

template <typename T>
RecurrentLmConfig Rnnlm<T>::config_for(std::size_t vocabulary, std::size_t embedding, std::size_t hidden) {
  RecurrentLmConfig c;
  c.cell = LmCell::Rnn;
  c.vocabulary = vocabulary;
  c.embedding = embedding;
  c.hidden = hidden;
  return c;
}

template <typename T>
Rnnlm<T>::Rnnlm(std::size_t vocabulary, std::size_t embedding, std::size_t hidden, Generator& gen)
    : RecurrentLm<T>(config_for(vocabulary, embedding, hidden), gen) {}

template <typename T>
RecurrentLmConfig LstmLm<T>::config_for(std::size_t vocabulary, std::size_t embedding, std::size_t hidden) {
  RecurrentLmConfig c = Rnnlm<T>::config_for(vocabulary, embedding, hidden);
  c.cell = LmCell::Lstm;
  return c;
}

template <typename T>
LstmLm<T>::LstmLm(std::size_t vocabulary, std::size_t embedding, std::size_t hidden, Generator& gen)
    : RecurrentLm<T>(config_for(vocabulary, embedding, hidden), gen) {}

template <typename T>
RecurrentLmConfig BetterRnnlm<T>::config_for(std::size_t vocabulary, std::size_t hidden, double dropout) {
  RecurrentLmConfig c = LstmLm<T>::config_for(vocabulary, hidden, hidden);
  c.layers = 2;
  c.dropout = dropout;
  c.tie_weights = true;
  return c;
}

template <typename T>
BetterRnnlm<T>::BetterRnnlm(std::size_t vocabulary, std::size_t hidden, double dropout, Generator& gen)
    : RecurrentLm<T>(config_for(vocabulary, hidden, dropout), gen) {}

template class RecurrentLm<float>;
template class RecurrentLm<double>;
template class Rnnlm<float>;
template class Rnnlm<double>;
template class LstmLm<float>;
template class LstmLm<double>;
template class BetterRnnlm<float>;
template class BetterRnnlm<double>;

}  // namespace minidl::models
