// Image files: PNG through libpng, PGM/PPM by hand; round trips, hand-made files, malformed ones.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <string>

#include <minidl/io/atomic_file.hpp>
#include <minidl/io/image.hpp>

#include "data_fixtures.hpp"

using namespace minidl;

namespace {

// A w x h image whose every byte differs from its neighbours, so a swapped channel, row or column
// changes the comparison.
Image pattern(std::size_t w, std::size_t h, std::size_t channels) {
  Image img = Image::blank(w, h, channels);
  for (std::size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
  return img;
}

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST_CASE("PNG round trip keeps every byte, for each channel count", "[io][image]") {
  for (std::size_t channels : {1, 2, 3, 4}) {
    CAPTURE(channels);
    const Image img = pattern(7, 5, channels);
    const std::string png = encode_png(img);
    REQUIRE(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    const Image back = decode_image(png, "mem.png");
    REQUIRE(back.width == 7);
    REQUIRE(back.height == 5);
    REQUIRE(back.channels == channels);
    REQUIRE(back.pixels == img.pixels);
  }
}

TEST_CASE("write_png writes atomically and read_image reads the file back", "[io][image]") {
  fixtures::TempDir dir;
  const std::string path = dir.file("grid.png");
  const Image img = pattern(3, 4, 3);
  write_png(path, img);
  struct stat st {};
  REQUIRE(::stat((path + ".tmp").c_str(), &st) != 0);  // no temporary left behind
  const Image back = read_image(path);
  REQUIRE(back.pixels == img.pixels);
  REQUIRE(back.at(2, 3, 2) == img.pixels.back());
}

TEST_CASE("PGM P5 and P2 with comments, scaled from maxval to 8 bits", "[io][image]") {
  // 3x2, maxval 255, a comment between the fields.
  const Image p5 = decode_image("P5\n# made by hand\n3 2\n255\n" + bytes({0, 1, 2, 253, 254, 255}), "a.pgm");
  REQUIRE(p5.width == 3);
  REQUIRE(p5.height == 2);
  REQUIRE(p5.channels == 1);
  REQUIRE(p5.pixels == std::vector<std::uint8_t>{0, 1, 2, 253, 254, 255});
  // maxval 15: v * 255 / 15 rounded, 7 -> 119, 15 -> 255.
  const Image p2 = decode_image("P2 2 2 15 # four samples\n0 7\n8 15\n", "b.pgm");
  REQUIRE(p2.pixels == std::vector<std::uint8_t>{0, 119, 136, 255});
  // 16-bit binary samples are big-endian: 0x8000 of 65535 -> 128.
  const Image p16 = decode_image("P5 2 1 65535\n" + bytes({0x80, 0x00, 0xff, 0xff}), "c.pgm");
  REQUIRE(p16.pixels == std::vector<std::uint8_t>{128, 255});
}

TEST_CASE("PPM P6 and P3 give RGB images", "[io][image]") {
  const Image p6 = decode_image("P6 2 1 255\n" + bytes({255, 0, 0, 0, 0, 255}), "a.ppm");
  REQUIRE(p6.channels == 3);
  REQUIRE(p6.pixels == std::vector<std::uint8_t>{255, 0, 0, 0, 0, 255});
  const Image p3 = decode_image("P3\n1 1\n255\n10 20 30\n", "b.ppm");
  REQUIRE(p3.pixels == std::vector<std::uint8_t>{10, 20, 30});
}

TEST_CASE("Malformed PGM files are errors naming the file and the byte offset", "[io][image]") {
  REQUIRE_THROWS_WITH(decode_image("P5 3 2 255\n" + bytes({1, 2, 3}), "short.pgm"),
                      Catch::Contains("PGM 'short.pgm'") && Catch::Contains("truncated") &&
                          Catch::Contains("6 bytes of pixels expected from byte offset 11, the file has 3"));
  REQUIRE_THROWS_WITH(decode_image("P2 2 1 10\n5 11\n", "big.pgm"),
                      Catch::Contains("big.pgm") && Catch::Contains("byte offset 12") &&
                          Catch::Contains("pixel value 11 exceeds maxval 10"));
  REQUIRE_THROWS_WITH(decode_image("P5 3\n", "nohead.pgm"),
                      Catch::Contains("byte offset 5") && Catch::Contains("the file ends where the height should be"));
  REQUIRE_THROWS_WITH(decode_image("P5 3 x 255\n", "letter.pgm"),
                      Catch::Contains("byte offset 5") && Catch::Contains("expected the height, found 'x'"));
  REQUIRE_THROWS_WITH(decode_image("P5 0 4 255\n", "zero.pgm"), Catch::Contains("the size is 0x4"));
  REQUIRE_THROWS_WITH(decode_image("P5 2 2 0\n", "maxval.pgm"), Catch::Contains("maxval 0 is not in [1, 65535]"));
  REQUIRE_THROWS_WITH(decode_image("P5 100000 100000 255\n", "huge.pgm"),
                      Catch::Contains("100000x100000 pixels is more than read_image accepts"));
  REQUIRE_THROWS_WITH(decode_image("P53 2 255\n", "magic.pgm"),
                      Catch::Contains("byte offset 2") && Catch::Contains("expected whitespace after the magic number P5"));
  REQUIRE_THROWS_WITH(decode_image("P5 1 1 255\n" + bytes({0}).substr(0, 0), "nopix.pgm"),
                      Catch::Contains("truncated"));
  // A binary sample above maxval.
  REQUIRE_THROWS_WITH(decode_image("P5 1 1 100\n" + bytes({200}), "over.pgm"),
                      Catch::Contains("byte offset 11") && Catch::Contains("sample 200 exceeds maxval 100"));
}

TEST_CASE("Damaged PNG files are errors with libpng's reason, never a crash", "[io][image]") {
  const std::string png = encode_png(pattern(16, 16, 3));
  // Cut inside the image data.
  REQUIRE_THROWS_AS(decode_image(png.substr(0, png.size() / 2), "cut.png"), ImageError);
  REQUIRE_THROWS_WITH(decode_image(png.substr(0, png.size() / 2), "cut.png"), Catch::StartsWith("PNG 'cut.png': "));
  // Only the signature.
  REQUIRE_THROWS_WITH(decode_image(png.substr(0, 8), "sig.png"), Catch::StartsWith("PNG 'sig.png': "));
  // A flipped byte in IHDR's width breaks its CRC.
  std::string bad = png;
  bad[18] = static_cast<char>(bad[18] ^ 0x40);
  REQUIRE_THROWS_WITH(decode_image(bad, "crc.png"), Catch::StartsWith("PNG 'crc.png': "));
}

TEST_CASE("Files of other formats are named, unknown ones shown by their first bytes", "[io][image]") {
  REQUIRE_THROWS_WITH(decode_image(bytes({0xff, 0xd8, 0xff, 0xe0, 0, 16}), "photo.jpg"),
                      Catch::Contains("image 'photo.jpg': this is a JPEG file") && Catch::Contains("PNG, PGM and PPM"));
  REQUIRE_THROWS_WITH(decode_image("GIF89a....", "a.gif"), Catch::Contains("this is a GIF file"));
  REQUIRE_THROWS_WITH(decode_image("BM\x36\x00", "a.bmp"), Catch::Contains("this is a BMP file"));
  REQUIRE_THROWS_WITH(decode_image("hello", "a.txt"),
                      Catch::Contains("neither PNG nor PGM/PPM (the file starts with bytes 68 65 6c 6c 6f)"));
  REQUIRE_THROWS_WITH(decode_image("", "empty.png"), Catch::Contains("image 'empty.png': the file is empty"));
}

TEST_CASE("read_image and write_png report OS errors with the reason", "[io][image]") {
  REQUIRE_THROWS_AS(read_image("minidl_no_such_image.png"), FileError);
  REQUIRE_THROWS_WITH(read_image("minidl_no_such_image.png"),
                      Catch::Contains("minidl_no_such_image.png") && Catch::Contains("No such file or directory"));
  REQUIRE_THROWS_WITH(write_png("minidl_no_such_dir/x.png", pattern(2, 2, 1)),
                      Catch::Contains("minidl_no_such_dir/x.png") && Catch::Contains("No such file or directory"));
}

TEST_CASE("encode_png refuses images it cannot write", "[io][image]") {
  REQUIRE_THROWS_WITH(encode_png(Image{}), Catch::Contains("the image is empty (0x0)"));
  Image five = pattern(2, 2, 1);
  five.channels = 5;
  REQUIRE_THROWS_WITH(encode_png(five), Catch::Contains("5 channels"));
  Image short_pixels = pattern(4, 4, 3);
  short_pixels.pixels.pop_back();
  REQUIRE_THROWS_WITH(encode_png(short_pixels), Catch::Contains("47 bytes of pixels for a 4x4x3 image (expected 48)"));
  REQUIRE_THROWS_WITH(write_png("x.png", Image{}), Catch::Contains("cannot write 'x.png'"));
}
