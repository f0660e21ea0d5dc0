#include "runtime/source_generate.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace etl::runtime {

using ast::TypeKind;

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

// splitmix64's finaliser: a cheap, well-mixed hash of 64 bits.
inline uint64_t Mix(uint64_t x) {
  x += kGolden;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The key of child `index` of a value with key `key` (list items, record fields).
inline uint64_t Child(uint64_t key, uint64_t index) { return Mix(key ^ ((index + 1) * 0xD6E8FEB86659FD93ull)); }

constexpr int32_t kDay2020 = 18262;              // 2020-01-01
constexpr int64_t kSecond2024 = 1704067200;      // 2024-01-01T00:00:00Z

void AppendDigits(std::string& bytes, uint64_t value) {
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  bytes.append(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace

ColumnPtr GenerateColumn(const ast::TypeRef& type, const std::vector<uint64_t>& keys) {
  auto out = std::make_shared<Column>();
  out->type = type;
  out->layout = LayoutOf(type);
  const size_t rows = keys.size();
  out->rows = rows;
  std::vector<uint8_t> null(rows, 0);
  if (type->nullable) {
    for (size_t r = 0; r < rows; ++r) {
      if (Mix(keys[r] ^ 0x6E756C6Cull) % 100 < kGenerateNullPercent) {
        null[r] = 1;
        out->validity.SetNull(r, rows);
      }
    }
  }
  switch (type->kind) {
    case TypeKind::Bool:
      out->bools.resize(rows);
      for (size_t r = 0; r < rows; ++r) out->bools[r] = static_cast<uint8_t>(keys[r] >> 63);
      break;
    case TypeKind::Int:
      out->ints.resize(rows);
      for (size_t r = 0; r < rows; ++r) out->ints[r] = static_cast<int64_t>(keys[r] % 2000001) - 1000000;
      break;
    case TypeKind::Timestamp:
      out->ints.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        out->ints[r] = (kSecond2024 + static_cast<int64_t>(keys[r] % (366 * 86400))) * 1000000;
      }
      break;
    case TypeKind::Duration:
      out->ints.resize(rows);
      for (size_t r = 0; r < rows; ++r) out->ints[r] = static_cast<int64_t>(keys[r] % 86400) * 1000000;
      break;
    case TypeKind::Decimal: {
      int digits = std::min(type->precision, 15);
      uint64_t limit = 1;
      for (int i = 0; i < digits; ++i) limit *= 10;
      if (out->layout == Layout::Int64) {
        out->ints.resize(rows);
        for (size_t r = 0; r < rows; ++r) out->ints[r] = static_cast<int64_t>(keys[r] % limit);
      } else {
        out->wide.resize(rows);
        for (size_t r = 0; r < rows; ++r) out->wide[r] = static_cast<__int128>(keys[r] % limit);
      }
      break;
    }
    case TypeKind::Date:
      out->days.resize(rows);
      for (size_t r = 0; r < rows; ++r) out->days[r] = kDay2020 + static_cast<int32_t>(keys[r] % 1827);
      break;
    case TypeKind::Float:
      out->floats.resize(rows);
      for (size_t r = 0; r < rows; ++r) out->floats[r] = static_cast<double>(keys[r] % 10000000) / 100.0;
      break;
    case TypeKind::List:
    case TypeKind::Map: {
      std::vector<uint64_t> child_keys;
      out->offsets.resize(rows + 1);
      out->offsets[0] = 0;
      for (size_t r = 0; r < rows; ++r) {
        uint64_t length = null[r] ? 0 : keys[r] % 4;  // 0 to 3 items
        for (uint64_t i = 0; i < length; ++i) child_keys.push_back(Child(keys[r], i));
        out->offsets[r + 1] = static_cast<uint32_t>(child_keys.size());
      }
      if (type->kind == TypeKind::Map) {
        auto names = std::make_shared<Column>();
        names->type = ast::StringType();
        names->layout = Layout::String;
        names->rows = child_keys.size();
        auto text = std::make_shared<std::string>("k0k1k2k3");
        names->bytes = text;
        for (size_t r = 0; r < rows; ++r) {
          for (uint32_t i = out->offsets[r]; i < out->offsets[r + 1]; ++i) {
            names->strings.push_back({(i - out->offsets[r]) * 2, 2});
          }
        }
        out->children.push_back(std::move(names));
      }
      out->children.push_back(GenerateColumn(type->element, child_keys));
      break;
    }
    case TypeKind::Record: {
      std::vector<uint64_t> child_keys(rows);
      for (size_t f = 0; f < type->fields.size(); ++f) {
        for (size_t r = 0; r < rows; ++r) child_keys[r] = Child(keys[r], f);
        out->children.push_back(GenerateColumn(type->fields[f].type, child_keys));
      }
      break;
    }
    default: {  // string, bytes, json, anything else stored as text
      auto bytes = std::make_shared<std::string>();
      bytes->reserve(rows * 8);
      out->strings.resize(rows);
      for (size_t r = 0; r < rows; ++r) {
        auto start = static_cast<uint32_t>(bytes->size());
        if (type->kind == TypeKind::Json) {
          bytes->append("{\"n\":");
          AppendDigits(*bytes, keys[r] % 1000);
          bytes->push_back('}');
        } else if (type->kind == TypeKind::Bytes) {
          char raw[8];
          std::memcpy(raw, &keys[r], sizeof raw);
          bytes->append(raw, sizeof raw);
        } else {
          bytes->push_back(static_cast<char>('a' + keys[r] % 26));
          AppendDigits(*bytes, (keys[r] >> 8) % 100000);
        }
        out->strings[r] = {start, static_cast<uint32_t>(bytes->size()) - start};
      }
      out->bytes = std::move(bytes);
      break;
    }
  }
  return out;
}

GenerateSource::GenerateSource(std::string step, GenerateOptions options)
    : step_(std::move(step)), options_(std::move(options)) {
  if (!options_.schema || options_.schema->kind != TypeKind::Record) {
    failure_ = InputError{"generate", "the schema must be a record type"};
  }
  options_.batch_rows = std::max<size_t>(options_.batch_rows, 1);
}

namespace {

// One batch of generated rows: [first, first + rows).
class GeneratePiece : public SourcePiece {
 public:
  GeneratePiece(const GenerateOptions& options, uint64_t first, size_t rows)
      : options_(options), first_(first), rows_(rows) {}

  void Read() override {
    batch_.schema = options_.schema;
    batch_.rows = rows_;
    std::vector<uint64_t> keys(rows_);
    const uint64_t seed_key = Mix(options_.seed);
    for (size_t f = 0; f < options_.schema->fields.size(); ++f) {
      const uint64_t field_key = Child(seed_key, f);
      for (size_t r = 0; r < rows_; ++r) keys[r] = Mix(field_key ^ ((first_ + r) * kGolden));
      batch_.columns.push_back(GenerateColumn(options_.schema->fields[f].type, keys));
    }
  }

  Batch& batch() { return batch_; }

 private:
  const GenerateOptions& options_;
  uint64_t first_;
  size_t rows_;
  Batch batch_;
};

}  // namespace

std::unique_ptr<SourcePiece> GenerateSource::Claim() {
  if (failure_ || next_row_ >= options_.count) return nullptr;
  size_t rows = static_cast<size_t>(std::min<uint64_t>(options_.batch_rows, options_.count - next_row_));
  auto piece = std::make_unique<GeneratePiece>(options_, next_row_, rows);
  next_row_ += rows;
  return piece;
}

bool GenerateSource::Deliver(SourcePiece& piece, Emitter& out) {
  Batch& batch = static_cast<GeneratePiece&>(piece).batch();
  stats_.records_in += batch.rows;
  stats_.rows_out += batch.rows;
  batch.sequence = sequence_++;
  out.Emit(0, std::move(batch));
  return true;
}

}  // namespace etl::runtime
