#include "runtime/op_sort.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <unordered_set>

#include "runtime/agg_key.h"
#include "runtime/op_sort_codec.h"

namespace etl::runtime {

namespace {

// A buffered row: bytes [offset, offset + key) of the key arena are its sort key; the row
// itself is row `row` of buffered batch `batch`. `prefix` holds the key's first 8 bytes
// big-endian (zero-padded), so most comparisons never touch the arena.
struct Entry {
  uint64_t prefix = 0;
  uint64_t offset = 0;
  uint32_t key = 0;
  uint32_t batch = 0;
  uint32_t row = 0;
};

// Bytes held by `column` that `seen` does not hold yet (columns and string buffers can be
// shared between batches).
size_t ColumnBytes(const Column& c, std::unordered_set<const void*>& seen) {
  if (!seen.insert(&c).second) return 0;
  size_t n = sizeof(Column) + c.bools.capacity() + c.ints.capacity() * 8 + c.wide.capacity() * 16 +
             c.days.capacity() * 4 + c.floats.capacity() * 8 + c.strings.capacity() * sizeof(StringView) +
             c.offsets.capacity() * 4 + c.validity.Words().capacity() * 8;
  if (c.bytes && seen.insert(c.bytes.get()).second) n += c.bytes->capacity();
  for (const auto& child : c.children) n += ColumnBytes(*child, seen);
  return n;
}

// Appends the cells of row `row` of `batch` to `out` (the spill row encoding).
void EncodeRow(const Batch& batch, uint32_t row, std::string& out) {
  for (const ColumnPtr& column : batch.columns) EncodeCell(*column, row, out);
}

uint64_t KeyPrefix(const char* key, size_t size) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) prefix = (prefix << 8) | (i < size ? static_cast<uint8_t>(key[i]) : 0);
  return prefix;
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

// A sorted run being merged: a spill file read sequentially, or the last in-memory run.
class Run {
 public:
  virtual ~Run() = default;
  // Moves to the next row; false at the end (or on a read error: `failed` says which).
  virtual bool Next() = 0;
  std::string_view key, row;
  bool failed = false;
};

// The buffered rows that could not be spilled, merged with the spill files.
class MemoryRun : public Run {
 public:
  MemoryRun(const std::string& arena, const std::vector<Entry>& entries, const std::vector<Batch>& batches)
      : arena_(arena), entries_(entries), batches_(batches) {}
  bool Next() override {
    if (next_ >= entries_.size()) return false;
    const Entry& e = entries_[next_++];
    key = std::string_view(arena_).substr(e.offset, e.key);
    cells_.clear();
    EncodeRow(batches_[e.batch], e.row, cells_);
    row = cells_;
    return true;
  }

 private:
  const std::string& arena_;
  const std::vector<Entry>& entries_;
  const std::vector<Batch>& batches_;
  std::string cells_;
  size_t next_ = 0;
};

class FileRun : public Run {
 public:
  explicit FileRun(File file) : file_(std::move(file)) {}
  bool Next() override {
    uint32_t sizes[2];
    size_t got = std::fread(sizes, sizeof(uint32_t), 2, file_.get());
    if (got != 2) {
      failed = got != 0 || std::ferror(file_.get());
      return false;
    }
    buffer_.resize(size_t{sizes[0]} + sizes[1]);
    if (!buffer_.empty() && std::fread(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
      failed = true;
      return false;
    }
    key = std::string_view(buffer_).substr(0, sizes[0]);
    row = std::string_view(buffer_).substr(sizes[0]);
    return true;
  }

 private:
  File file_;
  std::string buffer_;
};

class SortOp : public OperatorBase {
 public:
  SortOp(const ir::Node& node, const StepContext& ctx, std::vector<std::unique_ptr<Kernel>> keys,
         std::vector<bool> descending)
      : OperatorBase(node, ctx),
        keys_(std::move(keys)),
        descending_(std::move(descending)),
        budget_(ctx.memory_budget_bytes) {
    for (const ast::Field& field : port_types_[0]->fields) layouts_.push_back(LayoutOf(field.type));
  }
  ~SortOp() override { RemoveSpills(); }

  // Keeps the batch (its columns are shared, not copied) and encodes only the sort keys.
  void Push(size_t input, const Batch& batch, Emitter& out) override {
    errors_.Clear();
    key_columns_.clear();
    for (const auto& kernel : keys_) key_columns_.push_back(kernel->Evaluate(batch, eval_, errors_));
    FailRows(batch, errors_, out);
    const size_t n = batch.Size();
    const auto index = static_cast<uint32_t>(batches_.size());
    for (size_t i = 0; i < n; ++i) {
      if (errors_.Failed(static_cast<uint32_t>(i))) continue;
      Entry e;
      e.offset = arena_.size();
      for (size_t k = 0; k < key_columns_.size(); ++k) EncodeSortKey(*key_columns_[k], i, descending_[k], arena_);
      e.key = static_cast<uint32_t>(arena_.size() - e.offset);
      e.prefix = KeyPrefix(arena_.data() + e.offset, e.key);
      e.batch = index;
      e.row = batch.RowAt(i);
      entries_.push_back(e);
    }
    batches_.push_back(batch);
    for (const ColumnPtr& column : batch.columns) batch_bytes_ += ColumnBytes(*column, seen_);
    if (arena_.capacity() + entries_.capacity() * sizeof(Entry) + batch_bytes_ > budget_) Spill();
    out.Ack(input, batch.sequence);
  }

  void Close(size_t, Emitter& out) override {
    if (closed_) return;
    closed_ = true;
    SortEntries();
    if (spill_paths_.empty()) {
      Gather(out);
    } else {
      Spill();  // the last run too, then merge the files (and what could not be spilled)
      MergeRuns(out);
    }
    RemoveSpills();
    Reset();
  }

  SortSpillInfo Info() const { return SortSpillInfo{runs_spilled_, spill_paths_}; }

 private:
  void Reset() {
    std::string().swap(arena_);
    std::vector<Entry>().swap(entries_);
    std::vector<Batch>().swap(batches_);
    seen_.clear();
    batch_bytes_ = 0;
  }

  // Emits the sorted in-memory rows, gathering each output column from the kept batches.
  void Gather(Emitter& out) {
    const auto& fields = port_types_[0]->fields;
    for (size_t begin = 0; begin < entries_.size(); begin += kDefaultBatchRows) {
      const size_t end = std::min(entries_.size(), begin + kDefaultBatchRows);
      Batch result;
      result.rows = end - begin;
      for (size_t c = 0; c < fields.size(); ++c) {
        ColumnBuilder builder(fields[c].type);
        builder.Reserve(end - begin);
        for (size_t i = begin; i < end; ++i) {
          const Entry& e = entries_[i];
          AppendFrom(builder, *batches_[e.batch].columns[c], e.row);
        }
        result.columns.push_back(builder.Finish());
      }
      EmitOn(0, std::move(result), out);
    }
  }

  void MergeRuns(Emitter& out) {
    std::vector<std::unique_ptr<Run>> runs;
    for (const std::string& path : spill_paths_) {
      File file(std::fopen(path.c_str(), "rb"));
      if (!file) {
        FailSpill(out, "cannot reopen the spill file " + path + ": " + std::strerror(errno));
        continue;
      }
      std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 16);
      runs.push_back(std::make_unique<FileRun>(std::move(file)));
    }
    runs.push_back(std::make_unique<MemoryRun>(arena_, entries_, batches_));
    Merge(runs, out);
  }

  void SortEntries() {
    const char* base = arena_.data();
    std::stable_sort(entries_.begin(), entries_.end(), [base](const Entry& a, const Entry& b) {
      if (a.prefix != b.prefix) return a.prefix < b.prefix;
      int c = std::memcmp(base + a.offset, base + b.offset, std::min(a.key, b.key));
      return c != 0 ? c < 0 : a.key < b.key;
    });
  }

  // Sorts the buffered rows and writes them to a new temporary file. When the file cannot
  // be written the rows simply stay in memory (over budget, but nothing is lost).
  void Spill() {
    if (spill_broken_ || entries_.empty()) return;
    SortEntries();
    const char* dir = std::getenv("TMPDIR");
    std::string path = std::string(dir && *dir ? dir : "/tmp") + "/etl-sort-XXXXXX";
    int fd = mkstemp(path.data());
    if (fd < 0) {
      spill_broken_ = true;
      return;
    }
    File file(fdopen(fd, "wb"));
    if (!file) {
      ::close(fd);
      std::remove(path.c_str());
      spill_broken_ = true;
      return;
    }
    std::setvbuf(file.get(), nullptr, _IOFBF, 1 << 16);
    bool ok = true;
    std::string cells;
    for (const Entry& e : entries_) {
      cells.clear();
      EncodeRow(batches_[e.batch], e.row, cells);
      uint32_t sizes[2] = {e.key, static_cast<uint32_t>(cells.size())};
      ok = ok && std::fwrite(sizes, sizeof(uint32_t), 2, file.get()) == 2 &&
           std::fwrite(arena_.data() + e.offset, 1, e.key, file.get()) == e.key &&
           std::fwrite(cells.data(), 1, cells.size(), file.get()) == cells.size();
    }
    ok = std::fflush(file.get()) == 0 && ok;
    file.reset();
    if (!ok) {
      std::remove(path.c_str());
      spill_broken_ = true;
      return;
    }
    spill_paths_.push_back(path);
    ++runs_spilled_;
    arena_.clear();
    entries_.clear();
    batches_.clear();
    seen_.clear();
    batch_bytes_ = 0;
  }

  // K-way merge of sorted runs; ties go to the earlier run (the sort is stable).
  void Merge(std::vector<std::unique_ptr<Run>>& runs, Emitter& out) {
    auto later = [&runs](size_t a, size_t b) {
      int c = runs[a]->key.compare(runs[b]->key);
      return c != 0 ? c > 0 : a > b;
    };
    std::priority_queue<size_t, std::vector<size_t>, decltype(later)> heap(later);
    for (size_t r = 0; r < runs.size(); ++r) {
      if (runs[r]->Next()) heap.push(r);
    }
    std::vector<ColumnBuilder> builders;
    auto reset = [&] {
      builders.clear();
      for (const ast::Field& field : port_types_[0]->fields) builders.emplace_back(field.type);
    };
    reset();
    size_t rows = 0;
    auto flush = [&] {
      Batch batch;
      batch.rows = rows;
      for (ColumnBuilder& b : builders) batch.columns.push_back(b.Finish());
      EmitOn(0, std::move(batch), out);
      reset();
      rows = 0;
    };
    while (!heap.empty()) {
      size_t r = heap.top();
      heap.pop();
      std::string_view cells = runs[r]->row;
      bool ok = true;
      for (size_t c = 0; c < builders.size() && ok; ++c) ok = DecodeCell(cells, layouts_[c], builders[c]);
      if (!ok) {
        // Cannot happen unless the spill file changed under us; the builders are now ragged.
        FailSpill(out, "a spilled row could not be decoded");
        reset();
        rows = 0;
      } else if (++rows == kDefaultBatchRows) {
        flush();
      }
      if (runs[r]->Next()) {
        heap.push(r);
      } else if (runs[r]->failed) {
        FailSpill(out, "a spill file could not be read back");
      }
    }
    if (rows > 0) flush();
  }

  void FailSpill(Emitter& out, std::string message) {
    ErrorRecord error;
    error.step = step_;
    error.code = "spill";
    error.message = std::move(message);
    error.record = "null";
    error.at_us = now_us_;
    out.Fail(std::move(error));
  }

  void RemoveSpills() {
    for (const std::string& path : spill_paths_) std::remove(path.c_str());
    spill_paths_.clear();
  }

  std::vector<std::unique_ptr<Kernel>> keys_;
  std::vector<bool> descending_;
  size_t budget_;
  std::vector<Layout> layouts_;
  std::vector<ColumnPtr> key_columns_;
  RowErrors errors_;
  std::string arena_;            // sort keys of the buffered run
  std::vector<Entry> entries_;   // the buffered run, in arrival order until sorted
  std::vector<Batch> batches_;   // the buffered run's batches (shared columns)
  std::unordered_set<const void*> seen_;  // columns and buffers counted in batch_bytes_
  size_t batch_bytes_ = 0;
  std::vector<std::string> spill_paths_;
  size_t runs_spilled_ = 0;
  bool spill_broken_ = false;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<Step> MakeSort(const ir::Node& node, const StepContext& ctx, std::string* error) {
  TypeRef input;
  size_t port = 0;
  if (!InputRecord(node, &input, error) || !OutputIndex(node, ir::kOutPort, &port, error)) return nullptr;
  if (port != 0 || node.outputs[0].type->fields.size() != input->fields.size()) {
    *error = "`" + node.id + "`: the output port `out` must be first and have the input's fields";
    return nullptr;
  }
  std::vector<std::unique_ptr<Kernel>> keys;
  std::vector<bool> descending;
  for (const ir::SortKey& key : node.sort_keys) {
    std::string why;
    auto kernel = CompileKernel(key.expr, input, &why);
    if (!kernel) {
      *error = "`" + node.id + "`: sort key `" + ir::ToText(key.expr) + "`: " + why;
      return nullptr;
    }
    keys.push_back(std::move(kernel));
    descending.push_back(key.descending);
  }
  return std::make_unique<SortOp>(node, ctx, std::move(keys), std::move(descending));
}

SortSpillInfo SpillInfo(const Step& step) {
  if (const auto* sort = dynamic_cast<const SortOp*>(&step)) return sort->Info();
  return {};
}

}  // namespace etl::runtime
