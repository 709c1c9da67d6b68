// irisctl: the operator's tool for a whole deployment (docs/DEPLOY.md).

#include <cstdio>
#include <exception>
#include <string>

#include "apps/irisctl/cli.h"
#include "apps/irisctl/user_move.h"
#include "core/ids.h"
#include "ops/collect.h"

namespace {

int usage_error(const std::string& what) {
  std::fprintf(stderr, "irisctl: %s (irisctl --help)\n", what.c_str());
  return 2;
}

int failed(const std::string& error) {
  std::fprintf(stderr, "irisctl: %s\n", error.c_str());
  return 1;
}

int run(int argc, char** argv) {
  using namespace iris::ops;
  std::string error;
  auto options = parse_options(argc, argv, error);
  if (!options) return usage_error(error);
  if (options->help || options->command.empty()) {
    std::fputs(help_text().c_str(), options->help ? stdout : stderr);
    return options->help ? 0 : 2;
  }
  const auto& cmd = options->command;
  if (cmd.size() == 1 && cmd[0] == "cells") {
    auto report = collect_deployment(*options, error);
    if (!report) {
      std::fprintf(stderr, "irisctl: %s\n", error.c_str());
      return 1;
    }
    const std::string out = options->json ? render_json(*report) : render_text(*report);
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  if (cmd.size() == 3 && cmd[0] == "user" && cmd[1] == "where") {
    const auto id = iris::core::parse_id(cmd[2]);
    if (!id) return usage_error("not a user id: " + cmd[2]);
    auto where = where_is(*options, iris::core::UserId{*id}, error);
    if (!where) {
      std::fprintf(stderr, "irisctl: %s\n", error.c_str());
      return 1;
    }
    std::fputs(render_where(*where, options->json).c_str(), stdout);
    return 0;
  }
  if (cmd.size() == 3 && cmd[0] == "cell" && (cmd[1] == "enable" || cmd[1] == "disable")) {
    if (!set_cell_enabled(*options, cmd[2], cmd[1] == "enable", error)) return failed(error);
    std::printf("cell %s %s\n", cmd[2].c_str(), cmd[1] == "enable" ? "enabled" : "disabled: it takes no new users");
    return 0;
  }
  if ((cmd.size() == 4 || cmd.size() == 3) && cmd[0] == "user" && cmd[1] == "place") {
    const auto id = iris::core::parse_id(cmd[2]);
    if (!id) return usage_error("not a user id: " + cmd[2]);
    const std::string cell = cmd.size() == 4 ? cmd[3] : "";
    if (!place_user(*options, iris::core::UserId{*id}, cell, error)) return failed(error);
    if (cell.empty()) std::printf("user %s placed by the hash again\n", cmd[2].c_str());
    else std::printf("user %s placed in cell %s\n", cmd[2].c_str(), cell.c_str());
    return 0;
  }
  if ((cmd.size() == 3 || cmd.size() == 4) && cmd[0] == "server" && cmd[1] == "drain") {
    const std::string cell = cmd.size() == 4 ? cmd[3] : "";
    if (!drain_server(*options, cmd[2], cell, error)) return failed(error);
    std::printf("server %s asked to drain: it hands its users to the others and moves its devices; it serves "
                "again after a restart\n", cmd[2].c_str());
    return 0;
  }
  if (cmd.size() == 4 && cmd[0] == "user" && cmd[1] == "move") {
    const auto id = iris::core::parse_id(cmd[2]);
    if (!id) return usage_error("not a user id: " + cmd[2]);
    auto done = move_user(*options, iris::core::UserId{*id}, cmd[3], error);
    if (!done) return failed(error);
    std::printf("%s\n", done->c_str());
    return 0;
  }
  if (cmd.size() == 1 && cmd[0] == "audit") {
    auto text = show_audit(*options, options->last, error);
    if (!text) return failed(error);
    std::fputs(text->c_str(), stdout);
    return 0;
  }
  return usage_error("unknown command: " + cmd[0]);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "irisctl: %s\n", e.what());
    return 1;
  }
}
