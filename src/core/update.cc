#include "core/update.h"

namespace iris::core {

std::string_view kind_name(UpdateKind kind) {
  switch (kind) {
    case UpdateKind::message_created: return "MessageCreated";
    case UpdateKind::message_edited: return "MessageEdited";
    case UpdateKind::message_deleted: return "MessageDeleted";
    case UpdateKind::read_receipt: return "ReadReceipt";
    case UpdateKind::thread_created: return "ThreadCreated";
    case UpdateKind::participants_changed: return "ParticipantsChanged";
    case UpdateKind::thread_renamed: return "ThreadRenamed";
    case UpdateKind::reaction_changed: return "ReactionChanged";
    case UpdateKind::contact_changed: return "ContactChanged";
    case UpdateKind::folder_changed: return "FolderChanged";
    case UpdateKind::settings_changed: return "SettingsChanged";
  }
  return "Unknown";
}

static_assert(std::variant_size_v<UpdateBody> == kMaxUpdateKind,
              "UpdateKind and UpdateBody must list the same kinds");

}  // namespace iris::core
