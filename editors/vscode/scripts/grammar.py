#!/usr/bin/env python3
"""Writes syntaxes/etl.tmLanguage.json, the TextMate grammar of .etl files.

The grammar is written here in Python (raw-string regexes, shared fragments, comments)
rather than by hand in JSON (every backslash doubled). Edit this file and run
`python3 scripts/grammar.py`; tests/editors/vscode_test.sh fails when the JSON is not what
this script writes. `--check` compares instead of writing. Scopes follow the TextMate
naming conventions; grammar/Etl.g4 is the language's grammar (its lexer lists the keywords).
"""
import json
import os
import sys

# A plain identifier, and a name (an identifier or a `backtick` identifier).
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
NAME = r"(?:[A-Za-z_][A-Za-z0-9_]*|`[^`\r\n]+`)"
# The words that start a top-level declaration: a half-typed declaration ends at the next one.
DECL = r"(?:import|schema|const|fn|param|pipeline|test)"
NOT_NAME_USE = r"(?!\s*(?::(?!:)|=(?![=>])))"   # a soft keyword followed by `:` or `=` is a name
SOFT = r"(?<![.\w`])"


def kw(words, scope, soft=True):
    """A keyword rule; a soft keyword (Etl.g4's softKeyword) is a name when followed by `:` or `=`."""
    return _kw(words, scope, soft)


def _kw(words, scope, soft=True):
    pat = r"\b(?:" + "|".join(words) + r")\b"
    return {"match": (SOFT + pat + NOT_NAME_USE) if soft else (r"(?<![.\w`])" + pat), "name": scope}

# "Only blanks before, on this line" as a lookbehind (Oniguruma needs fixed-length
# alternatives): a rule that consumed the blanks instead would start earlier than, and so
# win over, a rule that starts at the name.
LINE_START = "(?<=" + "|".join(["^"] + ["^" + " " * n for n in range(1, 25)] + ["^" + "\t" * n for n in range(1, 7)]) + ")"
top_decl_end = r"(?=^\s*" + DECL + r"\b)"


def braces(rule):
    """A `{ ... }` block: the braces scoped as punctuation, `rule` (patterns, name) inside."""
    return dict({"begin": r"\{", "end": r"\}",
                 "beginCaptures": {"0": {"name": "punctuation.section.braces.begin.etl"}},
                 "endCaptures": {"0": {"name": "punctuation.section.braces.end.etl"}}}, **rule)


def typed_name(name_scope, meta_scope):
    """`name: type` in a schema, an inline record or a fn's parameter list."""
    return {
        "begin": r"(?<![.\w`?])(" + NAME + r")\s*(:)(?!:)",
        "beginCaptures": {"1": {"name": name_scope}, "2": {"name": "punctuation.separator.type.etl"}},
        "end": r"(?=[,;=})])|(?=$)",
        "name": meta_scope,
        "patterns": [{"include": "#type"}]}


def annotated_decl(keyword, name_scope):
    """`const name: type` / `param name: type` up to the `=`."""
    return {
        "begin": r"(?<![.\w`])\b(" + keyword + r")\s+(" + NAME + r")",
        "beginCaptures": {"1": {"name": "storage.type." + keyword + ".etl"}, "2": {"name": name_scope}},
        "end": r"(?==)|(?=$)",
        "patterns": [{"match": ":", "name": "punctuation.separator.type.etl"}, {"include": "#type"}]}


g = {
  "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  "name": "etl",
  "scopeName": "source.etl",
  "fileTypes": ["etl"],
  "patterns": [
    {"include": "#comments"},
    {"include": "#import"},
    {"include": "#schema"},
    {"include": "#fn"},
    {"include": "#const"},
    {"include": "#param"},
    {"include": "#pipeline"},
    {"include": "#test"},
    {"include": "#expression"},
  ],
  "repository": {
    "comments": {"patterns": [
      {"match": r"(///)(.*)$", "name": "comment.line.triple-slash.documentation.etl",
       "captures": {"1": {"name": "punctuation.definition.comment.etl"}}},
      {"match": r"(//).*$", "name": "comment.line.double-slash.etl",
       "captures": {"1": {"name": "punctuation.definition.comment.etl"}}},
      {"begin": r"/\*", "end": r"\*/", "name": "comment.block.etl",
       "beginCaptures": {"0": {"name": "punctuation.definition.comment.begin.etl"}},
       "endCaptures": {"0": {"name": "punctuation.definition.comment.end.etl"}}},
    ]},
    "import": {"patterns": [
      {"match": r"(?<![.\w`])\b(import)\s+(\"[^\"]*\")(?:\s+(as)\s+(" + NAME + r"))?",
       "captures": {"1": {"name": "keyword.control.import.etl"},
                    "2": {"name": "string.quoted.double.etl"},
                    "3": {"name": "keyword.other.etl"},
                    "4": {"name": "entity.name.namespace.etl"}}},
      {"match": r"(?<![.\w`])\bimport\b(?=\s*\")", "name": "keyword.control.import.etl"},
    ]},
    "schema": {
      "begin": r"(?<![.\w`])\b(schema)\s+(" + NAME + r")",
      "beginCaptures": {"1": {"name": "storage.type.schema.etl"}, "2": {"name": "entity.name.type.etl"}},
      "end": r"(?<=\})|" + top_decl_end,
      "name": "meta.schema.etl",
      "patterns": [
        {"include": "#comments"},
        braces({"patterns": [{"include": "#comments"}, {"include": "#field-decl"}, {"include": "#expression"}]}),
      ]},
    "field-decl": typed_name("variable.other.property.etl", "meta.field.declaration.etl"),
    "param-decl": typed_name("variable.parameter.etl", "meta.parameter.declaration.etl"),
    "type": {"patterns": [
      {"include": "#comments"},
      braces({"name": "meta.type.record.etl",
       "patterns": [{"include": "#comments"}, {"include": "#field-decl"}, {"include": "#punctuation"}]}),
      {"begin": r"\b(list|map)\s*(<)", "end": r">",
       "beginCaptures": {"1": {"name": "support.type.primitive.etl"}, "2": {"name": "punctuation.definition.typeparameters.begin.etl"}},
       "endCaptures": {"0": {"name": "punctuation.definition.typeparameters.end.etl"}},
       "patterns": [{"include": "#type"}]},
      {"begin": r"\b(decimal)\s*(\()", "end": r"\)",
       "beginCaptures": {"1": {"name": "support.type.primitive.etl"}, "2": {"name": "punctuation.section.parens.begin.etl"}},
       "endCaptures": {"0": {"name": "punctuation.section.parens.end.etl"}},
       "patterns": [{"include": "#numbers"}, {"include": "#punctuation"}]},
      {"match": r"\b(?:int|float|decimal|bool|string|bytes|date|timestamp|duration|json|list|map|secret)\b",
       "name": "support.type.primitive.etl"},
      {"match": r"(" + NAME + r")\s*(\.)\s*(" + NAME + r")",
       "captures": {"1": {"name": "entity.name.namespace.etl"}, "2": {"name": "punctuation.accessor.etl"},
                    "3": {"name": "entity.name.type.etl"}}},
      {"match": NAME, "name": "entity.name.type.etl"},
      {"match": r"\?(?![?.])", "name": "keyword.operator.optional.etl"},
      {"match": r"[<>]", "name": "punctuation.definition.typeparameters.etl"},
      {"include": "#punctuation"},
    ]},
    "fn": {
      "begin": r"(?<![.\w`])\b(fn)\s+(" + NAME + r")",
      "beginCaptures": {"1": {"name": "storage.type.function.etl"}, "2": {"name": "entity.name.function.etl"}},
      "end": r"(?==)|" + top_decl_end,
      "name": "meta.function.etl",
      "patterns": [
        {"include": "#comments"},
        {"begin": r"\(", "end": r"\)",
         "beginCaptures": {"0": {"name": "punctuation.definition.parameters.begin.etl"}},
         "endCaptures": {"0": {"name": "punctuation.definition.parameters.end.etl"}},
         "patterns": [{"include": "#comments"}, {"include": "#param-decl"}, {"include": "#punctuation"}]},
        {"begin": r"->", "end": r"(?==)|" + top_decl_end,
         "beginCaptures": {"0": {"name": "keyword.operator.arrow.etl"}},
         "patterns": [{"include": "#type"}]},
      ]},
    "const": annotated_decl("const", "variable.other.constant.etl"),
    "param": annotated_decl("param", "variable.parameter.etl"),
    "pipeline": {
      "begin": r"(?<![.\w`])\b(pipeline)\s+(" + NAME + r")",
      "beginCaptures": {"1": {"name": "storage.type.pipeline.etl"}, "2": {"name": "entity.name.namespace.pipeline.etl"}},
      "end": r"(?<=\})|" + top_decl_end,
      "name": "meta.pipeline.etl",
      "patterns": [
        {"include": "#comments"},
        braces({"patterns": [{"include": "#comments"}, {"include": "#step-binding"}, {"include": "#expression"}]}),
      ]},
    # A step binding `name = chain` at the pipeline body's own indentation (up to 4 spaces
    # or a tab) on a line that does not end in `,` (that is a derive/select item).
    "step-binding": {
      "match": r"^(?:[ ]{0,4}|\t)(" + NAME + r")\s*(=)(?![=>])(?!.*,\s*(?://.*)?$)",
      "captures": {"1": {"name": "entity.name.variable.step.etl"}, "2": {"name": "keyword.operator.assignment.etl"}}},
    "test": {
      "begin": r"(?<![.\w`])\b(test)\b(?=\s*\")",
      "beginCaptures": {"1": {"name": "storage.type.test.etl"}},
      "end": r"(?<=\})|" + top_decl_end,
      "name": "meta.test.etl",
      "patterns": [
        {"include": "#comments"},
        {"include": "#strings"},
        {"match": r"\b(for)\s+(" + NAME + r")",
         "captures": {"1": {"name": "keyword.other.for.etl"}, "2": {"name": "entity.name.namespace.pipeline.etl"}}},
        braces({"patterns": [
           {"include": "#comments"},
           {"match": r"(?<![.\w`])\b(given)\s+(" + NAME + r")\s*(=)(?![=>])",
            "captures": {"1": {"name": "keyword.control.test.etl"}, "2": {"name": "variable.other.step.etl"},
                         "3": {"name": "keyword.operator.assignment.etl"}}},
           {"include": "#expression"}]}),
      ]},
    "expression": {"patterns": [
      {"include": "#comments"},
      {"include": "#strings"},
      {"include": "#numbers"},
      {"include": "#keywords"},
      {"include": "#calls"},
      {"include": "#names"},
      {"include": "#operators"},
      braces({"name": "meta.braces.etl",
       "patterns": [{"include": "#expression"}]}),
      {"include": "#punctuation"},
    ]},
    "strings": {"patterns": [
      {"begin": r"\b(r)(\")", "end": r"\"|(?=$)", "name": "string.quoted.raw.etl",
       "beginCaptures": {"1": {"name": "storage.type.string.raw.etl"}, "2": {"name": "punctuation.definition.string.begin.etl"}},
       "endCaptures": {"0": {"name": "punctuation.definition.string.end.etl"}}},
      {"begin": r"\"", "end": r"\"|(?=$)", "name": "string.quoted.double.etl",
       "beginCaptures": {"0": {"name": "punctuation.definition.string.begin.etl"}},
       "endCaptures": {"0": {"name": "punctuation.definition.string.end.etl"}},
       "patterns": [
         {"match": r"\\.", "name": "constant.character.escape.etl"},
         {"begin": r"\$\{", "end": r"\}", "name": "meta.interpolation.etl", "contentName": "meta.embedded.expression.etl",
          "beginCaptures": {"0": {"name": "punctuation.section.interpolation.begin.etl"}},
          "endCaptures": {"0": {"name": "punctuation.section.interpolation.end.etl"}},
          "patterns": [{"include": "#expression"}]},
       ]},
    ]},
    "numbers": {"patterns": [
      {"match": r"@\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?", "name": "constant.numeric.timestamp.etl"},
      {"match": r"@\d{4}-\d{2}-\d{2}\b", "name": "constant.numeric.date.etl"},
      {"match": r"\b(?:\d(?:[\d_]*\d)?(?:us|ms|s|m|h|d|w))+\b", "name": "constant.numeric.duration.etl"},
      {"match": r"\b\d(?:[\d_]*\d)?(?:\.\d(?:[\d_]*\d)?(?:[eE][+-]?\d+)?|[eE][+-]?\d+)\b", "name": "constant.numeric.float.etl"},
      {"match": r"\b\d(?:[\d_]*\d)?\b", "name": "constant.numeric.integer.etl"},
    ]},
    "keywords": {"patterns": [
      {"match": r"(?<![.\w`])\b(?:true|false)\b", "name": "constant.language.boolean.etl"},
      {"match": r"(?<![.\w`])\bnull\b(?!\s*:(?!:))", "name": "constant.language.null.etl"},
      kw(["if", "then", "else", "match"], "keyword.control.conditional.etl", soft=False),
      kw(["and", "or", "not"], "keyword.operator.logical.etl", soft=False),
      kw(["in", "is"], "keyword.operator.word.etl", soft=False),
      kw(["from", "into"], "keyword.control.pipeline.etl", soft=False),
      kw(["filter", "derive", "select", "drop", "rename", "route", "explode", "aggregate",
          "dedup", "sort", "take", "join", "validate", "union"], "keyword.control.pipeline.etl"),
      kw(["by", "window", "within", "asc", "desc", "left", "inner", "as", "on"], "keyword.other.etl"),
      kw(["schedule", "every", "tz", "after", "any", "retry", "backoff", "timeout",
          "max_errors", "persist", "jit", "concurrency"], "keyword.other.setting.etl"),
      kw(["given", "expect", "has", "rows", "empty"], "keyword.control.test.etl"),
      {"match": r"(?<![\w`])_(?![\w`])", "name": "variable.language.wildcard.etl"},
    ]},
    "calls": {"patterns": [
      {"match": r"(?<![\w`])(" + IDENT + r")\s*(?=\()", "captures": {"1": {"name": "entity.name.function.etl"}}},
    ]},
    "names": {"patterns": [
      {"match": r"(?<=\.)\s*(" + NAME + r")", "captures": {"1": {"name": "variable.other.property.etl"}}},
      {"match": r"(?<![\w`])(" + NAME + r")\s*(=)(?![=>])",
       "captures": {"1": {"name": "variable.other.property.etl"}, "2": {"name": "keyword.operator.assignment.etl"}}},
      # `name:` is a record key, named argument or route branch only where an item
      # starts (line start, after `{`, `(` or `,`): in `kind in kinds : "msg"` (a
      # validate rule) `kinds` is a value.
      {"match": LINE_START + r"(" + NAME + r")(?=\s*:(?!:))", "captures": {"1": {"name": "variable.other.property.etl"}}},
      {"match": r"(?<=[{(,])\s*(" + NAME + r")(?=\s*:(?!:))", "captures": {"1": {"name": "variable.other.property.etl"}}},
      {"match": r"`[^`\r\n]+`", "name": "variable.other.quoted.etl"},
      {"match": IDENT, "name": "variable.other.readwrite.etl"},
    ]},
    "operators": {"patterns": [
      {"match": r"\?\?", "name": "keyword.operator.coalesce.etl"},
      {"match": r"\?\.", "name": "punctuation.accessor.optional.etl"},
      {"match": r"=>|->", "name": "keyword.operator.arrow.etl"},
      {"match": r"==|!=|<=|>=|<|>", "name": "keyword.operator.comparison.etl"},
      {"match": r"=", "name": "keyword.operator.assignment.etl"},
      {"match": r"~", "name": "keyword.operator.regex.etl"},
      {"match": r"\|", "name": "keyword.operator.pipe.etl"},
      {"match": r"[+\-*/%]", "name": "keyword.operator.arithmetic.etl"},
      {"match": r"\?", "name": "keyword.operator.optional.etl"},
    ]},
    "punctuation": {"patterns": [
      {"match": r"\?\.", "name": "punctuation.accessor.optional.etl"},
      {"match": r"\.", "name": "punctuation.accessor.etl"},
      {"match": r",", "name": "punctuation.separator.comma.etl"},
      {"match": r":", "name": "punctuation.separator.colon.etl"},
      {"match": r";", "name": "punctuation.terminator.statement.etl"},
      {"match": r"\(", "name": "punctuation.section.parens.begin.etl"},
      {"match": r"\)", "name": "punctuation.section.parens.end.etl"},
      {"match": r"\[", "name": "punctuation.section.brackets.begin.etl"},
      {"match": r"\]", "name": "punctuation.section.brackets.end.etl"},
      {"match": r"\}", "name": "invalid.illegal.stray-brace.etl"},
      {"match": r"[^\s\w]", "name": "invalid.illegal.character.etl"},
    ]},
  },
}

def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "syntaxes", "etl.tmLanguage.json")
    text = json.dumps(g, indent=2) + "\n"
    if sys.argv[1:] == ["--check"]:
        with open(path) as f:
            if f.read() != text:
                sys.exit("syntaxes/etl.tmLanguage.json is not what scripts/grammar.py writes: run python3 scripts/grammar.py")
        return
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
