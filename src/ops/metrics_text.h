#pragma once
// Reading a few figures from a server's /metrics (Prometheus text exposition format). Pure.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace iris::ops {

// Every sample of the text, summed per metric name over its labels (a counter per shard
// becomes the server's total). Comment lines, and lines that do not parse, are skipped;
// at most `max_lines` lines are read.
std::map<std::string, double, std::less<>> sum_samples(std::string_view text, std::size_t max_lines = 100000);

std::optional<double> value_of(const std::map<std::string, double, std::less<>>& samples, std::string_view name);

}  // namespace iris::ops
