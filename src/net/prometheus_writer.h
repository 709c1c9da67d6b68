#pragma once
// PrometheusWriter: the Prometheus text exposition format (version 0.0.4), for /metrics.
// Pure: values in, text out. Each family is written whole (HELP, TYPE, samples), so a family
// is one call.
//
//   # HELP <name> <help>
//   # TYPE <name> counter|gauge|histogram
//   <name>{<label>="<value>",...} <number>
//   histograms: <name>_bucket{le="<bound>"} <cumulative count> ... le="+Inf", then
//               <name>_sum and <name>_count
//
// Label values are escaped (\\, \", \n); help text escapes \\ and \n.

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace iris::net {

class PrometheusWriter {
 public:
  struct Labeled {
    std::string_view label;  // label name
    std::string_view value;  // label value
    double number;
  };

  void counter(std::string_view name, std::string_view help, std::uint64_t value);
  // One family with one sample per labelled value.
  void counter(std::string_view name, std::string_view help, std::initializer_list<Labeled> values);
  void gauge(std::string_view name, std::string_view help, double value);
  // `counts` has one entry per bound (observations in (previous bound, bound]) plus one for
  // those above the last bound; written cumulatively as Prometheus wants.
  // Requires: counts.size() == bounds.size() + 1.
  void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  // The media type of this text.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  void header(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, std::string_view label, std::string_view value, double number);

  std::string out_;
};

}  // namespace iris::net
