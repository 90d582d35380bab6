// word2vec: word vectors from a real English corpus, the sequel's chapters 2-4. Count-based
// vectors (co-occurrence matrix -> PPMI -> truncated SVD through LAPACK) and CBOW with negative
// sampling trained by Adam, then the nearest words of a few queries and an analogy.
//
//   build/word2vec                               # fortunes corpus, both methods
//   build/word2vec --method cbow --epochs 5 --query you,year,car --analogy man,men,woman
//
// The corpus is a UTF-8 file or a folder of them (default: the Debian package fortunes).

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <minidl/minidl.hpp>
#include <minidl/detail/blas.hpp>
#include <minidl/models/cbow.hpp>
#include <minidl/text/cooccurrence.hpp>
#include <minidl/text/corpus.hpp>
#include <minidl/text/negative_sampling.hpp>
#include <minidl/text/similarity.hpp>
#include <minidl/text/summary.hpp>
#include <minidl/text/svd_embedding.hpp>
#include <minidl/text/tokenizer.hpp>
#include <minidl/text/vocabulary.hpp>

using namespace minidl;

namespace {

constexpr std::size_t kTopK = 5;  // neighbours printed per query

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Prints the neighbours of each query word and the analogy, skipping words outside the vocabulary.
void report(const std::string& title, const Tensor<float>& vectors, const text::Vocabulary& vocab,
            const std::vector<std::string>& queries, const std::vector<std::string>& analogy) {
  std::cout << "\n[" << title << "]\n";
  for (const auto& q : queries) {
    if (!vocab.contains(q)) {
      std::cout << "  " << q << ": not in the vocabulary\n";
      continue;
    }
    std::cout << "  " << q << ":";
    for (const auto& [word, score] : text::most_similar(q, vocab, vectors, kTopK)) {
      std::printf(" %s %.3f", word.c_str(), score);
    }
    std::cout << "\n";
  }
  if (analogy.size() == 3) {
    std::cout << "  " << analogy[0] << " : " << analogy[1] << " = " << analogy[2] << " : ?";
    try {
      for (const auto& [word, score] : text::analogy(analogy[0], analogy[1], analogy[2], vocab, vectors, kTopK)) {
        std::printf(" %s %.3f", word.c_str(), score);
      }
    } catch (const std::invalid_argument& e) {
      std::cout << " (" << e.what() << ")";
    }
    std::cout << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_path = text::kFortunesFolder, method = "both";
  std::size_t lines = 0, vocab_size = 2000, window = 2, dim = 100, epochs = 3, batch = 100, negatives = 5;
  double lr = 0.003;
  std::uint64_t seed = 1;
  std::vector<std::string> queries{"you", "man", "god", "computer", "money", "good"};
  std::vector<std::string> analogy{"he", "his", "she"};
  CLI::App app{"Word vectors on a text corpus: PPMI+SVD and CBOW with negative sampling (the sequel, chapters 2-4)"};
  app.set_version_flag("--version", minidl::version_banner("word2vec"));
  app.add_option("--corpus", corpus_path, "a UTF-8 text file or a folder of them (the fortunes folder reads "
                                          "without its .dat index files and % separators)")->capture_default_str();
  app.add_option("--lines", lines, "use only the first N lines (0: all)")->capture_default_str();
  app.add_option("--vocab", vocab_size, "vocabulary cap, <unk> included")->capture_default_str()->check(CLI::Range(2, 20000));
  app.add_option("--window", window, "context window on each side")->capture_default_str()->check(CLI::Range(1, 10));
  app.add_option("--dim", dim, "vector size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--method", method, "count, cbow or both")->capture_default_str()->check(CLI::IsMember({"count", "cbow", "both"}));
  app.add_option("--epochs", epochs, "CBOW epochs")->capture_default_str();
  app.add_option("--batch-size", batch, "CBOW batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--negatives", negatives, "negative words per example")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", lr, "Adam learning rate of CBOW")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the initial vectors, the shuffling and the negatives")->capture_default_str();
  app.add_option("--query", queries, "words whose nearest neighbours are printed")->delimiter(',')->capture_default_str();
  app.add_option("--analogy", analogy, "a,b,c: prints the words d with a : b = c : d")->delimiter(',')->expected(3)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  try {
    std::cout << "BLAS: " << blas::kernel().label() << ", 1 thread\n";
    const auto t_read = std::chrono::steady_clock::now();
    const text::CorpusOptions options =
        corpus_path == text::kFortunesFolder ? text::fortunes_options() : text::CorpusOptions{};
    text::Corpus corpus = text::read_corpus(corpus_path, options);
    if (lines > 0 && lines < corpus.lines.size()) corpus.lines.resize(lines);
    const auto tokens = text::tokenize_words(corpus.lines);
    const text::Vocabulary vocab = text::Vocabulary::build(tokens, vocab_size);
    const IndexTensor ids = vocab.encode(tokens);
    std::cout << "corpus: " << text::summarize(corpus, tokens, vocab).str() << " (read in " << seconds_since(t_read)
              << " s)\n";
    if (dim > vocab.size()) throw std::invalid_argument("--dim " + std::to_string(dim) + " exceeds the vocabulary");

    if (method != "cbow") {
      const auto t0 = std::chrono::steady_clock::now();
      const Tensor<float> c = text::cooccurrence_matrix(ids, vocab.size(), window);
      const Tensor<float> m = text::ppmi(c);
      const double t_ppmi = seconds_since(t0);
      const Tensor<float> w = text::svd_embeddings(m, dim);
      std::printf("count-based: co-occurrence + PPMI %.2f s, SVD (%zu of %zu) %.2f s\n", t_ppmi, dim, vocab.size(),
                  seconds_since(t0) - t_ppmi);
      report("PPMI + SVD", w, vocab, queries, analogy);
    }
    if (method != "count") {
      Generator gen(seed);
      models::Cbow<float> model(vocab.size(), dim, gen);
      Adam<float> adam(model.parameters(), lr);
      const text::ContextTargets data = text::make_contexts(ids, window);
      const text::UnigramSampler sampler(vocab.counts());
      std::cout << "\nCBOW: " << data.targets.size() << " examples, window " << window << ", " << negatives
                << " negatives, batch " << batch << ", Adam lr " << lr << "\n";
      for (std::size_t e = 1; e <= epochs; ++e) {
        const auto t0 = std::chrono::steady_clock::now();
        const double loss = models::train_cbow_epoch(model, adam, data, sampler, negatives, batch, gen);
        std::printf("  epoch %zu: loss %.4f (%.1f s)\n", e, loss, seconds_since(t0));
      }
      report("CBOW", model.W_in.data(), vocab, queries, analogy);
    }
  } catch (const std::exception& e) {
    std::cerr << "word2vec: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
