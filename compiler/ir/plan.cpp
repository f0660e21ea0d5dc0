#include "compiler/ir/plan.h"

namespace etl::ir {

std::string_view Spelling(NodeKind kind) {
  switch (kind) {
#define ETL_NODE_SPELL(name, spelling) \
  case NodeKind::name:                 \
    return spelling;
    ETL_NODE_KINDS(ETL_NODE_SPELL)
#undef ETL_NODE_SPELL
  }
  return "?";
}

bool ParseNodeKind(std::string_view text, NodeKind* kind) {
#define ETL_NODE_PARSE(name, spelling) \
  if (text == spelling) {              \
    *kind = NodeKind::name;            \
    return true;                       \
  }
  ETL_NODE_KINDS(ETL_NODE_PARSE)
#undef ETL_NODE_PARSE
  return false;
}

namespace {

const Port* FindPort(const std::vector<Port>& ports, std::string_view name) {
  for (const auto& port : ports) {
    if (port.name == name) return &port;
  }
  return nullptr;
}

}  // namespace

const Port* Node::Input(std::string_view port) const { return FindPort(inputs, port); }
const Port* Node::Output(std::string_view port) const { return FindPort(outputs, port); }

const Node* Pipeline::Find(std::string_view id) const {
  for (const auto& node : nodes) {
    if (node.id == id) return &node;
  }
  return nullptr;
}

const Pipeline* Plan::Find(std::string_view name) const {
  for (const auto& pipeline : pipelines) {
    if (pipeline.name == name) return &pipeline;
  }
  return nullptr;
}

}  // namespace etl::ir
