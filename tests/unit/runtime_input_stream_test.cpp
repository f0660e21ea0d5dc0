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

// Everything a reader delivers, as text: records (line, offset, fields) and errors in order.
std::string CsvDump(CsvReader& reader) {
  std::string out;
  for (const std::string& name : reader.header().names) out += name + "|";
  out += "\n";
  CsvBlock block;
  while (reader.NextBlock(block)) {
    for (size_t r = 0; r < block.size(); ++r) {
      const CsvRecordInfo& info = block.record(r);
      out += std::to_string(info.line) + "@" + std::to_string(info.byte_offset) + ":";
      for (size_t c = 0; c < block.field_count(r); ++c) out += std::string(block.text(r, c)) + "|";
      out += "\n";
    }
    for (const CsvRecordError& e : block.errors()) {
      out += "E" + std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message + "\n";
    }
  }
  if (reader.error()) out += "FATAL " + reader.error()->message;
  out += "bytes " + std::to_string(reader.stats().bytes);
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

TEST(InputStream, MappedPlainFileOnlyAndReadEndsAfterMap) {
  TempDir dir;
  const std::string text = SampleText(1000);
  InputError error;
  auto plain = OpenInputFile(dir.Write("p.csv", text), &error);
  ASSERT_NE(plain, nullptr);
  auto mapping = plain->Map();
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(std::string(mapping->data(), mapping->size()), text);
  char byte;
  EXPECT_EQ(plain->Read(&byte, 1), 0u);  // the mapping is the input
  mapping->Release(text.size());         // pages dropped, bytes still readable
  EXPECT_EQ(std::string(mapping->data(), mapping->size()), text);
  auto read_first = OpenInputFile(dir.Write("r.csv", text), &error);
  ASSERT_EQ(read_first->Read(&byte, 1), 1u);
  EXPECT_EQ(read_first->Map(), nullptr);  // too late: the stream moved on
  EXPECT_EQ(OpenInputFile(dir.Write("g.csv.gz", Gzip(text)), &error)->Map(), nullptr);
  EXPECT_EQ(OpenInputFile(dir.Write("e.csv", ""), &error)->Map(), nullptr);
  EXPECT_EQ(OpenInputMemory(text)->Map(), nullptr);
}

// A mapped file is read in windows that cut records anywhere and end at or near a page end
// (where the tokenizer's overrun needs the copied last window): same result as read(2).
TEST(InputStream, CsvReaderOverMappedFileMatchesReadAtWindowAndPageEnds) {
  TempDir dir;
  std::mt19937 rng(11);
  const std::string pieces[] = {"a", "bb", ",", "\"q,\"", "\"x\"\"y\"", "\r\n", "\n", "\"l\nm\"", "\xff", "é"};
  std::string body = "h1,h2,h3\n";
  while (body.size() < 3 * 4096 + 200) body += pieces[rng() % std::size(pieces)];
  const long page = ::sysconf(_SC_PAGESIZE);
  for (size_t size : {size_t(page) * 3, size_t(page) * 3 - 1, size_t(page) * 3 - 63, size_t(page) * 3 - 64,
                      size_t(page) * 3 - 65, size_t(page) * 2 + 1, size_t(100)}) {
    const std::string text = body.substr(0, size);
    const std::string path = dir.Write("m" + std::to_string(size) + ".csv", text);
    for (size_t buffer : {size_t(64), size_t(100), size_t(4096 + 7), size_t(1) << 20}) {
      CsvOptions options;
      options.buffer_size = buffer;
      options.block_records = 3;
      options.check_field_count = false;
      InputError error;
      auto mapped = CsvReader::Open(path, options, &error);
      ASSERT_NE(mapped, nullptr);
      CsvReader read(OpenInputMemory(text, path), options);
      EXPECT_EQ(CsvDump(*mapped), CsvDump(read)) << "size " << size << " buffer " << buffer;
    }
  }
}

// Another process truncating a mapped input must give an input error, not SIGBUS.
TEST(InputStream, TruncatedMappedFileIsAnErrorNotACrash) {
  TempDir dir;
  const std::string text = SampleText(200000);
  const std::string path = dir.Write("t.csv", text);
  CsvOptions options;
  options.buffer_size = 1 << 16;
  InputError error;
  auto reader = CsvReader::Open(path, options, &error);
  ASSERT_NE(reader, nullptr);
  CsvBlock block;
  ASSERT_TRUE(reader->NextBlock(block));
  std::filesystem::resize_file(path, 1000);
  while (reader->NextBlock(block)) {
  }
  ASSERT_TRUE(reader->error().has_value());
  EXPECT_NE(reader->error()->message.find("truncated"), std::string::npos);
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
