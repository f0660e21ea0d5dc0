// Internals of the vectorised interpreter (eval_*.cpp): a bound expression is a tree of
// nodes, each evaluating a whole frame (a set of rows of the input batch) to a column. The
// per-node virtual call is per batch, never per value.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/kernel.h"

namespace etl::runtime::eval {

// A node's result: a column of frame.n rows, or (constant) one row meaning every row.
struct Vec {
  ColumnPtr column;
  bool constant = false;
  size_t At(size_t i) const { return constant ? 0 : i; }
  bool Valid(size_t i) const { return column->validity.IsValid(At(i)); }
};

// The rows a node evaluates: rows of the batch's columns, and for each the row of the whole
// evaluation it reports errors for (sub-frames are the branches of if/match/and/or/??).
struct Frame {
  const Batch* left = nullptr;
  const Batch* right = nullptr;                    // join: the right record's batch
  const std::vector<uint32_t>* rows = nullptr;     // column rows; null = 0 .. n-1
  const std::vector<uint32_t>* positions = nullptr;  // error rows; null = 0 .. n-1
  size_t n = 0;
  const EvalContext* ctx = nullptr;
  RowErrors* errors = nullptr;
  void Fail(size_t i, std::string_view code, std::string message) const {
    errors->Add(positions ? (*positions)[i] : static_cast<uint32_t>(i), code, std::move(message));
  }
};

// A frame over a subset of another frame's rows (`local` = indexes into the parent).
struct SubFrame {
  std::vector<uint32_t> rows, positions;
  Frame frame;
  SubFrame(const Frame& parent, const std::vector<uint32_t>& local);
};

// A bound expression node.
class Node {
 public:
  explicit Node(TypeRef type) : type_(std::move(type)) {}
  virtual ~Node() = default;
  virtual Vec Eval(const Frame& frame) const = 0;
  const TypeRef& type() const { return type_; }

 protected:
  TypeRef type_;
};
using NodePtr = std::unique_ptr<Node>;

// Binds an expression (a bind error sets `error` and returns null).
struct BindScope {
  TypeRef left, right;
};
NodePtr Bind(const ir::Expr& expr, const BindScope& scope, std::string* error);
// Per-kind binders (eval_binary.cpp, eval_generic.cpp).
NodePtr BindUnary(const ir::Expr& expr, NodePtr operand, std::string* error);
NodePtr BindBinary(const ir::Expr& expr, NodePtr left, NodePtr right, std::string* error);
NodePtr BindGeneric(const ir::Expr& expr, std::vector<NodePtr> children, const BindScope& scope, std::string* error);

// ---- column helpers (eval_column.cpp)
// A column of `type` with `n` rows of its layout allocated (values uninitialised: zero).
std::shared_ptr<Column> NewColumn(const TypeRef& type, size_t n);
// A column of n rows for a Vec (broadcasts a constant).
ColumnPtr Materialize(const Vec& v, size_t n);
// The validity words of v over n rows; empty = all valid.
std::vector<uint64_t> ValidWords(const Vec& v, size_t n);
// a AND b (either empty = all valid).
std::vector<uint64_t> AndWords(std::vector<uint64_t> a, const std::vector<uint64_t>& b);
// Clears bit i of words (materialising them for n rows first).
void ClearBit(std::vector<uint64_t>& words, size_t i, size_t n);
inline bool Bit(const std::vector<uint64_t>& words, size_t i) { return words.empty() || ((words[i >> 6] >> (i & 63)) & 1); }
// A column built from values (slow paths).
ColumnPtr FromValues(const TypeRef& type, const std::vector<ast::Value>& values);
// A one-row constant.
Vec ConstantOf(const TypeRef& type, const ast::Value& value);
// Row i of v as a value (slow paths).
inline ast::Value ValueAt(const Vec& v, size_t i) { return v.column->Get(v.At(i)); }
// A column of n rows where row positions[p][k] is row k of pieces[p] (each piece covers
// the local rows positions[p], ascending); rows no piece covers are null.
ColumnPtr Interleave(const TypeRef& type, size_t n, const std::vector<Vec>& pieces,
                     const std::vector<const std::vector<uint32_t>*>& positions);
// Equality of row i of a and row j of b (null equals only null).
bool EqualAt(const Vec& a, size_t i, const Vec& b, size_t j);

}  // namespace etl::runtime::eval
