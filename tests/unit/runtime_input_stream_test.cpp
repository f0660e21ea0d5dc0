// Input streams: plain, gzip and zstd (made here with zlib/zstd), corrupt and missing input,
// glob expansion, and the CSV reader over compressed input.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "runtime/csv_reader.h"
#include "runtime/input_stream.h"

namespace etl::runtime {
namespace {

std::string Gzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);  // gzip wrapper
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string ReadAll(InputStream& stream, size_t chunk = 1 << 20) {
  std::string out, buffer(chunk, '\0');
  while (size_t n = stream.Read(buffer.data(), buffer.size())) out.append(buffer.data(), n);
  return out;
}

// Text that compresses but is not trivial: several MB so decoders cross their chunk sizes.
std::string SampleText(size_t rows) {
  std::mt19937 rng(7);
  std::string out = "id,name,amount\n";
  for (size_t i = 0; i < rows; ++i) {
    out += std::to_string(i) + ",\"name " + std::to_string(rng() % 1000) + "\"," +
           std::to_string(rng() % 100000) + "\n";
  }
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "etl_input_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& bytes) const {
    std::string path = (path_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(InputStream, DetectsCompressionByMagic) {
  EXPECT_EQ(DetectCompression("\x1f\x8b\x08", 3), Compression::kGzip);
  EXPECT_EQ(DetectCompression("\x28\xb5\x2f\xfd", 4), Compression::kZstd);
  EXPECT_EQ(DetectCompression("\x28\xb5", 2), Compression::kNone);
  EXPECT_EQ(DetectCompression("a,b", 3), Compression::kNone);
}

TEST(InputStream, PlainGzipAndZstdGiveTheSameBytes) {
  const std::string text = SampleText(200000);
  const std::pair<std::string, std::string> cases[] = {
      {text, text}, {Gzip(text), text}, {Zstd(text), text},
      {Gzip(text) + Gzip(text), text + text},  // concatenated members are one stream
      {Zstd(text) + Zstd(text), text + text}};
  for (const auto& [bytes, expected] : cases) {
    auto stream = OpenInputMemory(bytes, "m", 0);
    std::string got = ReadAll(*stream, 100000);
    EXPECT_FALSE(stream->error().has_value());
    EXPECT_TRUE(got == expected) << "got " << got.size() << " bytes, expected " << expected.size();
  }
  auto tiny = OpenInputMemory(Zstd(text), "m", 3);  // short raw reads
  EXPECT_TRUE(ReadAll(*tiny, 7) == text);
}

TEST(InputStream, CorruptOrTruncatedCompressedInputIsAnError) {
  const std::string text = SampleText(20000);
  std::string gz = Gzip(text);
  auto truncated = OpenInputMemory(gz.substr(0, gz.size() / 2), "cut.gz");
  ReadAll(*truncated);
  ASSERT_TRUE(truncated->error().has_value());
  EXPECT_EQ(truncated->error()->ToString(), "cut.gz: corrupt gzip stream: unexpected end of file");
  std::string garbled = gz;
  for (size_t i = 20; i < 60; ++i) garbled[i] = static_cast<char>(garbled[i] ^ 0x5a);
  auto bad = OpenInputMemory(garbled, "bad.gz");
  ReadAll(*bad);
  ASSERT_TRUE(bad->error().has_value());
  EXPECT_NE(bad->error()->message.find("corrupt gzip stream"), std::string::npos);
  std::string zst = Zstd(text);
  auto zcut = OpenInputMemory(zst.substr(0, zst.size() - 5), "cut.zst");
  ReadAll(*zcut);
  ASSERT_TRUE(zcut->error().has_value());
  EXPECT_NE(zcut->error()->message.find("corrupt zstd stream"), std::string::npos);
}

TEST(InputStream, MissingFileAndDirectory) {
  InputError error;
  EXPECT_EQ(OpenInputFile("/nonexistent/x.csv", &error), nullptr);
  EXPECT_EQ(error.ToString(), "/nonexistent/x.csv: cannot open file: No such file or directory");
  TempDir dir;
  EXPECT_EQ(OpenInputFile(dir.path().string(), &error), nullptr);
  EXPECT_EQ(error.message, "is a directory, not a file");
}

TEST(InputStream, ExpandGlobSortsAndReportsNoMatch) {
  TempDir dir;
  dir.Write("b.csv", "x");
  dir.Write("a.csv", "x");
  dir.Write("c.txt", "x");
  std::filesystem::create_directory(dir.path() / "d.csv");
  std::vector<std::string> paths;
  InputError error;
  ASSERT_TRUE(ExpandGlob((dir.path() / "*.csv").string(), &paths, &error));
  EXPECT_EQ(paths, (std::vector<std::string>{(dir.path() / "a.csv").string(),
                                             (dir.path() / "b.csv").string()}));
  std::string none = (dir.path() / "*.parquet").string();
  EXPECT_FALSE(ExpandGlob(none, &paths, &error));
  EXPECT_EQ(error.ToString(), none + ": no file matches this path");
}

TEST(InputStream, CsvReaderOverCompressedFiles) {
  TempDir dir;
  const std::string text = SampleText(50000);
  for (const auto& [name, bytes] : {std::pair<std::string, std::string>{"p.csv", text},
                                    {"g.csv.gz", Gzip(text)},
                                    {"z.csv.zst", Zstd(text)}}) {
    InputError error;
    CsvOptions options;
    options.buffer_size = 1 << 16;
    auto reader = CsvReader::Open(dir.Write(name, bytes), options, &error);
    ASSERT_NE(reader, nullptr) << error.ToString();
    EXPECT_EQ(reader->header().names, (std::vector<std::string>{"id", "name", "amount"}));
    CsvBlock block;
    size_t rows = 0;
    while (reader->NextBlock(block)) {
      for (size_t r = 0; r < block.size(); ++r) EXPECT_EQ(block.text(r, 0), std::to_string(rows + r));
      rows += block.size();
    }
    EXPECT_EQ(rows, 50000u) << name;
    EXPECT_FALSE(reader->error().has_value());
    EXPECT_EQ(reader->stats().bytes, text.size());
  }
  std::string gz = Gzip(text);
  InputError error;
  auto reader = CsvReader::Open(dir.Write("cut.csv.gz", gz.substr(0, gz.size() - 100)), {}, &error);
  ASSERT_NE(reader, nullptr);
  CsvBlock block;
  while (reader->NextBlock(block)) {
  }
  ASSERT_TRUE(reader->error().has_value());  // a fatal error with the path, not a crash
  EXPECT_NE(reader->error()->ToString().find("cut.csv.gz: corrupt gzip stream"), std::string::npos);
}

}  // namespace
}  // namespace etl::runtime
