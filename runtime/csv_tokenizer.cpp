#include "runtime/csv_tokenizer.h"

namespace etl::runtime {

bool CsvTokenizer::Record(size_t start, CsvBlock& out, CsvRecordScan* scan) {
  const size_t fields_mark = out.fields_.size();
  {
    // The common record first: no quote and no CR before its LF. Each structural byte is a
    // delimiter (a field ends) or the LF (the record ends); anything else (a quote, a CR,
    // the end of the buffer) starts the record again on the general path below. T1: a
    // fifth of the tokenizer's instructions went to the general path's per-field checks.
    size_t field = start;
    size_t p = start;
    while (true) {
      const size_t s = scanner_.Next(p);
      if (s == end_) break;
      const char c = base_[s];
      if (c == delimiter_) {
        out.fields_.push_back({static_cast<uint32_t>(field), static_cast<uint32_t>(s - field), 0});
        field = p = s + 1;
        continue;
      }
      if (c != '\n') break;
      out.fields_.push_back({static_cast<uint32_t>(field), static_cast<uint32_t>(s - field), 0});
      *scan = CsvRecordScan{};
      scan->text_end = s;
      scan->next = s + 1;
      scan->lines = 1;
      return true;
    }
    out.fields_.resize(fields_mark);
  }
  const size_t unescaped_mark = out.unescaped_.size();
  auto need_more = [&] {
    out.fields_.resize(fields_mark);
    out.unescaped_.resize(unescaped_mark);
    return false;
  };
  auto fail = [&](CsvSyntaxError error, size_t pos) {
    if (scan->error == CsvSyntaxError::kNone) {
      scan->error = error;
      scan->error_pos = pos;
    }
  };
  *scan = CsvRecordScan{};
  size_t p = start;
  while (true) {  // one field per iteration
    if (p < end_ && base_[p] == quote_) {
      const size_t open = p;
      size_t segment = p + 1;  // start of text not yet copied (escaped fields only)
      size_t q = p + 1;
      bool escaped = false;
      size_t escaped_begin = 0;
      while (true) {
        size_t s = scanner_.Next(q);
        if (s == end_) {
          if (!eof_) return need_more();
          // Unterminated quote: the record runs to the end of the file.
          fail(CsvSyntaxError::kUnterminatedQuote, open);
          out.fields_.push_back({static_cast<uint32_t>(open + 1),
                                 static_cast<uint32_t>(end_ - open - 1), kCsvQuoted});
          scan->text_end = end_;
          scan->next = end_;
          return true;
        }
        char c = base_[s];
        if (c == quote_) {
          if (s + 1 == end_ && !eof_) return need_more();
          if (s + 1 < end_ && base_[s + 1] == quote_) {
            // `""`: copy what precedes it plus one quote into the unescape buffer.
            if (!escaped) {
              escaped = true;
              escaped_begin = out.unescaped_.size();
            }
            out.unescaped_.append(base_ + segment, s + 1 - segment);
            segment = s + 2;
            q = s + 2;
            continue;
          }
          if (escaped) {
            out.unescaped_.append(base_ + segment, s - segment);
            out.fields_.push_back({static_cast<uint32_t>(escaped_begin),
                                   static_cast<uint32_t>(out.unescaped_.size() - escaped_begin),
                                   kCsvQuoted | kCsvEscaped});
          } else {
            out.fields_.push_back({static_cast<uint32_t>(open + 1),
                                   static_cast<uint32_t>(s - open - 1), kCsvQuoted});
          }
          p = s + 1;
          break;
        }
        if (c == '\n') {
          ++scan->lines;
        } else if (c == '\r') {
          if (s + 1 == end_ && !eof_) return need_more();
          if (s + 1 == end_ || base_[s + 1] != '\n') ++scan->lines;  // a lone CR is a line end
        }
        q = s + 1;
      }
      // After the closing quote only a delimiter or a line end may follow.
      if (p == end_) {
        if (!eof_) return need_more();
      } else if (base_[p] != delimiter_ && base_[p] != '\n' && base_[p] != '\r') {
        fail(CsvSyntaxError::kTextAfterQuote, p);
        // Recover like an unquoted field: skip to the next delimiter or line end.
        size_t s = p;
        while (true) {
          s = scanner_.Next(s);
          if (s == end_ || base_[s] != quote_) break;
          ++s;
        }
        if (s == end_ && !eof_) return need_more();
        p = s;
      }
    } else {
      // Unquoted field: a quote inside it is kept literally (lenient, like most readers).
      size_t s = p;
      while (true) {
        s = scanner_.Next(s);
        if (s == end_ || base_[s] != quote_) break;
        ++s;
      }
      if (s == end_ && !eof_) return need_more();
      out.fields_.push_back({static_cast<uint32_t>(p), static_cast<uint32_t>(s - p), 0});
      p = s;
    }
    // p is at a delimiter, a line end, or the end of the file.
    if (p == end_) {
      scan->text_end = end_;
      scan->next = end_;
      return true;
    }
    char c = base_[p];
    if (c == delimiter_) {
      ++p;
      if (p == end_ && eof_) {  // "a,b," at the end of the file: one more, empty field
        out.fields_.push_back({static_cast<uint32_t>(p), 0, 0});
        scan->text_end = end_;
        scan->next = end_;
        return true;
      }
      continue;
    }
    scan->text_end = p;
    if (c == '\r') {
      if (p + 1 == end_ && !eof_) return need_more();
      scan->next = (p + 1 < end_ && base_[p + 1] == '\n') ? p + 2 : p + 1;
    } else {
      scan->next = p + 1;
    }
    ++scan->lines;
    return true;
  }
}

size_t CsvTokenizer::SimpleRecords(size_t start, size_t stop, size_t max_records, uint32_t fields, Position at,
                                   CsvBlock& out, size_t* next) {
  *next = start;
  if (start >= stop || start >= end_ || max_records == 0 || fields == 0) return 0;
  out.fields_.reserve(out.fields_.size() + max_records * fields);
  out.records_.reserve(out.records_.size() + max_records);
  size_t records = 0;
  size_t record = start;  // the current record's first byte
  size_t field = start;   // the current field's first byte
  size_t record_fields = out.fields_.size();
  uint32_t count = 0;
  size_t window = start & ~size_t{63};
  uint64_t bits = scanner_.WindowBits(window) & (~uint64_t{0} << (start & 63));
  for (;;) {
    while (bits == 0) {
      window += 64;
      if (window >= end_) break;
      bits = scanner_.WindowBits(window);
    }
    if (bits == 0) break;
    const size_t s = window + static_cast<size_t>(__builtin_ctzll(bits));
    bits &= bits - 1;
    if (s >= end_) break;
    const char c = base_[s];
    if (c == delimiter_) {
      out.fields_.push_back({static_cast<uint32_t>(field), static_cast<uint32_t>(s - field), 0});
      field = s + 1;
      ++count;
      continue;
    }
    // A quote or a CR: not simple. A LF ends the record: simple if not blank and whole.
    if (c != '\n' || s == record || count + 1 != fields) break;
    out.fields_.push_back({static_cast<uint32_t>(field), static_cast<uint32_t>(s - field), 0});
    out.records_.push_back(CsvRecordInfo{at.ordinal + records, at.line + records, at.buffer_offset + record,
                                         static_cast<uint32_t>(record), static_cast<uint32_t>(s - record),
                                         static_cast<uint32_t>(record_fields), fields});
    ++records;
    record = field = s + 1;
    record_fields = out.fields_.size();
    count = 0;
    if (records == max_records || record >= stop) break;
  }
  out.fields_.resize(record_fields);  // the fields of a record not taken
  *next = record;
  return records;
}

}  // namespace etl::runtime
