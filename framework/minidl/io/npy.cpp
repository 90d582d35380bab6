#include "minidl/io/npy.hpp"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>

#include "minidl/io/atomic_file.hpp"

namespace minidl {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicSize = 6;
constexpr std::size_t kAlignment = 64;  // NumPy aligns the data start to 64 bytes since 1.14

/// A parse failure at a byte of the .npy image.
[[noreturn]] void fail(const std::string& where, std::size_t offset, const std::string& what) {
  throw NpyError(where + " at byte " + std::to_string(offset) + ": " + what);
}

/// The element type a dtype string names.
struct Dtype {
  char kind = 0;          // 'f' float, 'i' signed, 'u' unsigned, 'b' bool
  std::size_t size = 0;   // bytes per element
  bool big_endian = false;
};

bool parse_dtype(const std::string& d, Dtype& out) {
  if (d.size() < 3) return false;
  const char order = d[0], kind = d[1];
  if (order != '<' && order != '>' && order != '|' && order != '=') return false;
  std::size_t size = 0;
  for (std::size_t i = 2; i < d.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(d[i])) || size > 64) return false;
    size = size * 10 + static_cast<std::size_t>(d[i] - '0');
  }
  const bool ok = (kind == 'f' && (size == 4 || size == 8)) || ((kind == 'i' || kind == 'u') &&
                  (size == 1 || size == 2 || size == 4 || size == 8)) || (kind == 'b' && size == 1);
  if (!ok) return false;
  out = Dtype{kind, size, order == '>'};
  return true;
}

/// The header dict NumPy writes, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }:
/// a Python literal limited to what that dict can hold (quoted strings, True/False, int tuples).
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where, std::size_t base)
      : s_(text), where_(where), base_(base) {}

  void parse(std::string& descr, bool& fortran, Shape& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_at = i_;
      const std::string key = quoted();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"') {
          fail_here("'descr' is not a plain type string: structured dtypes are not supported");
        }
        descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        fail(where_, base_ + key_at, "unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      if (peek() != '}') fail_here("expected ',' or '}' in the header dict");
    }
    if (!have_descr || !have_fortran || !have_shape) {
      fail(where_, base_, "the header lacks " + std::string(!have_descr ? "'descr'" : !have_fortran ? "'fortran_order'" : "'shape'"));
    }
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_space() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  [[noreturn]] void fail_here(const std::string& what) const { fail(where_, base_ + i_, what); }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail_here(std::string("expected '") + c + "' in the header");
    ++i_;
  }
  std::string quoted() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail_here("expected a quoted string in the header");
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail_here("unterminated string in the header");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail_here("'fortran_order' is neither True nor False");
  }
  Shape tuple() {
    expect('(');
    Shape shape;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail_here("'shape' must be a tuple of non-negative integers");
      std::size_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (std::numeric_limits<std::size_t>::max() - 9) / 10) fail_here("'shape' extent too large");
        v = v * 10 + static_cast<std::size_t>(s_[i_++] - '0');
      }
      if (peek() == 'L') ++i_;  // Python 2 long literals, as old NumPy wrote them
      shape.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++i_;
      } else if (peek() != ')') {
        fail_here("expected ',' or ')' in 'shape'");
      }
    }
    ++i_;
    return shape;
  }

  const std::string& s_;
  const std::string& where_;
  std::size_t base_;
  std::size_t i_ = 0;
};

double decode(const unsigned char* p, const Dtype& t) {
  unsigned char b[8];
  for (std::size_t k = 0; k < t.size; ++k) b[k] = t.big_endian ? p[t.size - 1 - k] : p[k];
  std::uint64_t u = 0;
  for (std::size_t k = t.size; k-- > 0;) u = (u << 8) | b[k];
  switch (t.kind) {
    case 'f':
      if (t.size == 4) {
        float f;
        const auto u32 = static_cast<std::uint32_t>(u);
        std::memcpy(&f, &u32, 4);
        return f;
      } else {
        double d;
        std::memcpy(&d, &u, 8);
        return d;
      }
    case 'b': return u != 0 ? 1.0 : 0.0;
    case 'u': return static_cast<double>(u);
    default: {  // 'i': sign-extend
      const unsigned bits = static_cast<unsigned>(8 * t.size);
      if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~std::uint64_t(0) << bits;
      return static_cast<double>(static_cast<std::int64_t>(u));
    }
  }
}

template <typename T>
const char* descr_of();
template <>
const char* descr_of<float>() {
  return "<f4";
}
template <>
const char* descr_of<double>() {
  return "<f8";
}

}  // namespace

template <typename T>
Tensor<T> NpyArray::to_tensor() const {
  Tensor<T> t = zeros_tensor<T>(shape);
  T* out = t.data();
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<T>(values[i]);
  return t;
}

NpyArray parse_npy(const std::string& bytes, const std::string& where, std::size_t base_offset) {
  if (bytes.size() < kMagicSize + 4 || bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    fail(where, base_offset, "not a .npy array (no \\x93NUMPY magic string)");
  }
  const auto major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len = 0, header_at = 0;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    header_at = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(where, base_offset + 8, "truncated header length");
    for (int k = 3; k >= 0; --k) header_len = (header_len << 8) | static_cast<unsigned char>(bytes[8 + k]);
    header_at = 12;
  } else {
    fail(where, base_offset + 6, "unsupported .npy format version " + std::to_string(major));
  }
  if (header_len > bytes.size() - header_at) {
    fail(where, base_offset + 8, "header length " + std::to_string(header_len) + " runs past the end (" +
                                     std::to_string(bytes.size()) + " bytes)");
  }
  NpyArray a;
  bool fortran = false;
  HeaderParser(bytes.substr(header_at, header_len), where, base_offset + header_at).parse(a.dtype, fortran, a.shape);
  Dtype t;
  if (!parse_dtype(a.dtype, t)) {
    fail(where, base_offset + header_at, "dtype '" + a.dtype +
                                             "' is not supported (float32/64, integers, bool; no objects, complex or strings)");
  }
  const std::size_t data_at = header_at + header_len;
  std::size_t count = 1;
  for (std::size_t e : a.shape) {
    if (e != 0 && count > std::numeric_limits<std::size_t>::max() / e / t.size) {
      fail(where, base_offset + header_at, "shape " + shape_str(a.shape) + " is too large");
    }
    count *= e;
  }
  const std::size_t have = bytes.size() - data_at;
  if (have != count * t.size) {
    fail(where, base_offset + data_at, "shape " + shape_str(a.shape) + " of " + a.dtype + " needs " +
                                           std::to_string(count * t.size) + " data bytes, the array has " +
                                           std::to_string(have));
  }
  a.values.resize(count);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + data_at);
  if (!fortran || a.shape.size() < 2) {
    for (std::size_t i = 0; i < count; ++i) a.values[i] = decode(p + i * t.size, t);
  } else {
    // Fortran order: the first axis varies fastest. Walk the file's order and place each element at
    // its row-major index.
    const std::size_t rank = a.shape.size();
    std::vector<std::size_t> idx(rank, 0), strides(rank, 1);
    for (std::size_t k = rank - 1; k-- > 0;) strides[k] = strides[k + 1] * a.shape[k + 1];
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t dst = 0;
      for (std::size_t k = 0; k < rank; ++k) dst += idx[k] * strides[k];
      a.values[dst] = decode(p + i * t.size, t);
      for (std::size_t k = 0; k < rank && ++idx[k] == a.shape[k]; ++k) idx[k] = 0;
    }
  }
  return a;
}

template <typename T>
std::string npy_bytes(const Tensor<T>& t) {
  std::string shape = "(";
  for (std::size_t e : t.shape()) shape += std::to_string(e) + ", ";
  if (t.dimension() >= 2) shape.resize(shape.size() - 2);
  if (t.dimension() == 1) shape.resize(shape.size() - 1);  // "(5,)": a 1-tuple keeps its comma
  shape += ")";
  std::string header = std::string("{'descr': '") + descr_of<T>() + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  header += '\n';
  std::string out(kMagic, kMagicSize);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>((header.size() >> 8) & 0xFF);
  out += header;
  static_assert(std::numeric_limits<T>::is_iec559, "npy_bytes writes IEEE floats");
  const std::size_t n = t.size();
  const std::size_t at = out.size();
  out.resize(at + n * sizeof(T));
  // Little-endian as the header says; x86 and ARM (as Linux runs it) store floats that way already.
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "npy_bytes assumes a little-endian machine");
  if (n) std::memcpy(out.data() + at, t.data(), n * sizeof(T));
  return out;
}

NpyArray read_npy(const std::string& path) { return parse_npy(read_whole_file(path), path); }

template <typename T>
void write_npy(const std::string& path, const Tensor<T>& t) {
  write_file_atomically(path, npy_bytes(t));
}

template Tensor<float> NpyArray::to_tensor<float>() const;
template Tensor<double> NpyArray::to_tensor<double>() const;
template std::string npy_bytes<float>(const Tensor<float>&);
template std::string npy_bytes<double>(const Tensor<double>&);
template void write_npy<float>(const std::string&, const Tensor<float>&);
template void write_npy<double>(const std::string&, const Tensor<double>&);

}  // namespace minidl
