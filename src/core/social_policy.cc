#include "core/social_policy.h"

namespace iris::core {

std::string_view relation_name(Relation r) {
  switch (r) {
    case Relation::none: return "none";
    case Relation::contact: return "contact";
    case Relation::blocked: return "blocked";
  }
  return "?";
}

std::string_view folder_name(Folder f) {
  switch (f) {
    case Folder::inbox: return "inbox";
    case Folder::requests: return "requests";
    case Folder::archived: return "archived";
  }
  return "?";
}

std::string_view group_add_name(GroupAdd g) {
  switch (g) {
    case GroupAdd::contacts: return "contacts";
    case GroupAdd::anyone: return "anyone";
    case GroupAdd::nobody: return "nobody";
  }
  return "?";
}

std::optional<GroupAdd> group_add_from_name(std::string_view name) {
  for (auto g : {GroupAdd::contacts, GroupAdd::anyone, GroupAdd::nobody}) {
    if (group_add_name(g) == name) return g;
  }
  return std::nullopt;
}

}  // namespace iris::core
