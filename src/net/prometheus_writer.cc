#include "net/prometheus_writer.h"

#include <fmt/format.h>

#include <cmath>

#include "base/assert.h"

namespace iris::net {
namespace {

// Integers print without a fraction (what a counter is); anything else in the shortest form
// that reads back exactly.
std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

void escape(std::string& out, std::string_view text, bool quote) {
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

void PrometheusWriter::header(std::string_view name, std::string_view help, std::string_view type) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  escape(out_, help, false);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusWriter::sample(std::string_view name, std::string_view label, std::string_view value,
                              double v) {
  out_ += name;
  if (!label.empty()) {
    out_ += '{';
    out_ += label;
    out_ += "=\"";
    escape(out_, value, true);
    out_ += "\"}";
  }
  out_ += ' ';
  out_ += number(v);
  out_ += '\n';
}

void PrometheusWriter::counter(std::string_view name, std::string_view help, std::uint64_t value) {
  header(name, help, "counter");
  out_ += fmt::format("{} {}\n", name, value);
}

void PrometheusWriter::counter(std::string_view name, std::string_view help,
                               std::initializer_list<Labeled> values) {
  header(name, help, "counter");
  for (const auto& v : values) sample(name, v.label, v.value, v.number);
}

void PrometheusWriter::gauge(std::string_view name, std::string_view help, double value) {
  header(name, help, "gauge");
  sample(name, {}, {}, value);
}

void PrometheusWriter::histogram(std::string_view name, std::string_view help,
                                 std::span<const double> bounds,
                                 std::span<const std::uint64_t> counts, double sum) {
  IRIS_ASSERT(counts.size() == bounds.size() + 1, "a histogram needs one count per bound plus +Inf");
  header(name, help, "histogram");
  const std::string bucket = fmt::format("{}_bucket", name);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    sample(bucket, "le", number(bounds[i]), static_cast<double>(cumulative));
  }
  cumulative += counts.back();
  sample(bucket, "le", "+Inf", static_cast<double>(cumulative));
  sample(fmt::format("{}_sum", name), {}, {}, sum);
  out_ += fmt::format("{}_count {}\n", name, cumulative);
}

}  // namespace iris::net
