// Parameter names shared by step specs and (later) their implementations, so a rename
// cannot make the checker and the runtime disagree.
#pragma once

#include <string_view>

namespace etl::stdlib::params {

inline constexpr std::string_view kPath = "path";
inline constexpr std::string_view kSchema = "schema";
inline constexpr std::string_view kOutput = "output";
inline constexpr std::string_view kHeader = "header";
inline constexpr std::string_view kDelimiter = "delimiter";
inline constexpr std::string_view kNull = "null";
inline constexpr std::string_view kQuote = "quote";
inline constexpr std::string_view kCount = "count";
inline constexpr std::string_view kSeed = "seed";
inline constexpr std::string_view kFormat = "format";
inline constexpr std::string_view kUrl = "url";
inline constexpr std::string_view kQuery = "query";
inline constexpr std::string_view kTable = "table";
inline constexpr std::string_view kIncremental = "incremental";
inline constexpr std::string_view kMode = "mode";
inline constexpr std::string_view kMethod = "method";
inline constexpr std::string_view kBatch = "batch";
inline constexpr std::string_view kHeaders = "headers";
inline constexpr std::string_view kToken = "token";
inline constexpr std::string_view kPaginate = "paginate";
inline constexpr std::string_view kRecords = "records";
inline constexpr std::string_view kBrokers = "brokers";
inline constexpr std::string_view kTopic = "topic";
inline constexpr std::string_view kGroup = "group";
inline constexpr std::string_view kKey = "key";
inline constexpr std::string_view kPassword = "password";
inline constexpr std::string_view kCommand = "command";
inline constexpr std::string_view kTap = "tap";
inline constexpr std::string_view kTarget = "target";
inline constexpr std::string_view kConfig = "config";
inline constexpr std::string_view kStream = "stream";
inline constexpr std::string_view kCompression = "compression";
inline constexpr std::string_view kGlob = "glob";
inline constexpr std::string_view kName = "name";
inline constexpr std::string_view kSize = "size";
inline constexpr std::string_view kEvery = "every";
inline constexpr std::string_view kGap = "gap";
inline constexpr std::string_view kOn = "on";
inline constexpr std::string_view kTimeout = "timeout";

}  // namespace etl::stdlib::params
