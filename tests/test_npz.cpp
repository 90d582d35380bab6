// NumPy interop: .npy arrays, .npz archives (np.savez / np.savez_compressed) and models to and from
// them. The archives NumPy itself wrote are tests/fixtures/numpy_savez*.npz (see its README).

#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <string>

#include <minidl/io/atomic_file.hpp>
#include <minidl/io/npz.hpp>
#include <minidl/models/multi_layer_net.hpp>
#include <minidl/models/two_layer_net.hpp>

using namespace minidl;
using minidl_test::message_of;

namespace {

/// A file in the system's temporary folder, unique to this process (runs may overlap).
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("minidl_test_npz_" + std::to_string(::getpid()) + "_" + name)).string();
}

Tensor<float> counting(const Shape& shape, float scale = 0.25f) {
  Tensor<float> t = zeros_tensor<float>(shape);
  for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = scale * static_cast<float>(i) - 1.0f;
  return t;
}

/// The .npy image of a header text and raw data bytes, in format 1.0.
std::string npy_image(const std::string& header, const std::string& data) {
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

/// Same shape and bit-identical values (xtensor's == does not pass through Catch's CHECK).
template <typename T>
bool same(const Tensor<T>& a, const Tensor<T>& b) {
  return a.shape() == b.shape() && std::equal(a.data(), a.data() + a.size(), b.data(),
                                               [](T x, T y) { return std::memcmp(&x, &y, sizeof(T)) == 0; });
}

}  // namespace

TEST_CASE("npy: float32 and float64 arrays of every rank round-trip, in NumPy's exact header", "[npz]") {
  for (const Shape& shape : {Shape{}, Shape{5}, Shape{2, 3}, Shape{2, 3, 4}, Shape{0, 3}}) {
    const Tensor<float> t = counting(shape);
    const std::string bytes = npy_bytes(t);
    const std::size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    CHECK((10 + header_len) % 64 == 0);  // NumPy aligns the data to 64 bytes
    CHECK(bytes.size() == 10 + header_len + 4 * t.size());
    const NpyArray a = parse_npy(bytes, "t");
    CHECK(a.shape == shape);
    CHECK(a.dtype == "<f4");
    CHECK(same(a.to_tensor<float>(), t));
  }
  const std::string two_by_three = npy_bytes(counting({2, 3}));
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  CHECK(two_by_three.substr(10, header.size()) == header);
  // 10 + 59 + 1 bytes up to the newline: padded with spaces to 128, the next multiple of 64.
  REQUIRE(two_by_three.size() == 128 + 6 * 4);
  CHECK(two_by_three.substr(10 + header.size(), 128 - 11 - header.size()) == std::string(128 - 11 - header.size(), ' '));
  CHECK(two_by_three[127] == '\n');
  CHECK(npy_bytes(counting({5})).find("'shape': (5,), }") != std::string::npos);
  CHECK(npy_bytes(counting({})).find("'shape': (), }") != std::string::npos);

  Tensor<double> d = zeros_tensor<double>({3});
  d.data()[0] = 0.1;
  d.data()[1] = -1e300;
  d.data()[2] = 5e-324;
  const NpyArray a = parse_npy(npy_bytes(d), "d");
  CHECK(a.dtype == "<f8");
  CHECK(same(a.to_tensor<double>(), d));  // bit-exact, denormals included
}

TEST_CASE("npy: big-endian, integer, bool, Fortran-ordered and version-2 arrays read as NumPy means them", "[npz]") {
  // >f8 (2,) = [1.5, -2]
  const std::string be = npy_image("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }\n",
                                   std::string("\x3f\xf8\0\0\0\0\0\0\xc0\0\0\0\0\0\0\0", 16));
  CHECK(parse_npy(be, "be").values == std::vector<double>{1.5, -2.0});
  // <i2 (2,3) in Fortran order: column-major bytes of [[1,-2,3],[-4,5,-6]].
  std::string col;
  for (int v : {1, -4, -2, 5, 3, -6}) {
    col += static_cast<char>(v & 0xFF);
    col += static_cast<char>((v >> 8) & 0xFF);
  }
  const NpyArray f = parse_npy(npy_image("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }\n", col), "f");
  CHECK(f.shape == Shape{2, 3});
  CHECK(f.values == std::vector<double>{1, -2, 3, -4, 5, -6});
  CHECK(parse_npy(npy_image("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", "\xff\x01"), "u").values ==
        std::vector<double>{255, 1});
  CHECK(parse_npy(npy_image("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", std::string("\x01\0\x01", 3)), "b")
            .values == std::vector<double>{1, 0, 1});
  CHECK(parse_npy(npy_image("{'descr':'<i8','shape':(1L,),'fortran_order':False}", std::string("\xfe\xff\xff\xff\xff\xff\xff\xff", 8)), "i")
            .values == std::vector<double>{-2});
  // Version 2.0: a 4-byte header length.
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n";
  std::string v2("\x93NUMPY\x02\x00", 8);
  v2 += static_cast<char>(header.size());
  v2 += std::string(3, '\0');
  v2 += header + std::string("\0\0\xc0\x3f", 4);
  CHECK(parse_npy(v2, "v2").values == std::vector<double>{1.5});
}

TEST_CASE("npy: malformed arrays are errors that name the place, the byte offset and the problem", "[npz]") {
  CHECK(message_of([] { parse_npy("PK\x03\x04 not numpy", "f.npz: member 'x.npy'", 100); }) ==
        "f.npz: member 'x.npy' at byte 100: not a .npy array (no \\x93NUMPY magic string)");
  const std::string hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
  CHECK(message_of([&] { parse_npy(npy_image(hdr, std::string(20, '\0')), "w.npy"); }) ==
        "w.npy at byte " + std::to_string(10 + hdr.size()) + ": shape (2,3) of <f4 needs 24 data bytes, the array has 20");
  CHECK_THAT(message_of([] { parse_npy(npy_image("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "12345678"), "o"); }),
             Catch::Contains("dtype '|O' is not supported"));
  CHECK_THAT(message_of([] { parse_npy(npy_image("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "1234"), "s"); }),
             Catch::Contains("structured dtypes are not supported"));
  CHECK_THAT(message_of([] { parse_npy(npy_image("{'descr': '<f4', 'fortran_order': False}", ""), "m"); }),
             Catch::Contains("the header lacks 'shape'"));
  CHECK_THAT(message_of([] { parse_npy(npy_image("{'descr': '<c8', 'fortran_order': False, 'shape': (), }", "12345678"), "c"); }),
             Catch::Contains("dtype '<c8' is not supported"));
  CHECK_THAT(message_of([] { parse_npy(npy_image("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (), }", "1234"), "x"); }),
             Catch::Contains("'fortran_order' is neither True nor False"));
  std::string huge_header("\x93NUMPY\x01\x00\xff\x7f{", 11);
  CHECK_THAT(message_of([&] { parse_npy(huge_header, "h"); }), Catch::Contains("h at byte 8: header length 32767 runs past the end"));
  CHECK_THROWS_AS(parse_npy(npy_image("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", ""), "big"),
                  NpyError);
}

TEST_CASE("npz: archives NumPy wrote (np.savez and np.savez_compressed) read to NumPy's values", "[npz]") {
  for (const char* file : {"numpy_savez.npz", "numpy_savez_compressed.npz"}) {
    INFO(file);
    const NpzArchive z = read_npz(std::string(MINIDL_TEST_FIXTURES) + "/" + file);
    CHECK(z.names() == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(z.at("a").dtype == "<f8");
    CHECK(z.at("a").shape == Shape{2, 3});
    CHECK(z.at("a").values == std::vector<double>{-0.5, -0.25, 0, 0.25, 0.5, 0.75});
    CHECK(z.at("b").dtype == ">f4");
    CHECK(z.at("b").values == std::vector<double>{1.5, -2.0, 3.25});
    CHECK(z.at("c").values == std::vector<double>{1, -2, 3, -4, 5, -6});
    CHECK(z.at("d").shape.empty());
    CHECK(z.at("d").values == std::vector<double>{7});
    CHECK_THAT(message_of([&] { z.at("W1"); }), Catch::Contains("no array named 'W1' (the archive holds: a, b, c, d)"));
  }
}

TEST_CASE("npz: written archives read back, stored or deflated, and the same input gives the same bytes", "[npz]") {
  const std::vector<std::pair<std::string, Tensor<float>>> arrays{
      {"fc1.W", counting({4, 3})}, {"fc1.b", counting({3})}, {"scalar", counting({})}};
  for (bool compressed : {false, true}) {
    const std::string bytes = npz_bytes(arrays, compressed);
    CHECK(bytes == npz_bytes(arrays, compressed));
    const NpzArchive z = parse_npz(bytes, "mem.npz");
    REQUIRE(z.names() == std::vector<std::string>{"fc1.W", "fc1.b", "scalar"});
    for (const auto& [name, t] : arrays) CHECK(same(z.at(name).to_tensor<float>(), t));
  }
  // Zeros deflate to almost nothing: compression is really applied.
  const std::vector<std::pair<std::string, Tensor<float>>> zeros{{"z", zeros_tensor<float>({100, 100})}};
  CHECK(npz_bytes(zeros, true).size() < npz_bytes(zeros, false).size() / 20);
  CHECK_THROWS_WITH(npz_bytes(std::vector<std::pair<std::string, Tensor<float>>>{{"a", counting({1})}, {"a", counting({1})}}),
                    Catch::Contains("two arrays named 'a'"));
  CHECK_THROWS_WITH(npz_bytes(std::vector<std::pair<std::string, Tensor<float>>>{{"a/b", counting({1})}}),
                    Catch::Contains("'a/b' must be non-empty and hold no '/'"));

  const std::string path = temp_path("roundtrip.npz");
  write_npz(path, arrays, true);
  CHECK(same(read_npz(path).at("fc1.W").to_tensor<float>(), arrays[0].second));
  std::remove(path.c_str());
}

TEST_CASE("npz: corrupt archives are errors naming the file, the member and the byte offset", "[npz]") {
  const std::vector<std::pair<std::string, Tensor<float>>> arrays{{"w", counting({8})}};
  const std::string good = npz_bytes(arrays, false);
  // The local header of "w.npy" is 30 + 5 bytes; the .npy header then takes 64 bytes.
  std::string flipped = good;
  flipped[35 + 64 + 3] ^= 0x40;
  CHECK(message_of([&] { parse_npz(flipped, "p.npz"); }) ==
        "p.npz: member 'w.npy' (data at byte 35): CRC-32 mismatch (the member is corrupt)");
  CHECK_THAT(message_of([&] { parse_npz(good.substr(0, good.size() - 30), "t.npz"); }),
             Catch::Contains("t.npz: not a ZIP archive: no end-of-central-directory record"));
  CHECK_THAT(message_of([] { parse_npz("short", "s.npz"); }), Catch::Contains("s.npz: not a ZIP archive"));

  std::string deflated = npz_bytes(arrays, true);
  deflated[40] ^= 0x55;  // inside the deflate stream
  CHECK_THAT(message_of([&] { parse_npz(deflated, "d.npz"); }), Catch::Contains("d.npz: member 'w.npy' (data at byte 35)"));

  // A member that is not an array.
  std::string renamed = good;
  for (std::size_t at = renamed.find("w.npy"); at != std::string::npos; at = renamed.find("w.npy", at + 1)) {
    renamed.replace(at, 5, "w.txt");
  }
  CHECK(message_of([&] { parse_npz(renamed, "r.npz"); }) ==
        "r.npz: member 'w.txt' at byte 35: not a .npy array (an .npz holds only <name>.npy members)");
  CHECK_THROWS_AS(read_npz(temp_path("does_not_exist.npz")), FileError);
}

TEST_CASE("npz: the book's W1, b1, W2, b2 fill a TwoLayerNet; mismatches leave the net untouched", "[npz]") {
  Generator gen(5);
  models::TwoLayerNet<float> net(4, 3, 2, gen);
  const std::string path = temp_path("book.npz");
  const std::vector<std::pair<std::string, Tensor<double>>> book{
      {"W1", counting({4, 3}, 0.5f)}, {"b1", counting({3}, 0.125f)}, {"W2", counting({3, 2}, -0.25f)}, {"b2", counting({2}, 2.0f)}};
  write_npz(path, book);
  load_npz(net, path, models::two_layer_net_book_names());
  CHECK(same(net.affine1->W.data(), counting({4, 3}, 0.5f)));
  CHECK(same(net.affine1->b.data(), counting({3}, 0.125f)));
  CHECK(same(net.affine2->W.data(), counting({3, 2}, -0.25f)));
  CHECK(same(net.affine2->b.data(), counting({2}, 2.0f)));

  const Tensor<float> before = net.affine1->W.data();
  models::TwoLayerNet<float> wider(5, 3, 2, gen);
  CHECK(message_of([&] { load_npz(wider, path, models::two_layer_net_book_names()); }) ==
        path + ": array 'W1' has shape (4,3), but affine1.W of the model is (5,3)");
  CHECK(message_of([&] { load_npz(net, path); }) ==
        path + ": the arrays do not match the model: missing affine1.W, affine1.b, affine2.W, affine2.b; not in the model "
               "W1, b1, W2, b2 (the archive holds: W1, b1, W2, b2)");
  write_npz(path, std::vector<std::pair<std::string, Tensor<double>>>{book[0], book[1], book[2]});
  CHECK_THAT(message_of([&] { load_npz(net, path, models::two_layer_net_book_names()); }), Catch::EndsWith("missing affine2.b (the archive holds: W1, b1, W2)"));
  CHECK(same(net.affine1->W.data(), before));
  std::remove(path.c_str());
}

TEST_CASE("npz: save_npz writes parameters and buffers by name; load_npz restores the same predictions", "[npz]") {
  models::MultiLayerNetConfig cfg;
  cfg.input_size = 6;
  cfg.hidden_sizes = {5};
  cfg.output_size = 3;
  cfg.use_batchnorm = true;
  Generator gen(11);
  models::MultiLayerNet<float> a(cfg, gen), b(cfg, gen);
  a.batch_norms[0]->running_mean.data() = counting({5}, 0.1f);
  a.batch_norms[0]->running_var.data() = counting({5}, 0.2f) + 2.0f;
  const std::string path = temp_path("mln.npz");
  save_npz(a, path);
  CHECK(read_npz(path).names() == std::vector<std::string>{"affine1.W", "affine1.b", "affine2.W", "affine2.b", "bn1.gamma",
                                                           "bn1.beta", "bn1.running_mean", "bn1.running_var"});
  load_npz(b, path);
  a.eval();
  b.eval();
  const Variable<float> x(counting({4, 6}, 0.3f));
  CHECK(same(a.predict(x).data(), b.predict(x).data()));
  std::remove(path.c_str());
}
